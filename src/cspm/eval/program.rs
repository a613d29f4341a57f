//! The lowered program: the AST with every name resolved to a frame slot, a capture, a `let`
//! group member, a global or a builtin. Built once by `lower`, read by the evaluator.
//!
//! Every piece of code that runs with its own frame (a function clause, a thunk, an
//! assertion's expression) is a [`Code`]: its root expression and how many slots its frame has.
//! Closures are flat: a lambda copies the values of its free variables (`Cap`), a `let` group
//! instance copies those of the whole group (`GroupCap`), so frames never point at each other.

use super::builtins::Builtin;
use super::value::{TagId, TypeId, Value};
use crate::cspm::ast::{BinOp, ModelTag, Symbol, UnOp};
use crate::cspm::source::Span;
use rustc_hash::FxHashMap;

pub type ExprId = u32;
pub type PatId = u32;
pub type FnId = u32;
pub type GlobalId = u32;
pub type GroupId = u32;

/// Where a name's value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarRef {
    /// A slot of the current frame.
    Local(u16),
    /// A free variable of the current lambda.
    Cap(u16),
    /// A free variable of the `let` group the current code belongs to.
    GroupCap(u16),
    /// Another member of the current code's own `let` group (`sub` picks a variable of a
    /// pattern binding).
    Sibling {
        group: GroupId,
        member: u16,
        sub: u16,
    },
    /// A member of the group instance stored in a slot of the current frame.
    Member {
        group: GroupId,
        slot: u16,
        member: u16,
        sub: u16,
    },
    Global(GlobalId),
    Builtin(Builtin),
}

/// Code with its own frame.
#[derive(Clone, Copy, Debug)]
pub struct Code {
    pub expr: ExprId,
    pub nslots: u16,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Gen { pat: PatId, source: ExprId },
    Pred(ExprId),
}

#[derive(Clone, Debug)]
pub enum Field {
    Input { pat: PatId, set: Option<ExprId> },
    NondetInput { pat: PatId, set: Option<ExprId> },
    Output(ExprId),
    Dot(ExprId),
}

#[derive(Clone, Debug)]
pub struct Pairs {
    pub pairs: Vec<(ExprId, ExprId)>,
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub enum ReplOp {
    ExtChoice,
    IntChoice,
    Interleave,
    SeqComp,
    Interrupt,
    GenParallel(ExprId),
    AlphaParallel(ExprId),
    Linked(Pairs),
}

/// A string literal: its text, and the sequence of characters it denotes, made the first time
/// it is evaluated. A sequence costs a value (24 bytes) per character; the text one byte or a
/// few, so a script with a 100 MB literal is checked (lowered) in O(1) per byte and pays the
/// sequence only if it is used (issue 14).
#[derive(Debug)]
pub struct StrLit {
    pub text: Box<str>,
    pub seq: std::sync::OnceLock<super::seq::Seq>,
}

impl StrLit {
    pub fn new(text: &str) -> Self {
        StrLit {
            text: text.into(),
            seq: std::sync::OnceLock::new(),
        }
    }

