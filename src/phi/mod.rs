//! Φ: the mapping between span trees and CSP (model files, Φ⁻¹, conformance, synthesis).
//!
//! Owns model files and the translation between span forests (`otlp`) and the activation-aware
//! semantics of `lts`: [`observe`] turns one trace into the partial order of events it fixes
//! (Φ⁻¹), [`conform`] searches for a linearisation of it that is a run of the system process
//! with every span's parent as the model gives it, [`por`] is the partial-order reduction that
//! search relies on for wide concurrent trees, [`synth`] runs the model forward into span
//! trees (Φ), and [`corpus`] holds the corpus-level checks (round trip, injectivity, coverage).
//! Must not read files or render anything: the CLI hands it text and a loaded script, and
//! `report` renders what it returns.

pub mod conform;
pub mod corpus;
pub mod model;
pub mod observe;
pub mod por;
pub mod result;
#[cfg(feature = "proptest")]
pub mod strategy;
pub mod synth;

use crate::cspm::proc::{CallId, EventId, ProcId, ProcSource};
use crate::cspm::source::Diagnostic;
use crate::lts::sem::Semantics;
use crate::lts::term::TermId;
use crate::otlp::{Forest, Trace};
pub use conform::{Limits, Outcome};
pub use model::{ModelError, ModelFile, Unmapped};
pub use observe::Observation;
use rustc_hash::FxHashMap;

/// A span process of the model file, resolved against the script.
#[derive(Clone, Debug)]
pub struct ProcInfo {
    /// Definition name, e.g. `WORKER`.
    pub def: String,
    /// Span name.
    pub name: String,
    pub start: Option<EventId>,
    pub end: Option<EventId>,
    pub service: String,
    pub kind: crate::otlp::SpanKind,
}

/// A model file resolved against the events of its script.
#[derive(Clone, Debug)]
pub struct Mapping {
    pub file: ModelFile,
    pub procs: Vec<ProcInfo>,
    events: FxHashMap<String, EventId>,
    aliases: FxHashMap<String, EventId>,
    names: FxHashMap<String, Vec<u16>>,
    /// CSP event -> the span-event name synthesis writes (the `[events]` table inverted).
    pub event_names: FxHashMap<EventId, String>,
}

impl Mapping {
    /// Resolves every event the file names; errors point into the file's text.
    pub fn resolve(
        file: ModelFile,
        text: &str,
        src: &dyn ProcSource,
    ) -> Result<Mapping, ModelError> {
        let mut events = FxHashMap::default();
        for e in 2..src.event_count() {
            events.insert(src.event_name(e).to_string(), e);
        }
        let err = |needle: &str, message: String| {
            let (line, col) = ModelFile::position_of(text, needle);
            ModelError { line, col, message }
        };
        let lookup = |name: &str, needle: &str| -> Result<EventId, ModelError> {
            events.get(name).copied().ok_or_else(|| {
                err(
                    needle,
                    format!("`{name}` is not an event of the specification"),
                )
            })
        };
        let mut procs = Vec::new();
        let mut names: FxHashMap<String, Vec<u16>> = FxHashMap::default();
        for (k, s) in file.spans.iter().enumerate() {
            let start = s
                .start
                .as_deref()
                .map(|e| lookup(e, &format!("\"{e}\"")))
                .transpose()?;
            let end = s
                .end
                .as_deref()
                .map(|e| lookup(e, &format!("\"{e}\"")))
                .transpose()?;
            let kind = match s.kind.as_deref() {
                Some("server") => crate::otlp::SpanKind::Server,
                Some("client") => crate::otlp::SpanKind::Client,
                Some("producer") => crate::otlp::SpanKind::Producer,
                Some("consumer") => crate::otlp::SpanKind::Consumer,
                _ => crate::otlp::SpanKind::Internal,
            };
            procs.push(ProcInfo {
                def: s.process.clone(),
                name: s.name.clone(),
                start,
                end,
                service: s
                    .service
                    .clone()
                    .unwrap_or_else(|| s.process.to_ascii_lowercase()),
                kind,
            });
            names.entry(s.name.clone()).or_default().push(k as u16);
        }
        let mut aliases = FxHashMap::default();
        let mut event_names = FxHashMap::default();
        for (name, ev) in &file.events {
            let e = lookup(ev, &format!("\"{ev}\""))?;
            aliases.insert(name.clone(), e);
            event_names.entry(e).or_insert_with(|| name.clone());
        }
        Ok(Mapping {
            file,
            procs,
            events,
            aliases,
            names,
            event_names,
        })
    }

    /// The CSP event a span or span-event name stands for.
    pub fn event(&self, name: &str) -> Option<EventId> {
        self.aliases
            .get(name)
            .or_else(|| self.events.get(name))
            .copied()
    }

    /// The span processes whose spans have this name.
    pub fn span_procs(&self, name: &str) -> Option<&[u16]> {
        self.names.get(name).map(|v| v.as_slice())
    }

    /// The start and end events of spans that may be any of `procs` (they agree: the model
    /// file is refused otherwise).
    pub fn start_end(&self, procs: &[u16]) -> (Option<EventId>, Option<EventId>) {
        procs
            .first()
            .and_then(|&p| self.procs.get(p as usize))
            .map_or((None, None), |p| (p.start, p.end))
    }

    pub fn proc_of_def(&self, def: &str) -> Option<u16> {
        self.procs
            .iter()
            .position(|p| p.def == def)
            .map(|k| k as u16)
    }

