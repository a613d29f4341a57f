//! Parameters of one BatchSpanProcessor model: sizes, exporter behaviour, when the callers call.

use serde::Deserialize;
use thiserror::Error;

/// Largest sizes the packed state supports. Span ids are 4 bits (0 marks an empty slot).
pub const MAX_PRODUCERS: u8 = 4;
pub const MAX_SPANS: u8 = 7;
pub const MAX_SPANS_TOTAL: u8 = 15;
pub const MAX_QUEUE: u8 = 8;
pub const MAX_BATCH: u8 = 4;

/// When a caller (ForceFlush, Shutdown) makes its one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Never called.
    Never,
    /// At any moment once this many spans have ended (0: from the start).
    After(u8),
    /// Only once every producer has ended all its spans.
    End,
}

impl When {
    /// Reads `never`, `any`, `end` or a number of ended spans (`yes`/`true`, `no`/`false` too).
    pub fn parse(s: &str) -> Result<When, ConfigError> {
        match s.trim() {
            "never" | "no" | "false" => Ok(When::Never),
            "any" | "yes" | "true" => Ok(When::After(0)),
            "end" => Ok(When::End),
            n => n
                .parse::<u8>()
                .map(When::After)
                .map_err(|_| ConfigError::When(s.to_string())),
        }
    }

    /// Whether the caller is called at all.
    pub fn called(self) -> bool {
        self != When::Never
    }
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            When::Never => f.write_str("never"),
            When::After(0) => f.write_str("any"),
            When::After(n) => write!(f, "after {n} spans"),
            When::End => f.write_str("end"),
        }
    }
}

/// One configuration of the model (a `models/bsp/*.toml` file, then command-line overrides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Threads that start and end spans.
    pub producers: u8,
    /// Spans each producer ends.
    pub spans: u8,
    /// Capacity of the processor's queue (`maxQueueSize`).
    pub queue: u8,
    /// Spans per Export call (`maxExportBatchSize`).
    pub batch: u8,
    /// An Export attempt can fail.
    pub export_failures: bool,
    /// An Export attempt can time out (the processor's export timeout).
    pub export_timeouts: bool,
    /// A failed attempt means the endpoint is unreachable: the exporter backs off and retries
    /// until it succeeds or is shut down (the OTLP exporters' retry loop).
    pub exporter_retries: bool,
    /// When a thread calls ForceFlush.
    pub force_flush: When,
    /// When a thread calls Shutdown.
    pub shutdown: When,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            producers: 2,
            spans: 2,
            queue: 3,
            batch: 2,
            export_failures: true,
            export_timeouts: false,
            exporter_retries: true,
            force_flush: When::After(0),
            shutdown: When::After(0),
        }
    }
}

/// A configuration that cannot be explored.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A `force_flush`/`shutdown` value that is not a time to call.
    #[error("`{0}` is not a time to call: write never, any, end or a number of ended spans")]
    When(String),
    /// A parameter out of its range.
    #[error("{what} must be between {min} and {max}, not {value}")]
    Range {
        /// The parameter.
        what: &'static str,
        /// Its least value.
        min: u8,
        /// Its greatest value.
        max: u8,
        /// The value given.
        value: u64,
    },
    /// More spans in all than the packed state holds.
    #[error("producers × spans must be at most {MAX_SPANS_TOTAL}, not {0}")]
    TooManySpans(u32),
    /// A batch larger than the queue.
    #[error("batch ({batch}) must not exceed queue ({queue})")]
    BatchOverQueue {
        /// The batch size given.
        batch: u8,
        /// The queue size given.
        queue: u8,
    },
    /// A caller waiting for more ended spans than the configuration ends is never called, and
    /// the property about it would hold without being tested.
    #[error(
        "{caller} = {after} waits for {after} ended spans, but only {total} end: {caller} would \
         never be called and {property} would hold vacuously; give at most {total}, \"end\", or \
         \"never\" to leave the caller out on purpose"
    )]
    NeverCalled {
        /// `force_flush` or `shutdown`.
        caller: &'static str,
        /// The property that would hold vacuously.
        property: &'static str,
        /// The ended spans the caller waits for.
        after: u8,
        /// The spans the configuration ends.
        total: u8,
    },
    /// The TOML form could not be read.
    #[error("{0}")]
    Toml(String),
}

impl ConfigError {
    /// The configuration keys the error is about, the most likely culprit first (a range
    /// error names its key; `producers × spans` blames `spans`, then `producers`).
    pub fn keys(&self) -> &'static [&'static str] {
        match self {
            ConfigError::Range { what, .. } => match *what {
                "producers" => &["producers"],
                "spans" => &["spans"],
                "queue" => &["queue"],
                "batch" => &["batch"],
                _ => &[],
            },
            ConfigError::TooManySpans(_) => &["spans", "producers"],
            ConfigError::BatchOverQueue { .. } => &["batch", "queue"],
            ConfigError::NeverCalled {
                caller: "force_flush",
                ..
            } => &["force_flush"],
            ConfigError::NeverCalled { .. } => &["shutdown"],
            ConfigError::When(_) | ConfigError::Toml(_) => &[],
        }
    }
}

