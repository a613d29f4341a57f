//! The abstract syntax of CSPM: what the parser produces, the pretty-printer prints and the
//! evaluator reads.
//!
//! Every node carries the byte [`Span`] of the text it came from, so that any later stage can
//! point at the source. Names are interned [`Symbol`]s (one [`Interner`] per run). Trees are
//! owned boxes, never `Rc`: the AST is built once and read many times. Grouping parentheses
//! are not kept as nodes (the pretty-printer adds the ones precedence needs), so
//! `parse(fmt(parse(x)))` equals `parse(x)` once spans are erased ([`Module::erase_spans`]).
//!
//! What the AST does not decide: whether a name in a pattern is a variable or a constructor
//! (the evaluator resolves it against its environment), and how clauses of one function group
//! (consecutive [`DeclKind::Clause`]s of the same name are one definition; the evaluator groups
//! them and reports split definitions).

use super::source::{FileId, Span};
use rustc_hash::FxHashMap;

/// An interned identifier. Compare symbols, not strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(pub u32);

/// Maps identifier text to [`Symbol`]s and back; shared by every file of a run.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: FxHashMap<Box<str>, Symbol>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Symbol {
        if let Some(&s) = self.ids.get(text) {
            return s;
        }
        let s = Symbol(self.names.len() as u32);
        self.names.push(text.into());
        self.ids.insert(text.into(), s);
        s
    }
    /// The symbol of `text`, when it was interned.
    pub fn get(&self, text: &str) -> Option<Symbol> {
        self.ids.get(text).copied()
    }
    pub fn resolve(&self, s: Symbol) -> &str {
        &self.names[s.0 as usize]
    }
}

/// A name as written, with its position. Qualified names (`M::x`) are one symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub sym: Symbol,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub decls: Vec<Decl>,
}

/// A top-level or `let` declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    /// One clause of a definition: `x = e`, `f(p, q) = e`, `f(p)(q) = e` (curried groups).
    /// `params` is empty for a plain binding; `f() = e` has one empty group.
    Clause {
        name: Name,
        params: Vec<Vec<Pat>>,
        body: Expr,
    },
    /// A pattern binding: `(a, b) = e`, `<x>^s = e`.
    PatBind { pat: Pat, body: Expr },
    /// `channel a, b : T` (no type: events without fields). `ty` is a dotted type expression
    /// such as `{0..3}.Bool` or `(A, B)`.
    Channel { names: Vec<Name>, ty: Option<Expr> },
    /// `datatype T = A | B.{0..2} | C.T`.
    Datatype { name: Name, ctors: Vec<Ctor> },
    /// `subtype S = A | B.{0}`.
    Subtype { name: Name, ctors: Vec<Ctor> },
    /// `nametype N = {0..3}.Bool`.
    Nametype { name: Name, ty: Expr },
    /// `assert ...`.
    Assert(Assertion),
    /// `transparent normal, diamond`.
    Transparent(Vec<Name>),
    /// `external prioritise`.
    External(Vec<Name>),
    /// `include "file.csp"`: kept in the AST of the including file; the included module is
    /// parsed separately and its declarations are spliced in by whoever resolves includes.
    Include { path: String, path_span: Span },
    /// `print e`.
    Print(Expr),
    /// `f, g :: (Int, Bool) -> Proc`.
    TypeAnnotation { names: Vec<Name>, ty: TypeExpr },
    /// `module M(X, Y) <private decls> exports <public decls> endmodule`. Parsed so that files
    /// using it can be read and formatted; evaluation reports it as unsupported.
    ModuleDef {
        name: Name,
        params: Option<Vec<Pat>>,
        private: Vec<Decl>,
        exports: Vec<Decl>,
    },
    /// `instance N = M(args)`.
    Instance {
        name: Name,
        module: Name,
        args: Option<Vec<Expr>>,
    },
    /// `Timed(et) { decls }` (or `Timed { decls }`). Parsed; evaluation reports it as
    /// unsupported.
    Timed {
        tock_fn: Option<Expr>,
        decls: Vec<Decl>,
    },
}

/// A constructor of a datatype or subtype: `B.{0..2}.Bool` has fields `{0..2}.Bool`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ctor {
    pub name: Name,
    /// The dotted field types, when the constructor has fields.
    pub fields: Option<Expr>,
    pub span: Span,
}

/// `assert [not] <what> <options>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    pub negated: bool,
    pub kind: AssertKind,
    pub options: Vec<AssertOption>,
}