    /// The literal as a CSPM sequence of characters.
    pub fn value(&self) -> Value {
        let seq = self.seq.get_or_init(|| {
            super::seq::Seq::from_vec(self.text.chars().map(Value::Char).collect())
        });
        Value::Seq(seq.clone())
    }
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Lit(Value),
    Str(std::sync::Arc<StrLit>),
    Var(VarRef),
    Tuple(Vec<ExprId>),
    Dot(ExprId, ExprId),
    Apply(ExprId, Vec<ExprId>),
    Unary(UnOp, ExprId),
    Binary(BinOp, ExprId, ExprId),
    If(ExprId, ExprId, ExprId),
    /// Instantiates `group` into `slot`, then evaluates `body`.
    Let {
        group: GroupId,
        slot: u16,
        body: ExprId,
    },
    Lambda(FnId),
    Set(Vec<ExprId>),
    SetRange(ExprId, Option<ExprId>),
    SetComp(Vec<ExprId>, Vec<Stmt>),
    SetRangeComp(ExprId, Option<ExprId>, Vec<Stmt>),
    Seq(Vec<ExprId>),
    SeqRange(ExprId, Option<ExprId>),
    SeqComp(Vec<ExprId>, Vec<Stmt>),
    SeqRangeComp(ExprId, Option<ExprId>, Vec<Stmt>),
    Enum(Vec<ExprId>),
    EnumComp(Vec<ExprId>, Vec<Stmt>),
    Map(Vec<(ExprId, ExprId)>),
    Prefix {
        chan: ExprId,
        fields: Vec<Field>,
        body: ExprId,
    },
    GenParallel(ExprId, ExprId, ExprId),
    AlphaParallel(ExprId, ExprId, ExprId, ExprId),
    Exception(ExprId, ExprId, ExprId),
    Linked(ExprId, Pairs, ExprId),
    Rename(ExprId, Pairs),
    Replicated(ReplOp, Vec<Stmt>, ExprId),
    /// A name that could not be resolved or a construct that cannot be evaluated; the
    /// diagnostic was reported when lowering and is raised again if this is evaluated.
    Error(String),
}

#[derive(Clone, Debug)]
pub struct Pat {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatKind {
    Wild,
    Bind(u16),
    /// A constructor or channel, matched as a constant.
    Const(VarRef),
    Lit(Value),
    Tuple(Vec<PatId>),
    /// The components of `p.q.r`, flattened.
    Dot(Vec<PatId>),
    Seq(Vec<PatId>),
    /// The parts of `p ^ q ^ r`, flattened.
    Concat(Vec<PatId>),
    Set(Vec<PatId>),
    Also(PatId, PatId),
}

/// A function: a top-level definition, a `let` member or a lambda.
#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: Option<Symbol>,
    pub span: Span,
    /// Number of parameters of each curried group.
    pub arity: Vec<usize>,
    pub clauses: Vec<Clause>,
    /// For lambdas: what to copy from the enclosing code at creation.
    pub caps: Vec<VarRef>,
    /// Applying it fully yields a process (so a full application becomes a `Call`).
    pub returns_proc: bool,
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub params: Vec<Vec<PatId>>,
    pub code: Code,
    pub span: Span,
}

/// A `let` group: its members see each other.
#[derive(Clone, Debug)]
pub struct Group {
    pub members: Vec<Member>,
    /// What to copy from the enclosing code when the group is instantiated.
    pub caps: Vec<VarRef>,
}

#[derive(Clone, Debug)]
pub enum Member {
    Fn(FnId),
    Value {
        name: Symbol,
        code: Code,
        span: Span,
        returns_proc: bool,
    },
    /// A pattern binding; its variables are the `sub`s.
    Pat {
        pat: PatId,
        code: Code,
        nvars: u16,
        span: Span,
    },
}

/// A top-level name.
#[derive(Clone, Debug)]
pub enum Global {
    Value {
        name: Symbol,
        code: Code,
        span: Span,
        returns_proc: bool,
    },
    Fn(FnId),
    /// A variable of a top-level pattern binding.
    PatVar {
        bind: u32,
        sub: u16,
    },
    Tag(TagId),
    /// A datatype's name: the set of its values.
    TypeSet(TypeId),
    /// `nametype N = ...`: the dot product of its components.
    Nametype {
        components: Vec<Code>,
        span: Span,
    },
    /// `subtype S = ...`.
    Subtype {
        clauses: Vec<TypeClause>,
        span: Span,
    },
    /// Declared inside a module or a `Timed` section: using it is an `unsupported` error.
    Unsupported {
        what: &'static str,
        span: Span,
    },
}

/// `A.{0..1}.Bool` in a subtype: a constructor and its field components.
#[derive(Clone, Debug)]
pub struct TypeClause {
    pub ctor: VarRef,
    pub fields: Vec<Code>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct PatBind {
    pub pat: PatId,
    pub code: Code,
    pub nvars: u16,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    Channel,
    Ctor(TypeId),
}

/// A channel or constructor declaration.
#[derive(Clone, Debug)]
pub struct TagDecl {
    pub name: Symbol,
    pub kind: TagKind,
    /// The dotted components of its type (`{0..3}.Bool` has two).
    pub fields: Vec<Code>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TypeDecl {
    pub name: Symbol,
    pub ctors: Vec<TagId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum AssertKind {
    Refinement {
        spec: Code,
        model: ModelTag,
        imp: Code,
    },
    DeadlockFree {
        proc: Code,
        model: Option<ModelTag>,
    },
    DivergenceFree {
        proc: Code,
    },
    Deterministic {
        proc: Code,
        model: Option<ModelTag>,
    },
    HasTrace {
        proc: Code,
        model: Option<ModelTag>,
        trace: Code,
    },
    Bool(Code),
}

#[derive(Clone, Debug)]
pub struct AssertDecl {
    pub negated: bool,
    pub kind: AssertKind,
    pub tau_priority: Option<Code>,
    pub partial_order_reduce: bool,
    pub span: Span,
    pub text: String,
    /// Set when the assertion could not be lowered (e.g. an unknown name).
    pub error: Option<crate::cspm::source::Diagnostic>,
}

/// The whole lowered script.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub exprs: Vec<Expr>,
    pub pats: Vec<Pat>,
    pub fns: Vec<FnDef>,
    pub groups: Vec<Group>,
    pub globals: Vec<Global>,
    pub global_names: FxHashMap<Symbol, GlobalId>,
    pub pat_binds: Vec<PatBind>,
    pub tags: Vec<TagDecl>,
    pub types: Vec<TypeDecl>,
    pub asserts: Vec<AssertDecl>,
    /// Top-level `Value` and `Fn` globals in declaration order (for `--tests`).
    pub order: Vec<(Symbol, GlobalId)>,
}

impl Program {
    pub fn expr(&self, e: ExprId) -> &Expr {
        &self.exprs[e as usize]
    }
    pub fn pat(&self, p: PatId) -> &Pat {
        &self.pats[p as usize]
    }
    pub fn func(&self, f: FnId) -> &FnDef {
        &self.fns[f as usize]
    }
}
