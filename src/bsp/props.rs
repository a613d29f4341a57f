//! The five properties of a BatchSpanProcessor and the ways a state can break them.

/// A property of the processor, as the issue states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// Export is never called concurrently.
    P1,
    /// No deadlock: ForceFlush and Shutdown always return.
    P2,
    /// Every span is accounted for exactly once.
    P3,
    /// A ForceFlush that returns success has handed every span ended before the call to an
    /// Export that returned.
    P4,
    /// Nothing is exported after Shutdown returns.
    P5,
}

impl Property {
    /// Every property, P1 to P5.
    pub const ALL: [Property; 5] = [
        Property::P1,
        Property::P2,
        Property::P3,
        Property::P4,
        Property::P5,
    ];

    /// Stable result id, e.g. `P3 spans accounted`.
    pub fn id(self) -> &'static str {
        match self {
            Property::P1 => "P1 no concurrent export",
            Property::P2 => "P2 flush and shutdown return",
            Property::P3 => "P3 spans accounted",
            Property::P4 => "P4 flush exports what ended before",
            Property::P5 => "P5 nothing exported after shutdown",
        }
    }

    /// The property's number, e.g. `P3`.
    pub fn short(self) -> &'static str {
        match self {
            Property::P1 => "P1",
            Property::P2 => "P2",
            Property::P3 => "P3",
            Property::P4 => "P4",
            Property::P5 => "P5",
        }
    }

    /// What the property says, in a sentence.
    pub fn title(self) -> &'static str {
        match self {
            Property::P1 => "Export is never called concurrently",
            Property::P2 => "no deadlock: ForceFlush and Shutdown always return",
            Property::P3 => {
                "every span is exported, failed in an export, dropped because the queue was full \
                 or dropped after Shutdown, exactly once"
            }
            Property::P4 => {
                "a ForceFlush that returns success has handed every span ended before the call \
                 to an Export that returned"
            }
            Property::P5 => "nothing is exported after Shutdown returns",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of properties (the ones a search is checking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertySet(u8);

impl PropertySet {
    /// Every property.
    pub fn all() -> Self {
        PropertySet(0b1_1111)
    }
    /// No property.
    pub fn none() -> Self {
        PropertySet(0)
    }
    /// Just `p`.
    pub fn only(p: Property) -> Self {
        PropertySet(p.bit())
    }
    /// Whether `p` is in the set.
    pub fn has(self, p: Property) -> bool {
        self.0 & p.bit() != 0
    }
    /// The set without `p`.
    pub fn without(self, p: Property) -> Self {
        PropertySet(self.0 & !p.bit())
    }
    /// Whether the set has no property.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The properties in the set, P1 first.
    pub fn iter(self) -> impl Iterator<Item = Property> {
        Property::ALL.into_iter().filter(move |p| self.has(*p))
    }
}

/// How a state breaks a property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// P1: two Export calls are in flight at once.
    ConcurrentExport,
    /// P2: no actor can move and a caller is still waiting.
    Deadlock,
    /// P2: the system runs forever in a cycle it cannot leave while a caller waits.
    Hang,
    /// P3: an accepted span is in no queue or batch and was never exported or dropped.
    Vanished,
    /// P3: Shutdown returned while an accepted span was neither exported nor dropped.
    LostAtShutdown,
    /// P3: nothing can move any more and an accepted span was never exported.
    Stuck,
    /// P3: an Export returned with a span that an earlier Export had already returned with.
    ExportedTwice,
    /// P4.
    FlushMissed,
    /// P5: an Export is in flight after Shutdown returned.
    ExportAfterShutdown,
}

impl ViolationKind {
    pub fn property(self) -> Property {
        match self {
            ViolationKind::ConcurrentExport => Property::P1,
            ViolationKind::Deadlock | ViolationKind::Hang => Property::P2,
            ViolationKind::Vanished
            | ViolationKind::LostAtShutdown
            | ViolationKind::Stuck
            | ViolationKind::ExportedTwice => Property::P3,
            ViolationKind::FlushMissed => Property::P4,
            ViolationKind::ExportAfterShutdown => Property::P5,
        }
    }
}

/// What a violating state carries back: the kind and the span concerned (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub span: u8,
}

impl Violation {
    pub fn new(kind: ViolationKind, span: u8) -> Self {
        Violation { kind, span }
    }
    pub fn property(self) -> Property {
        self.kind.property()
    }
}
