//! [`Script`]: a loaded, lowered and evaluated CSPM file, the seam the CLI and the checking
//! engine call.

use super::interp::{Ctx, R, State, err};
use super::lower::{self, Lowered};
use super::program::{AssertKind, Code, Global};
use super::value::Value;
use crate::cspm::ast::{self, DeclKind, Interner, ModelTag};
use crate::cspm::proc::{
    Assertion, CallId, CallInfo, EventId, EventSetId, ProcId, ProcNode, ProcSource, Property,
    RelationId, SemanticModel,
};
use crate::cspm::source::{Diagnostic, Loader, Severity, SourceMap, Span};

/// A script that could not be loaded: its diagnostics and the files to render them with.
#[derive(Debug)]
pub struct ScriptErrors {
    pub diagnostics: Vec<Diagnostic>,
    pub source_map: SourceMap,
}

impl std::fmt::Display for ScriptErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in &self.diagnostics {
            f.write_str(&d.render(&self.source_map))?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptErrors {}

/// The outcome of one `test…` or `procTest…` binding (`cspot eval --tests`).
#[derive(Debug)]
pub struct TestOutcome {
    pub name: String,
    pub span: Span,
    /// The value's display form, or the error that stopped it.
    pub result: Result<String, Diagnostic>,
    /// For `test…` bindings: whether the value is `true`. `None` for `procTest…`.
    pub passed: Option<bool>,
}

/// A loaded CSPM script with its evaluated declarations.
pub struct Script {
    map: SourceMap,
    names: Interner,
    prog: super::program::Program,
    st: State,
    warnings: Vec<Diagnostic>,
    expr_count: u32,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("globals", &self.prog.globals.len())
            .field("nodes", &self.st.arena.node_count())
            .finish()
    }
}

/// Most calls `--tests` unfolds from one `procTest…` binding to find evaluation errors.
const PROC_TEST_UNFOLDS: usize = 5_000;

impl Script {
    /// Loads `root` and its includes through `loader`, parses, evaluates the declarations.
    pub fn load(root: &str, loader: &mut dyn Loader) -> Result<Script, ScriptErrors> {
        let mut map = SourceMap::default();
        let mut names = Interner::default();
        let loaded = crate::cspm::load::load(root, loader, &mut map, &mut names);
        if loaded.has_errors() {
            return Err(ScriptErrors {
                diagnostics: loaded.diagnostics,
                source_map: map,
            });
        }
        let refs: Vec<&ast::Decl> = loaded.module.decls.iter().collect();
        Script::from_decls(&refs, map, names, loaded.diagnostics)
    }

    /// Lowers and evaluates already parsed declarations (includes spliced in, in order).
    pub fn from_decls(
        decls: &[&ast::Decl],
        map: SourceMap,
        names: Interner,
        mut warnings: Vec<Diagnostic>,
    ) -> Result<Script, ScriptErrors> {
        let Lowered { program, diags } = lower::lower(decls, &names, &map);
        let errors: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect();
        if !errors.is_empty() {
            return Err(ScriptErrors {
                diagnostics: errors,
                source_map: map,
            });
        }
        warnings.extend(diags);
        let st = State::new(&program);
        let mut s = Script {
            map,
            names,
            prog: program,
            st,
            warnings,
            expr_count: 0,
        };
        if let Err(e) = s.evaluate_types() {
            return Err(ScriptErrors {
                diagnostics: vec![e],
                source_map: s.map,
            });
        }
        Ok(s)
    }

    /// Evaluates every channel and datatype declaration and interns `Events` in order, so
    /// event ids follow the canonical order of event values.
    fn evaluate_types(&mut self) -> R<()> {
        let mut cx = Ctx::new(&self.prog, &mut self.st, &self.names);
        for t in 0..cx.prog.tags.len() {
            let span = cx.prog.tags[t].span;
            cx.tag_rt(t as u32, span)?;
        }
        for ty in 0..cx.prog.types.len() {
            let span = cx.prog.types[ty].span;
            cx.type_set(ty as u32, span)?;
        }
        let events = cx.all_events(Span::default())?;
        let mut ids = Vec::new();
        if let Ok(evs) = events.elems() {
            for v in evs {
                ids.push(cx.event(v, Span::default())?);
            }
        }
        self.st.arena.all_events = ids;
        Ok(())
    }

