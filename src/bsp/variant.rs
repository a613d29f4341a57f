//! The processor under check: the correct one (`spec`) and variants that reproduce bug
//! mechanisms real SDKs shipped. Each variant changes one mechanism of the spec model.

/// A processor implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// The processor as the specification describes it: OnEnd checks the stopped flag and
    /// enqueues in one step, the pending count moves with the queue, one worker exports and
    /// waits for each Export, ForceFlush and Shutdown are served by that worker, and a
    /// Shutdown or ForceFlush whose deadline passes interrupts a retrying exporter.
    Spec,
    /// OnEnd reads the stopped flag, then enqueues in a second step; Shutdown can set the
    /// flag and drain the queue in between, so the span lands in a queue nobody reads
    /// (opentelemetry-go, fixed by pull request #4353 with a lock around check and send).
    OnEndShutdownRace,
    /// OnEnd sends the span into the channel and only then increases the pending counter
    /// that ForceFlush and Shutdown use as their drain target, so a drain in between
    /// undercounts (opentelemetry-rust issue #3453, fixed by #3558).
    CountAfterSend,
    /// Shutdown joins the worker and shuts the exporter down only afterwards, while the
    /// exporter retries an unreachable endpoint until its own shutdown
    /// (opentelemetry-python issues #2284, #3309, #4043; fixed by #4638).
    ShutdownJoinsRetryingExporter,
    /// ForceFlush drains the queue and calls Export on the caller's own thread, without
    /// the lock that serialises the worker's exports.
    FlushOnCallerThread,
    /// Export is handed the buffer itself, which is cleared only when the asynchronous
    /// export completes; timer and batch-size triggers start further exports meanwhile
    /// (opentelemetry-js issue #1665, fixed by #1666).
    ClearInCallback,
    /// Shutdown exports one batch of the queue instead of all of it.
    ShutdownDrainsOneBatch,
    /// Go's worker loop stops its timer before exporting a full batch and, when `Stop`
    /// returns false, receives from the timer channel. With Go 1.23's synchronous timer
    /// channels (1.23.0 and 1.23.1) `Stop` can return false for a timer that expired
    /// unreceived and the receive then blocks forever, so Shutdown never returns
    /// (opentelemetry-go issue #5868, fixed by #5869).
    GoTimerDrain,
}

impl Variant {
    /// The specification first, then every bug variant.
    pub const ALL: [Variant; 8] = [
        Variant::Spec,
        Variant::OnEndShutdownRace,
        Variant::CountAfterSend,
        Variant::ShutdownJoinsRetryingExporter,
        Variant::FlushOnCallerThread,
        Variant::ClearInCallback,
        Variant::ShutdownDrainsOneBatch,
        Variant::GoTimerDrain,
    ];

    /// The name `--variant` takes, e.g. `count-after-send`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Spec => "spec",
            Variant::OnEndShutdownRace => "onend-shutdown-race",
            Variant::CountAfterSend => "count-after-send",
            Variant::ShutdownJoinsRetryingExporter => "shutdown-joins-retrying-exporter",
            Variant::FlushOnCallerThread => "flush-on-caller-thread",
            Variant::ClearInCallback => "clear-in-callback",
            Variant::ShutdownDrainsOneBatch => "shutdown-drains-one-batch",
            Variant::GoTimerDrain => "go123-timer-drain",
        }
    }

    /// The variant of a [`Variant::name`].
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// One line for `--list-variants`.
    pub fn summary(self) -> &'static str {
        match self {
            Variant::Spec => "the correct processor: every property holds",
            Variant::OnEndShutdownRace => {
                "OnEnd checks the stopped flag, then enqueues after the final drain (Go SDK, #4353)"
            }
            Variant::CountAfterSend => {
                "the span enters the queue before the pending counter grows (Rust SDK, #3453)"
            }
            Variant::ShutdownJoinsRetryingExporter => {
                "Shutdown joins the worker while the exporter retries until its own shutdown (Python SDK, #4638)"
            }
            Variant::FlushOnCallerThread => {
                "ForceFlush exports on the caller's thread without the export lock"
            }
            Variant::ClearInCallback => {
                "the batch buffer is cleared only when the asynchronous export completes (JS SDK, #1665)"
            }
            Variant::ShutdownDrainsOneBatch => {
                "Shutdown exports one batch instead of the whole queue"
            }
            Variant::GoTimerDrain => {
                "draining a stopped timer's channel blocks with Go 1.23 timers (Go SDK, #5868)"
            }
        }
    }

    /// The property a variant is known to break (None for `spec`).
    pub fn expected(self) -> Option<super::Property> {
        use super::Property::*;
        match self {
            Variant::Spec => None,
            Variant::OnEndShutdownRace => Some(P3),
            Variant::CountAfterSend => Some(P4),
            Variant::ShutdownJoinsRetryingExporter => Some(P2),
            Variant::FlushOnCallerThread => Some(P1),
            Variant::ClearInCallback => Some(P3),
            Variant::ShutdownDrainsOneBatch => Some(P3),
            Variant::GoTimerDrain => Some(P2),
        }
    }

    /// OnEnd takes two steps (check then enqueue, or send then count).
    pub(crate) fn two_step_onend(self) -> bool {
        matches!(self, Variant::OnEndShutdownRace | Variant::CountAfterSend)
    }

    /// A second export slot exists (a second, concurrent Export call).
    pub(crate) fn second_slot(self) -> bool {
        matches!(
            self,
            Variant::FlushOnCallerThread | Variant::ClearInCallback
        )
    }
}