/// The semantic model written in an assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelTag {
    /// `T`
    Traces,
    /// `F`
    Failures,
    /// `FD`
    FailuresDivergences,
    /// `R`
    Refusals,
    /// `RD`
    RefusalsDivergences,
    /// `V`
    Revivals,
    /// `VD`
    RevivalsDivergences,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AssertKind {
    /// `Spec [T= Impl` and the other refinement relations.
    Refinement {
        spec: Expr,
        model: ModelTag,
        imp: Expr,
    },
    /// `P :[deadlock free]`, `P :[deadlock free [F]]`.
    DeadlockFree { proc: Expr, model: Option<ModelTag> },
    /// `P :[divergence free]` or `P :[livelock free]` (`livelock` records which was written).
    DivergenceFree {
        proc: Expr,
        model: Option<ModelTag>,
        livelock: bool,
    },
    /// `P :[deterministic [FD]]`.
    Deterministic { proc: Expr, model: Option<ModelTag> },
    /// `P :[has trace [T]]: <a, b>`.
    HasTrace {
        proc: Expr,
        model: Option<ModelTag>,
        trace: Expr,
    },
    /// `assert e` where `e` is a boolean expression.
    Bool(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum AssertOption {
    /// `:[tau priority]: A` (`over` records `:[tau priority over]:`).
    TauPriority { events: Expr, over: bool },
    /// `:[partial order reduce]` or `:[partial order reduce [mode]]`.
    PartialOrderReduce { mode: Option<Name> },
}

/// A pattern, on the left of a definition, in a generator, a lambda or an input.
#[derive(Clone, Debug, PartialEq)]
pub struct Pat {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatKind {
    /// `_`
    Wildcard,
    /// A variable, or a constructor/channel/constant name (the evaluator decides).
    Var(Name),
    /// Integer literal; a leading `-` is part of the literal.
    Int(i64),
    Bool(bool),
    Char(char),
    String(String),
    /// `(p, q)`: two or more elements (parentheses around one pattern only group).
    Tuple(Vec<Pat>),
    /// `p.q`
    Dot(Box<Pat>, Box<Pat>),
    /// `<p, q>`
    Seq(Vec<Pat>),
    /// `p ^ q` where one side is a sequence pattern.
    Concat(Box<Pat>, Box<Pat>),
    /// `{}` or `{p}`
    Set(Vec<Pat>),
    /// `p @@ q`: both must match.
    Also(Box<Pat>, Box<Pat>),
}

/// An expression: values and processes are one syntactic category in CSPM.
///
/// A chain of 100,000 operators (`1 + 1 + ... + 1`, `a -> a -> ... -> STOP`) is a tree as
/// deep as the chain, so the recursive trait implementations (drop, clone, equality, debug
/// printing) are written by hand: each level continues on a heap-allocated stack segment when
/// the stack runs low (`stacker`), which costs a comparison when it does not.
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// When less stack than this is left, a walk over an expression continues on a new segment
/// of [`STACK_SEGMENT`] bytes.
pub const STACK_RED_ZONE: usize = 64 * 1024;
pub const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f` with at least [`STACK_RED_ZONE`] bytes of stack: what a recursive walk over a
/// deep tree calls at each level.
#[inline]
pub fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}

impl Drop for Expr {
    fn drop(&mut self) {
        // The derived drop would recurse once per level of the tree on the current stack.
        let kind = std::mem::replace(&mut self.kind, ExprKind::Bool(false));
        if matches!(
            kind,
            ExprKind::Bool(_) | ExprKind::Var(_) | ExprKind::Int(_)
        ) {
            return;
        }
        grow(move || drop(kind));
    }
}

impl Clone for Expr {
    fn clone(&self) -> Self {
        grow(|| Expr {
            kind: self.kind.clone(),
            span: self.span,
        })
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        grow(|| self.span == other.span && self.kind == other.kind)
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        grow(|| {
            f.debug_struct("Expr")
                .field("kind", &self.kind)
                .field("span", &self.span)
                .finish()
        })
    }
}

/// A statement of a comprehension or a replicated operator: a generator or a filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `p <- e` (comprehensions) or `p : e` (replicated operators).
    Gen { pat: Pat, source: Expr },
    /// A boolean filter.
    Pred(Expr),
}

/// One field of a prefix: `c?x:S!e.f$y`.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// `?p` or `?p:S`.
    Input { pat: Pat, set: Option<Expr> },
    /// `$p` or `$p:S`: nondeterministic choice of the field's value.
    NondetInput { pat: Pat, set: Option<Expr> },
    /// `!e`
    Output(Expr),
    /// `.e`: only after a field with a set (`c?x:S.e`); elsewhere the dot belongs to the
    /// pattern (`c?x.y`), the output (`c!x.y`) or the channel expression (`c.x!y`).
    Dot(Expr),
}

/// A pair of a renaming (`a <- b`) or of a linked parallel (`a <-> b`), with the
/// comprehension statements that follow `|` (empty when none were written).
#[derive(Clone, Debug, PartialEq)]
pub struct Pairs {
    pub pairs: Vec<(Expr, Expr)>,
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `-e`
    Neg,
    /// `not e`
    Not,
    /// `#s`
    Length,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    /// `s ^ t`
    Concat,
    /// `P [] Q`
    ExtChoice,
    /// `P |~| Q`
    IntChoice,
    /// `P /\ Q`
    Interrupt,
    /// `P [> Q`
    Sliding,
    /// `P ; Q`
    SeqComp,
    /// `P ||| Q`
    Interleave,
    /// `P \ A`
    Hide,
    /// `b & P`
    Guard,
    /// `P |\ A` (FDR's projection: hide everything but `A`). Added by the parser.
    Project,
}

/// The operator of a replicated form: `[] x:S @ P` and friends.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplOp {
    /// `[] x:S @ P`
    ExtChoice,
    /// `|~| x:S @ P`
    IntChoice,
    /// `||| x:S @ P`
    Interleave,
    /// `; x:<s> @ P`
    SeqComp,
    /// `/\ x:S @ P`
    Interrupt,
    /// `[| A |] x:S @ P`
    GenParallel(Box<Expr>),
    /// `|| x:S @ [A(x)] P(x)`: the alphabet is written after `@`.
    AlphaParallel(Box<Expr>),
    /// `[a <-> b] x:<s> @ P`
    Linked(Pairs),
    /// `[+ A +] x:S @ P`: synchronising external choice. Added by the parser.
    SyncExtChoice(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Never negative from the parser: `-1` is `Unary(Neg, Int(1))`.
    Int(i64),
    Bool(bool),
    Char(char),
    String(String),
    /// A name: variable, function, process, channel, constructor, builtin.
    Var(Name),
    /// `(a, b)`: two or more elements.
    Tuple(Vec<Expr>),
    /// `a.b` (right-nested as written: `a.b.c` is `Dot(a, Dot(b, c))`).
    Dot(Box<Expr>, Box<Expr>),
    /// `f(a, b)`; `f(a)(b)` is `Apply(Apply(f, [a]), [b])`.
    Apply(Box<Expr>, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `let decls within e`
    Let(Vec<Decl>, Box<Expr>),
    /// `\ p, q @ e`
    Lambda(Vec<Pat>, Box<Expr>),
    /// `{a, b}`
    Set(Vec<Expr>),
    /// `{a..b}`, `{a..}`
    SetRange(Box<Expr>, Option<Box<Expr>>),
    /// `{e | stmts}`
    SetComp(Vec<Expr>, Vec<Stmt>),
    /// `{a..b | stmts}`
    SetRangeComp(Box<Expr>, Option<Box<Expr>>, Vec<Stmt>),
    /// `<a, b>`
    Seq(Vec<Expr>),
    /// `<a..b>`, `<a..>`
    SeqRange(Box<Expr>, Option<Box<Expr>>),
    /// `<e | stmts>`
    SeqComp(Vec<Expr>, Vec<Stmt>),
    /// `<a..b | stmts>`
    SeqRangeComp(Box<Expr>, Option<Box<Expr>>, Vec<Stmt>),
    /// `{| c, d.1 |}`
    Enum(Vec<Expr>),
    /// `{| c.x | x <- S |}`
    EnumComp(Vec<Expr>, Vec<Stmt>),
    /// `(| k => v, ... |)`
    Map(Vec<(Expr, Expr)>),
    /// `c?x!y -> P`: the channel (or event) expression, its fields, the continuation.
    /// The parser puts every dot before the first `?`/`!`/`$` into `chan` (`c.1?x` has
    /// `chan = c.1`), so `fields` starts with an input or an output.
    Prefix {
        chan: Box<Expr>,
        fields: Vec<Field>,
        body: Box<Expr>,
    },
    /// `P [| A |] Q`
    GenParallel(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `P [A || B] Q`
    AlphaParallel(Box<Expr>, Box<Expr>, Box<Expr>, Box<Expr>),
    /// `P [| A |> Q`
    Exception(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `P [a <-> b, ...] Q`
    Linked(Box<Expr>, Pairs, Box<Expr>),
    /// `P [[ a <- b, ... ]]`
    Rename(Box<Expr>, Pairs),
    /// `[] x:S @ P` and the other replicated operators.
    Replicated(ReplOp, Vec<Stmt>, Box<Expr>),
    /// `P [+ A +] Q`: external choice that synchronises on `A`. Added by the parser.
    SyncExtChoice(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `P /+ A +\ Q`: interrupt that synchronises on `A`. Added by the parser.
    SyncInterrupt(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A type in a `::` annotation. Parsed and kept, not checked.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `Int`, `Bool`, `Proc`, `Event`, a datatype, or a type variable.
    Name(Name),
    /// `(a, b)`; `()` is the empty tuple.
    Tuple(Vec<TypeExpr>),
    /// `<a>`
    Seq(Box<TypeExpr>),
    /// `{a}`
    Set(Box<TypeExpr>),
    /// `a.b`
    Dot(Box<TypeExpr>, Box<TypeExpr>),
    /// `a => b` (a value that dots with `a` to give `b`); `many` for `=>*`.
    Yield {
        from: Box<TypeExpr>,
        to: Box<TypeExpr>,
        many: bool,
    },
    /// `(a, b) -> c`
    Fn(Vec<TypeExpr>, Box<TypeExpr>),
    /// `Eq a => t`, `(Eq a, Ord b) => t`
    Constrained(Vec<(Name, Name)>, Box<TypeExpr>),
    /// `(| k => v |)`: a map type. Added by the parser.
    Map(Box<TypeExpr>, Box<TypeExpr>),
}