    fn ctx(&mut self) -> Ctx<'_> {
        self.st.depth = 0;
        Ctx::new(&self.prog, &mut self.st, &self.names)
    }

    pub fn source_map(&self) -> &SourceMap {
        &self.map
    }

    /// Warnings found while loading (e.g. unsupported sections seen by the scope check).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Every `assert` of the script in file order, each evaluated to an [`Assertion`] (or the
    /// diagnostic that stopped it, e.g. an unsupported feature or a runtime error).
    pub fn assertions(&mut self) -> Vec<Result<Assertion, Diagnostic>> {
        let n = self.prog.asserts.len();
        (0..n).map(|i| self.assertion(i)).collect()
    }

    /// How many `assert`s the script has.
    pub fn assertion_count(&self) -> usize {
        self.prog.asserts.len()
    }

    /// The `i`-th `assert` (0-based, file order), evaluated: see [`Script::assertions`].
    pub fn assertion(&mut self, i: usize) -> Result<Assertion, Diagnostic> {
        let a = self.prog.asserts[i].clone();
        if let Some(e) = a.error {
            return Err(e);
        }
        let model = |m: Option<ModelTag>, default: SemanticModel| match m {
            None => default,
            Some(ModelTag::Traces) => SemanticModel::Traces,
            Some(ModelTag::Failures) => SemanticModel::Failures,
            Some(ModelTag::FailuresDivergences) => SemanticModel::FailuresDivergences,
            Some(ModelTag::Refusals) => SemanticModel::Refusals,
            Some(ModelTag::RefusalsDivergences) => SemanticModel::RefusalsDivergences,
            Some(ModelTag::Revivals) => SemanticModel::Revivals,
            Some(ModelTag::RevivalsDivergences) => SemanticModel::RevivalsDivergences,
        };
        let property = match a.kind {
            AssertKind::Refinement {
                spec,
                model: m,
                imp,
            } => Property::Refinement {
                spec: self.proc_code(spec)?,
                model: model(Some(m), SemanticModel::FailuresDivergences),
                imp: self.proc_code(imp)?,
            },
            AssertKind::DeadlockFree { proc, model: m } => Property::DeadlockFree {
                proc: self.proc_code(proc)?,
                model: model(m, SemanticModel::FailuresDivergences),
            },
            AssertKind::DivergenceFree { proc } => Property::DivergenceFree {
                proc: self.proc_code(proc)?,
            },
            AssertKind::Deterministic { proc, model: m } => Property::Deterministic {
                proc: self.proc_code(proc)?,
                model: model(m, SemanticModel::FailuresDivergences),
            },
            AssertKind::HasTrace {
                proc,
                model: m,
                trace,
            } => {
                let p = self.proc_code(proc)?;
                let span = self.prog.expr(trace.expr).span;
                let mut cx = self.ctx();
                let v = cx.run(trace, None)?;
                let s = cx.as_seq(v, span)?;
                let items = cx.seq_force_all(&s, span)?;
                let mut evs = Vec::with_capacity(items.len());
                for e in &items {
                    evs.push(cx.event(e, span)?);
                }
                Property::HasTrace {
                    proc: p,
                    model: model(m, SemanticModel::Traces),
                    trace: evs,
                }
            }
            AssertKind::Bool(code) => {
                let span = self.prog.expr(code.expr).span;
                let mut cx = self.ctx();
                let v = cx.run(code, None)?;
                Property::Bool(cx.as_bool(v, span)?)
            }
        };
        let tau_priority = match a.tau_priority {
            Some(code) => {
                let span = self.prog.expr(code.expr).span;
                let mut cx = self.ctx();
                let v = cx.run(code, None)?;
                let s = cx.as_set(v, span)?;
                Some(cx.event_set_of(&s, span)?)
            }
            None => None,
        };
        Ok(Assertion {
            text: a.text,
            span: a.span,
            negated: a.negated,
            property,
            tau_priority,
            partial_order_reduce: a.partial_order_reduce,
        })
    }

    fn proc_code(&mut self, code: Code) -> R<ProcId> {
        let span = self.prog.expr(code.expr).span;
        let mut cx = self.ctx();
        let v = cx.run(code, None)?;
        cx.as_proc(v, span)
    }

    /// Parses and lowers an expression in the script's context. The parser reads
    /// declarations, so the text is parsed as `eval = TEXT`; every span is then moved back by
    /// the prefix onto the expression's own text, which is what the source map holds, so that
    /// positions are columns of what was written (`<expression 1>:1:5` for `1 + true`).
    fn expr_code(&mut self, text: &str) -> R<Code> {
        const PREFIX: &str = "eval = ";
        self.expr_count += 1;
        let name = format!("<expression {}>", self.expr_count);
        let own = format!("{text}\n");
        let wrapped = format!("{PREFIX}{own}");
        let file = self.map.add(name, own.clone());
        let shift = |s: &mut Span| {
            if s.file == file {
                let len = own.len() as u32;
                s.start = s.start.saturating_sub(PREFIX.len() as u32).min(len);
                s.end = s
                    .end
                    .saturating_sub(PREFIX.len() as u32)
                    .clamp(s.start, len);
            }
        };
        let (mut module, diags) = crate::cspm::parse(file, &wrapped, &mut self.names);
        if let Some(mut d) = diags.into_iter().find(|d| d.severity == Severity::Error) {
            shift(&mut d.span);
            return Err(d);
        }
        module.map_spans(&mut |s| shift(s));
        let body = match module.decls.as_slice() {
            [
                ast::Decl {
                    kind: DeclKind::Clause { params, body, .. },
                    ..
                },
            ] if params.is_empty() => body,
            _ => {
                return err(Span::new(file, 0, own.len()), "expected one expression");
            }
        };
        let code = lower::lower_expr(&mut self.prog, body, &self.names, &self.map)
            .map_err(|mut ds| ds.remove(0))?;
        self.st.grow(&self.prog);
        Ok(code)
    }

    /// Evaluates a process expression in the script's context (for `cspot lts FILE PROCESS`
    /// and for tests), e.g. `SYSTEM` or `PHIL(2)`.
    pub fn process(&mut self, expr: &str) -> Result<ProcId, Diagnostic> {
        let code = self.expr_code(expr)?;
        self.proc_code(code)
    }

    /// Evaluates any expression; [`Script::show`] gives its FDR display form.
    pub fn eval(&mut self, expr: &str) -> Result<Value, Diagnostic> {
        let code = self.expr_code(expr)?;
        self.ctx().run(code, None)
    }

    /// FDR's display form of a value: `{0, 1}`, `<1, 2>`, `(1, true)`, `c.1`, ...
    pub fn show(&self, v: &Value) -> String {
        super::display::show(&self.prog, &self.names, &self.st.arena, v)
    }

    /// A short display form of a process node, unfolding nothing (calls show their names).
    pub fn show_proc(&self, p: ProcId, depth: u32) -> String {
        super::display::show_proc(&self.prog, &self.names, &self.st.arena, p, depth)
    }

    /// Evaluates every top-level `test…` constant (which should be `true`) and every
    /// `procTest…` process (unfolding the calls it reaches, up to a bound, to surface
    /// evaluation errors), in file order.
    pub fn tests(&mut self) -> Vec<TestOutcome> {
        let order = self.prog.order.clone();
        let mut out = Vec::new();
        for (sym, g) in order {
            let name = self.names.resolve(sym).to_string();
            let is_test = name.starts_with("test");
            let is_proc_test = name.starts_with("procTest");
            if !is_test && !is_proc_test {
                continue;
            }
            if matches!(self.prog.globals[g as usize], Global::Fn(_)) {
                continue;
            }
            let span = match &self.prog.globals[g as usize] {
                Global::Value { span, .. } => *span,
                Global::PatVar { bind, .. } => self.prog.pat_binds[*bind as usize].span,
                _ => Span::default(),
            };
            let v = self.ctx().global_value(g, span);
            let (result, passed) = match v {
                Err(e) => (Err(e), if is_test { Some(false) } else { None }),
                Ok(v) if is_test => {
                    let ok = v == Value::Bool(true);
                    (Ok(self.show(&v)), Some(ok))
                }
                Ok(Value::Proc(p)) => match self.unfold_reachable(p, PROC_TEST_UNFOLDS) {
                    Ok(()) => (Ok(self.show_proc(p, 4)), None),
                    Err(e) => (Err(e), None),
                },
                Ok(v) => (
                    Err(Diagnostic::error(
                        span,
                        format!("`{name}` should be a process, but is {}", v.kind()),
                    )),
                    None,
                ),
            };
            out.push(TestOutcome {
                name,
                span,
                result,
                passed,
            });
        }
        out
    }

    /// Unfolds the calls reachable from `p`, at most `limit` of them.
    pub fn unfold_reachable(&mut self, p: ProcId, limit: usize) -> Result<(), Diagnostic> {
        let mut seen_nodes = rustc_hash::FxHashSet::default();
        let mut stack = vec![p];
        let mut unfolded = 0;
        while let Some(q) = stack.pop() {
            if !seen_nodes.insert(q) {
                continue;
            }
            let node = self.st.arena.get(q).clone();
            match node {
                ProcNode::Call(c) => {
                    if unfolded >= limit {
                        continue;
                    }
                    unfolded += 1;
                    let b = self.unfold(c)?;
                    stack.push(b);
                }
                other => stack.extend(children(&other)),
            }
        }
        Ok(())
    }

    /// How many process nodes and calls the arena holds.
    pub fn arena_size(&self) -> (usize, usize) {
        (self.st.arena.node_count(), self.st.arena.call_count())
    }
}