fn range(what: &'static str, value: u64, min: u8, max: u8) -> Result<u8, ConfigError> {
    if value < min as u64 || value > max as u64 {
        Err(ConfigError::Range {
            what,
            min,
            max,
            value,
        })
    } else {
        Ok(value as u8)
    }
}

impl Config {
    /// Checks the sizes against what the packed state can hold.
    pub fn validate(&self) -> Result<(), ConfigError> {
        range("producers", self.producers as u64, 1, MAX_PRODUCERS)?;
        range("spans", self.spans as u64, 1, MAX_SPANS)?;
        range("queue", self.queue as u64, 1, MAX_QUEUE)?;
        range("batch", self.batch as u64, 1, MAX_BATCH)?;
        let total = self.producers as u32 * self.spans as u32;
        if total > MAX_SPANS_TOTAL as u32 {
            return Err(ConfigError::TooManySpans(total));
        }
        if self.batch > self.queue {
            return Err(ConfigError::BatchOverQueue {
                batch: self.batch,
                queue: self.queue,
            });
        }
        for (caller, property, when) in [
            ("force_flush", "P4", self.force_flush),
            ("shutdown", "P5", self.shutdown),
        ] {
            if let When::After(after) = when
                && u32::from(after) > total
            {
                return Err(ConfigError::NeverCalled {
                    caller,
                    property,
                    after,
                    total: total as u8,
                });
            }
        }
        Ok(())
    }

    /// Spans ended in all: producers × spans.
    pub fn total_spans(&self) -> u8 {
        self.producers * self.spans
    }

    /// One line naming the parameters, for report titles.
    pub fn describe(&self) -> String {
        let mut exporter = Vec::new();
        if self.export_failures {
            exporter.push(if self.exporter_retries {
                "fails and retries"
            } else {
                "fails"
            });
        }
        if self.export_timeouts {
            exporter.push("times out");
        }
        if exporter.is_empty() {
            exporter.push("always succeeds");
        }
        format!(
            "{} producers × {} spans, queue {}, batch {}, exporter {}, ForceFlush {}, Shutdown {}",
            self.producers,
            self.spans,
            self.queue,
            self.batch,
            exporter.join(" and "),
            self.force_flush,
            self.shutdown
        )
    }
}

/// The TOML form of a configuration: every key optional, defaults from [`Config::default`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The processor: `spec`, a bug variant's name, or `all`.
    pub variant: Option<String>,
    /// See [`Config::producers`].
    pub producers: Option<u64>,
    /// See [`Config::spans`].
    pub spans: Option<u64>,
    /// See [`Config::queue`].
    pub queue: Option<u64>,
    /// See [`Config::batch`].
    pub batch: Option<u64>,
    /// See [`Config::export_failures`].
    pub export_failures: Option<bool>,
    /// See [`Config::export_timeouts`].
    pub export_timeouts: Option<bool>,
    /// See [`Config::exporter_retries`].
    pub exporter_retries: Option<bool>,
    /// See [`Config::force_flush`].
    pub force_flush: Option<WhenValue>,
    /// See [`Config::shutdown`].
    pub shutdown: Option<WhenValue>,
}

/// `force_flush = "any"`, `= false`, `= 3`; anything else (`-1`, `1.5`, a table) is kept to
/// be refused with the message every other wrong time gets.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WhenValue {
    /// `true` (any time) or `false` (never).
    Bool(bool),
    /// After this many ended spans.
    Count(i64),
    /// `never`, `any`, `end`, or a number written as text.
    Text(String),
    /// Anything else: an error naming the key.
    Other(toml::Value),
}

impl WhenValue {
    fn when(&self) -> Result<When, ConfigError> {
        match self {
            WhenValue::Bool(false) => Ok(When::Never),
            WhenValue::Bool(true) => Ok(When::After(0)),
            WhenValue::Count(n) => {
                let n = u64::try_from(*n).map_err(|_| ConfigError::When(n.to_string()))?;
                Ok(When::After(range("a call's span count", n, 0, 255)?))
            }
            WhenValue::Text(s) => When::parse(s),
            WhenValue::Other(v) => Err(ConfigError::When(v.to_string())),
        }
    }
}

impl ConfigFile {
    /// Parses TOML text; errors carry the parser's line and column.
    pub fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))
    }

    /// Applies the file's keys over `base`.
    pub fn apply(&self, base: Config) -> Result<Config, ConfigError> {
        let mut c = base;
        if let Some(v) = self.producers {
            c.producers = range("producers", v, 1, MAX_PRODUCERS)?;
        }
        if let Some(v) = self.spans {
            c.spans = range("spans", v, 1, MAX_SPANS)?;
        }
        if let Some(v) = self.queue {
            c.queue = range("queue", v, 1, MAX_QUEUE)?;
        }
        if let Some(v) = self.batch {
            c.batch = range("batch", v, 1, MAX_BATCH)?;
        }
        if let Some(v) = self.export_failures {
            c.export_failures = v;
        }
        if let Some(v) = self.export_timeouts {
            c.export_timeouts = v;
        }
        if let Some(v) = self.exporter_retries {
            c.exporter_retries = v;
        }
        if let Some(v) = &self.force_flush {
            c.force_flush = v.when()?;
        }
        if let Some(v) = &self.shutdown {
            c.shutdown = v.when()?;
        }
        Ok(c)
    }
}