    /// The span-event name synthesis writes for a CSP event.
    pub fn event_name<'a>(&'a self, e: EventId, src: &'a dyn ProcSource) -> &'a str {
        self.event_names
            .get(&e)
            .map_or_else(|| src.event_name(e), |s| s.as_str())
    }
}

/// A Φ model ready to use: the model file, its script loaded and the system process built.
pub struct Model {
    pub script: crate::cspm::eval::Script,
    pub map: Mapping,
    pub root: ProcId,
}

/// Why a model could not be loaded: the message names the model file's position or carries
/// the script's rendered diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    File(ModelError),
    #[error("the specification could not be loaded:\n{0}")]
    Script(String),
    #[error("{line}:{col}: {message}")]
    Process {
        line: usize,
        col: usize,
        message: String,
    },
}

impl Model {
    /// Parses `model_text` and loads the specification it names through `loader`
    /// (`spec_path` is the `spec` key resolved by the caller, which knows where the file is).
    pub fn load(
        model_text: &str,
        spec_path: &str,
        loader: &mut dyn crate::cspm::source::Loader,
    ) -> Result<Model, LoadError> {
        let file = ModelFile::parse(model_text).map_err(LoadError::File)?;
        Model::from_file(file, model_text, spec_path, loader)
    }

    /// As [`Model::load`], for a model file already parsed from `model_text`.
    pub fn from_file(
        file: ModelFile,
        model_text: &str,
        spec_path: &str,
        loader: &mut dyn crate::cspm::source::Loader,
    ) -> Result<Model, LoadError> {
        let mut script = crate::cspm::eval::Script::load(spec_path, loader)
            .map_err(|e| LoadError::Script(e.to_string()))?;
        let at = |needle: &str, message: String| {
            let (line, col) = ModelFile::position_of(model_text, needle);
            LoadError::Process { line, col, message }
        };
        let root = script.process(&file.process).map_err(|d| {
            at(
                "process",
                format!(
                    "process `{}` cannot be built: {}",
                    file.process,
                    d.render(script.source_map()).trim_end()
                ),
            )
        })?;
        for s in &file.spans {
            if let Err(d) = script.eval(&s.process) {
                return Err(at(
                    &format!("[spans.{}]", s.process),
                    format!(
                        "`{}` is not a definition of {spec_path}: {}",
                        s.process, d.message
                    ),
                ));
            }
        }
        let map = Mapping::resolve(file, model_text, &script).map_err(LoadError::File)?;
        Ok(Model { script, map, root })
    }

    /// A verifier over this model (its memo tables live as long as it).
    pub fn verifier(&mut self) -> Verifier<'_> {
        Verifier::new(&mut self.script, self.root, self.map.clone())
    }
}

/// Memo tables of a verifier past this many bytes are dropped between traces.
pub const DEFAULT_MEMO_LIMIT: u64 = 512 << 20;

/// One trace's answer.
#[derive(Clone, Debug)]
pub struct TraceVerdict {
    pub obs: Observation,
    pub outcome: Outcome,
    pub cost: conform::Cost,
}

/// Checks traces against one model: the semantics and its memo tables live as long as it.
pub struct Verifier<'s> {
    pub sem: Semantics<'s>,
    pub map: Mapping,
    pub root: TermId,
    root_proc: ProcId,
    /// Bytes the memo tables may reach before they are dropped between two traces.
    pub memo_limit: u64,
    por: por::Por,
    call_proc: FxHashMap<CallId, Option<u16>>,
    store: conform::Store,
}

impl<'s> Verifier<'s> {
    /// `root` is the system process; the mapping's span processes become activations.
    pub fn new(src: &'s mut dyn ProcSource, root_proc: ProcId, map: Mapping) -> Verifier<'s> {
        let root = root_proc;
        let mut sem = Semantics::new(src);
        sem.enable_activations(map.procs.iter().map(|p| p.def.clone()));
        let root = sem.import(root);
        let por = por::Por::new(
            map.procs
                .iter()
                .enumerate()
                .map(|(k, p)| (p.def.clone(), k as u16))
                .collect(),
        );
        Verifier {
            sem,
            map,
            root,
            root_proc,
            memo_limit: DEFAULT_MEMO_LIMIT,
            por,
            call_proc: FxHashMap::default(),
            store: conform::Store::default(),
        }
    }

    /// Φ⁻¹ of one trace and the conformance search over it.
    pub fn verify(
        &mut self,
        forest: &Forest,
        trace: &Trace,
        limits: Limits,
    ) -> Result<TraceVerdict, Diagnostic> {
        let obs = observe::observe(&self.map, forest, trace);
        self.verify_observation(obs, limits)
    }

    pub fn verify_observation(
        &mut self,
        obs: Observation,
        limits: Limits,
    ) -> Result<TraceVerdict, Diagnostic> {
        // Traces of a long dump keep adding terms; past the limit the tables start afresh, so
        // memory stays bounded by what one trace needs.
        if self.sem.memory_bytes() > self.memo_limit {
            self.sem.reset();
            self.root = self.sem.import(self.root_proc);
            self.por.clear();
        }
        let require_termination = obs.complete && self.map.file.complete;
        let mut search = conform::Search {
            sem: &mut self.sem,
            map: &self.map,
            call_proc: &mut self.call_proc,
            obs: &obs,
            require_termination,
            limits,
            por: &mut self.por,
            store: &mut self.store,
        };
        let (outcome, cost) = search.run(self.root)?;
        Ok(TraceVerdict { obs, outcome, cost })
    }
}