fn children(n: &ProcNode) -> Vec<ProcId> {
    match n {
        ProcNode::Stop | ProcNode::Skip | ProcNode::Div | ProcNode::Chaos(_) | ProcNode::Run(_) => {
            Vec::new()
        }
        ProcNode::Prefix(_, p) | ProcNode::Hide(p, _) | ProcNode::Rename(p, _) => vec![*p],
        ProcNode::ExtChoice(ps) | ProcNode::IntChoice(ps) | ProcNode::GenParallel(_, ps) => {
            ps.clone()
        }
        ProcNode::Sliding(a, b)
        | ProcNode::Interrupt(a, b)
        | ProcNode::Seq(a, b)
        | ProcNode::Exception(a, _, b)
        | ProcNode::Linked(a, _, b) => vec![*a, *b],
        ProcNode::AlphaParallel(ps) => ps.iter().map(|(_, p)| *p).collect(),
        ProcNode::Call(_) => Vec::new(),
    }
}

static UNKNOWN_CALL: std::sync::LazyLock<CallInfo> = std::sync::LazyLock::new(|| CallInfo {
    name: "?".into(),
    span: None,
});

impl ProcSource for Script {
    fn node(&self, p: ProcId) -> &ProcNode {
        self.st.arena.get(p)
    }
    fn event_set(&self, s: EventSetId) -> &[EventId] {
        self.st.arena.get_set(s)
    }
    fn relation(&self, r: RelationId) -> &[(EventId, EventId)] {
        self.st.arena.get_relation(r)
    }
    fn call_info(&self, c: CallId) -> &CallInfo {
        self.st
            .arena
            .call_entry(c)
            .map(|e| &e.info)
            .unwrap_or(&UNKNOWN_CALL)
    }
    fn unfold(&mut self, c: CallId) -> Result<ProcId, Diagnostic> {
        self.ctx().unfold(c)
    }
    fn event_count(&self) -> u32 {
        self.st.arena.event_count()
    }
    fn event_name(&self, e: EventId) -> &str {
        self.st.arena.event_name(e)
    }
    fn event_parts(&self, e: EventId) -> (String, Vec<String>) {
        self.st
            .arena
            .event_value(e)
            .and_then(|v| super::display::parts(&self.prog, &self.names, &self.st.arena, v))
            .unwrap_or_else(|| (self.event_name(e).to_string(), Vec::new()))
    }
    fn all_events(&self) -> &[EventId] {
        &self.st.arena.all_events
    }
}

/// The scope check of `cspot parse`: unknown names, split definitions, arity mismatches
/// between clauses, found without evaluating anything. Unsupported sections (modules, `Timed`)
/// are warnings here.
pub fn check_scopes(module: &ast::Module, names: &Interner, map: &SourceMap) -> Vec<Diagnostic> {
    let decls: Vec<&ast::Decl> = module.decls.iter().collect();
    let Lowered { diags, .. } = lower::lower(&decls, names, map);
    diags
        .into_iter()
        .map(|mut d| {
            if d.message.starts_with("unsupported:") {
                d.severity = Severity::Warning;
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// The engine may move a script to another thread.
    #[test]
    fn script_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Script>();
    }
}
