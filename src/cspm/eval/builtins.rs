//! FDR's builtin names: constants (`STOP`, `Int`, `Events`, ...) and functions over sets,
//! sequences, maps, relations and processes.

/// A builtin name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Builtin {
    // Constants.
    Stop,
    Skip,
    Div,
    Int,
    BoolSet,
    Char,
    ProcSet,
    Events,
    True,
    False,
    EmptyMap,
    // Sets.
    Union,
    Inter,
    Diff,
    BigUnion,
    BigInter,
    Member,
    Card,
    Empty,
    SetOf,
    PowerSet,
    SeqSet,
    SeqOf,
    // Sequences.
    Length,
    Null,
    Head,
    Tail,
    Concat,
    Elem,
    // Miscellaneous.
    Show,
    Error,
    // Maps.
    MapFromList,
    MapLookup,
    MapMember,
    MapToList,
    MapUpdate,
    MapUpdateMultiple,
    MapDelete,
    MapSet,
    // Dotted values.
    Extensions,
    Productions,
    // Relations.
    Transpose,
    RelationalImage,
    RelationalInverseImage,
    Mtransclose,
    // Processes.
    Chaos,
    Run,
    Loop,
    Buffer,
    /// A compression that preserves the semantics (`normal`, `sbisim`, ...): the identity.
    Compression(Compression),
    /// A function FDR has whose semantics cspot does not give (yet).
    Unsupported(Unsupported),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compression {
    Normal,
    Sbisim,
    Dbisim,
    Wbisim,
    Diamond,
    Explicate,
    ModelCompress,
    TauLoopFactor,
    Lazynorm,
    Lazyenumerate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unsupported {
    Chase,
    ChaseNocache,
    Prioritise,
    PrioritiseNocache,
    Prioritisepo,
    TimedPriority,
    Deter,
    FailureWatchdog,
    TraceWatchdog,
    WeakBuffer,
    SignalBuffer,
    Wait,
    Tstop,
    Tskip,
}

const TABLE: &[(&str, Builtin)] = &[
    ("STOP", Builtin::Stop),
    ("SKIP", Builtin::Skip),
    ("DIV", Builtin::Div),
    ("Int", Builtin::Int),
    ("Bool", Builtin::BoolSet),
    ("Char", Builtin::Char),
    ("Proc", Builtin::ProcSet),
    ("Events", Builtin::Events),
    ("true", Builtin::True),
    ("false", Builtin::False),
    ("True", Builtin::True),
    ("False", Builtin::False),
    ("emptyMap", Builtin::EmptyMap),
    ("union", Builtin::Union),
    ("inter", Builtin::Inter),
    ("diff", Builtin::Diff),
    ("Union", Builtin::BigUnion),
    ("Inter", Builtin::BigInter),
    ("member", Builtin::Member),
    ("card", Builtin::Card),
    ("empty", Builtin::Empty),
    ("set", Builtin::SetOf),
    ("Set", Builtin::PowerSet),
    ("Seq", Builtin::SeqSet),
    ("seq", Builtin::SeqOf),
    ("length", Builtin::Length),
    ("null", Builtin::Null),
    ("head", Builtin::Head),
    ("tail", Builtin::Tail),
    ("concat", Builtin::Concat),
    ("elem", Builtin::Elem),
    ("show", Builtin::Show),
    ("error", Builtin::Error),
    ("mapFromList", Builtin::MapFromList),
    ("mapLookup", Builtin::MapLookup),
    ("mapMember", Builtin::MapMember),
    ("mapToList", Builtin::MapToList),
    ("mapUpdate", Builtin::MapUpdate),
    ("mapUpdateMultiple", Builtin::MapUpdateMultiple),
    ("mapDelete", Builtin::MapDelete),
    ("Map", Builtin::MapSet),
    ("extensions", Builtin::Extensions),
    ("productions", Builtin::Productions),
    ("transpose", Builtin::Transpose),
    ("relational_image", Builtin::RelationalImage),
    ("relational_inverse_image", Builtin::RelationalInverseImage),
    ("mtransclose", Builtin::Mtransclose),
    ("CHAOS", Builtin::Chaos),
    ("RUN", Builtin::Run),
    ("loop", Builtin::Loop),
    ("BUFFER", Builtin::Buffer),
    ("normal", Builtin::Compression(Compression::Normal)),
    ("sbisim", Builtin::Compression(Compression::Sbisim)),
    ("dbisim", Builtin::Compression(Compression::Dbisim)),
    ("wbisim", Builtin::Compression(Compression::Wbisim)),
    ("diamond", Builtin::Compression(Compression::Diamond)),
    ("explicate", Builtin::Compression(Compression::Explicate)),
    (
        "model_compress",
        Builtin::Compression(Compression::ModelCompress),
    ),
    (
        "tau_loop_factor",
        Builtin::Compression(Compression::TauLoopFactor),
    ),
    ("lazynorm", Builtin::Compression(Compression::Lazynorm)),
    (
        "lazyenumerate",
        Builtin::Compression(Compression::Lazyenumerate),
    ),
    ("chase", Builtin::Unsupported(Unsupported::Chase)),
    (
        "chase_nocache",
        Builtin::Unsupported(Unsupported::ChaseNocache),
    ),
    ("prioritise", Builtin::Unsupported(Unsupported::Prioritise)),
    (
        "prioritise_nocache",
        Builtin::Unsupported(Unsupported::PrioritiseNocache),
    ),
    (
        "prioritisepo",
        Builtin::Unsupported(Unsupported::Prioritisepo),
    ),
    (
        "timed_priority",
        Builtin::Unsupported(Unsupported::TimedPriority),
    ),
    ("deter", Builtin::Unsupported(Unsupported::Deter)),
    (
        "failure_watchdog",
        Builtin::Unsupported(Unsupported::FailureWatchdog),
    ),
    (
        "trace_watchdog",
        Builtin::Unsupported(Unsupported::TraceWatchdog),
    ),
    ("WEAK_BUFFER", Builtin::Unsupported(Unsupported::WeakBuffer)),
    (
        "SIGNAL_BUFFER",
        Builtin::Unsupported(Unsupported::SignalBuffer),
    ),
    ("WAIT", Builtin::Unsupported(Unsupported::Wait)),
    ("TSTOP", Builtin::Unsupported(Unsupported::Tstop)),
    ("TSKIP", Builtin::Unsupported(Unsupported::Tskip)),
];

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        TABLE.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    /// A stable number for ordering function values.
    pub fn index(self) -> u32 {
        TABLE.iter().position(|(_, b)| *b == self).unwrap_or(0) as u32
    }

    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// `None` for constants; otherwise the number of parameters of each curried group.
    pub fn arity(self) -> Option<&'static [usize]> {
        use Builtin::*;
        Some(match self {
            Stop | Skip | Div | Int | BoolSet | Char | ProcSet | Events | True | False
            | EmptyMap => return None,
            Union | Inter | Diff | Member | Elem | MapLookup | MapMember | MapUpdateMultiple
            | MapDelete | MapSet | Mtransclose | Buffer => &[2],
            MapUpdate => &[3],
            RelationalImage | RelationalInverseImage => &[1, 1],
            Unsupported(_) => &[],
            _ => &[1],
        })
    }

    /// Whether a full application yields a process.
    pub fn returns_proc(self) -> bool {
        matches!(
            self,
            Builtin::Stop
                | Builtin::Skip
                | Builtin::Div
                | Builtin::Chaos
                | Builtin::Run
                | Builtin::Loop
                | Builtin::Buffer
                | Builtin::Compression(_)
                | Builtin::Unsupported(_)
        )
    }
}
