//! proptest strategies for CSPM syntax trees of bounded depth, with default spans, drawn from
//! the trees the parser can produce (the printer's domain): tuples of two or more, no negative
//! integer expressions (the parser reads `-1` as negation), a prefix's `.e` fields only after
//! a `?x:S` field, no options after a boolean assertion, no declaration where FDR forbids it.

use cspot::cspm::ast::*;
use cspot::cspm::source::Span;
use proptest::prelude::*;

/// Identifiers, then type classes, then partial-order-reduction modes.
const NAMES: &[&str] = &[
    "a", "b", "c", "d", "P", "Q", "R", "x", "y", "z", "f", "g", "S", "T", "M::v",
];
const CLASSES: &[&str] = &["Eq", "Ord", "Complete", "Set", "Yieldable"];
const MODES: &[&str] = &["fast", "precise"];

/// The interner the generated trees' symbols refer to.
pub fn interner() -> Interner {
    let mut int = Interner::default();
    for s in NAMES.iter().chain(CLASSES).chain(MODES) {
        int.intern(s);
    }
    int
}

fn sp() -> Span {
    Span::default()
}

fn name() -> impl Strategy<Value = Name> {
    (0..NAMES.len()).prop_map(|k| Name {
        sym: Symbol(k as u32),
        span: sp(),
    })
}

fn class() -> impl Strategy<Value = Name> {
    (0..CLASSES.len()).prop_map(|k| Name {
        sym: Symbol((NAMES.len() + k) as u32),
        span: sp(),
    })
}

fn mode() -> impl Strategy<Value = Name> {
    (0..MODES.len()).prop_map(|k| Name {
        sym: Symbol((NAMES.len() + CLASSES.len() + k) as u32),
        span: sp(),
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "s",
        "two words",
        "q\"uote",
        "back\\slash",
        "tab\tnl\n",
        "é'",
    ])
    .prop_map(String::from)
}

fn chr() -> impl Strategy<Value = char> {
    prop::sample::select(vec!['a', 'Z', '\'', '"', '\\', '\n', '\t', 'é', ' '])
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn p(kind: PatKind) -> Pat {
    Pat { kind, span: sp() }
}

fn bx(x: Expr) -> Box<Expr> {
    Box::new(x)
}

pub fn pat() -> impl Strategy<Value = Pat> {
    let leaf = prop_oneof![
        Just(p(PatKind::Wildcard)),
        name().prop_map(|n| p(PatKind::Var(n))),
        (-50i64..50).prop_map(|n| p(PatKind::Int(n))),
        any::<bool>().prop_map(|b| p(PatKind::Bool(b))),
        chr().prop_map(|c| p(PatKind::Char(c))),
        text().prop_map(|s| p(PatKind::String(s))),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|ps| p(PatKind::Tuple(ps))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| p(PatKind::Dot(Box::new(a), Box::new(b)))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|ps| p(PatKind::Seq(ps))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| p(PatKind::Concat(Box::new(a), Box::new(b)))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|ps| p(PatKind::Set(ps))),
            (inner.clone(), inner).prop_map(|(a, b)| p(PatKind::Also(Box::new(a), Box::new(b)))),
        ]
    })
}

/// A pattern a pattern binding may start with: not a bare name (that is a definition) and not
/// a literal or `_` (a line break before those continues the previous line).
fn bind_pat() -> impl Strategy<Value = Pat> {
    prop_oneof![
        prop::collection::vec(pat(), 2..3).prop_map(|ps| p(PatKind::Tuple(ps))),
        prop::collection::vec(pat(), 0..3).prop_map(|ps| p(PatKind::Seq(ps))),
        (name(), pat())
            .prop_map(|(n, b)| p(PatKind::Dot(Box::new(p(PatKind::Var(n))), Box::new(b)))),
        (prop::collection::vec(pat(), 1..2), pat())
            .prop_map(|(s, b)| p(PatKind::Concat(Box::new(p(PatKind::Seq(s))), Box::new(b)))),
    ]
}

fn stmt(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Stmt> {
    prop_oneof![
        (pat(), inner.clone()).prop_map(|(pat, source)| Stmt::Gen { pat, source }),
        inner.prop_map(Stmt::Pred),
    ]
}

fn stmts(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Vec<Stmt>> {
    prop::collection::vec(stmt(inner), 1..3)
}

fn pairs(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Pairs> {
    (
        prop::collection::vec((inner.clone(), inner.clone()), 1..3),
        prop::collection::vec(stmt(inner), 0..2),
    )
        .prop_map(|(pairs, stmts)| Pairs { pairs, stmts })
}

/// A prefix's fields: outputs, inputs, and `.e` only after an input with a set.
fn fields(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Vec<Field>> {
    let group = prop_oneof![
        inner.clone().prop_map(|x| vec![Field::Output(x)]),
        (pat(), any::<bool>()).prop_map(|(pat, nondet)| vec![if nondet {
            Field::NondetInput { pat, set: None }
        } else {
            Field::Input { pat, set: None }
        }]),
        (
            pat(),
            inner.clone(),
            prop::collection::vec(inner.clone(), 0..2),
            any::<bool>()
        )
            .prop_map(|(pat, s, dots, nondet)| {
                let mut v = vec![if nondet {
                    Field::NondetInput { pat, set: Some(s) }
                } else {
                    Field::Input { pat, set: Some(s) }
                }];
                v.extend(dots.into_iter().map(Field::Dot));
                v
            }),
    ];
    prop::collection::vec(group, 0..3).prop_map(|gs| gs.into_iter().flatten().collect())
}

const BINOPS: &[BinOp] = &[
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Mod,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::And,
    BinOp::Or,
    BinOp::Concat,
    BinOp::ExtChoice,
    BinOp::IntChoice,
    BinOp::Interrupt,
    BinOp::Sliding,
    BinOp::SeqComp,
    BinOp::Interleave,
    BinOp::Hide,
    BinOp::Guard,
    BinOp::Project,
];

/// A definition for a `let` (or a module body): a clause or a pattern binding.
fn local_decl(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Decl> {
    prop_oneof![
        (
            name(),
            prop::collection::vec(prop::collection::vec(pat(), 0..3), 0..3),
            inner.clone()
        )
            .prop_map(|(name, params, body)| DeclKind::Clause { name, params, body }),
        (bind_pat(), inner).prop_map(|(pat, body)| DeclKind::PatBind { pat, body }),
        prop::collection::vec(name(), 1..3).prop_map(DeclKind::External),
        prop::collection::vec(name(), 1..3).prop_map(DeclKind::Transparent),
    ]
    .prop_map(|kind| Decl { kind, span: sp() })
}

pub fn expr() -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        (0i64..1000).prop_map(|n| e(ExprKind::Int(n))),
        any::<bool>().prop_map(|b| e(ExprKind::Bool(b))),
        chr().prop_map(|c| e(ExprKind::Char(c))),
        text().prop_map(|s| e(ExprKind::String(s))),
        name().prop_map(|n| e(ExprKind::Var(n))),
        name().prop_map(|n| e(ExprKind::Var(n))),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        let list = |lo, hi| prop::collection::vec(inner.clone(), lo..hi);
        let repl_op = prop_oneof![
            Just(ReplOp::ExtChoice),
            Just(ReplOp::IntChoice),
            Just(ReplOp::Interleave),
            Just(ReplOp::SeqComp),
            Just(ReplOp::Interrupt),
            inner.clone().prop_map(|a| ReplOp::GenParallel(bx(a))),
            inner.clone().prop_map(|a| ReplOp::AlphaParallel(bx(a))),
            inner.clone().prop_map(|a| ReplOp::SyncExtChoice(bx(a))),
            pairs(inner.clone()).prop_map(ReplOp::Linked),
        ];
        let opt = proptest::option::of(inner.clone().prop_map(bx));
        prop_oneof![
            1 => list(2, 4).prop_map(|es| e(ExprKind::Tuple(es))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| e(ExprKind::Dot(bx(a), bx(b)))),
            1 => (inner.clone(), list(0, 3)).prop_map(|(f, a)| e(ExprKind::Apply(bx(f), a))),
            2 => (
                prop::sample::select(vec![UnOp::Neg, UnOp::Not, UnOp::Length]),
                inner.clone()
            )
                .prop_map(|(op, a)| e(ExprKind::Unary(op, bx(a)))),
            8 => (prop::sample::select(BINOPS), inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| e(ExprKind::Binary(op, bx(a), bx(b)))),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| e(ExprKind::If(bx(a), bx(b), bx(c)))),
            1 => (
                prop::collection::vec(local_decl(inner.clone()), 1..3),
                inner.clone()
            )
                .prop_map(|(ds, b)| e(ExprKind::Let(ds, bx(b)))),
            1 => (prop::collection::vec(pat(), 1..3), inner.clone())
                .prop_map(|(ps, b)| e(ExprKind::Lambda(ps, bx(b)))),
            1 => list(0, 3).prop_map(|es| e(ExprKind::Set(es))),
            1 => (inner.clone(), opt.clone()).prop_map(|(a, b)| e(ExprKind::SetRange(bx(a), b))),
            1 => (list(1, 3), stmts(inner.clone())).prop_map(|(es, s)| e(ExprKind::SetComp(es, s))),
            1 => (inner.clone(), opt.clone(), stmts(inner.clone()))
                .prop_map(|(a, b, s)| e(ExprKind::SetRangeComp(bx(a), b, s))),
            1 => list(0, 3).prop_map(|es| e(ExprKind::Seq(es))),
            1 => (inner.clone(), opt.clone()).prop_map(|(a, b)| e(ExprKind::SeqRange(bx(a), b))),
            1 => (list(1, 3), stmts(inner.clone())).prop_map(|(es, s)| e(ExprKind::SeqComp(es, s))),
            1 => (inner.clone(), opt, stmts(inner.clone()))
                .prop_map(|(a, b, s)| e(ExprKind::SeqRangeComp(bx(a), b, s))),
            1 => list(0, 3).prop_map(|es| e(ExprKind::Enum(es))),
            1 => (list(1, 3), stmts(inner.clone())).prop_map(|(es, s)| e(ExprKind::EnumComp(es, s))),
            1 => prop::collection::vec((inner.clone(), inner.clone()), 0..3)
                .prop_map(|kv| e(ExprKind::Map(kv))),
            3 => (inner.clone(), fields(inner.clone()), inner.clone()).prop_map(|(c, f, b)| e(
                ExprKind::Prefix {
                    chan: bx(c),
                    fields: f,
                    body: bx(b),
                }
            )),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, s, b)| e(ExprKind::GenParallel(bx(a), bx(s), bx(b)))),
            1 => (inner.clone(), inner.clone(), inner.clone(), inner.clone()).prop_map(
                |(a, x, y, b)| e(ExprKind::AlphaParallel(bx(a), bx(x), bx(y), bx(b)))
            ),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, s, b)| e(ExprKind::Exception(bx(a), bx(s), bx(b)))),
            1 => (inner.clone(), pairs(inner.clone()), inner.clone())
                .prop_map(|(a, p, b)| e(ExprKind::Linked(bx(a), p, bx(b)))),
            1 => (inner.clone(), pairs(inner.clone()))
                .prop_map(|(a, p)| e(ExprKind::Rename(bx(a), p))),
            1 => (repl_op, stmts(inner.clone()), inner.clone())
                .prop_map(|(op, s, b)| e(ExprKind::Replicated(op, s, bx(b)))),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, s, b)| e(ExprKind::SyncExtChoice(bx(a), bx(s), bx(b)))),
            1 => (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, s, b)| e(ExprKind::SyncInterrupt(bx(a), bx(s), bx(b)))),
        ]
    })
    .boxed()
}

fn t(kind: TypeKind) -> TypeExpr {
    TypeExpr { kind, span: sp() }
}

fn ty() -> impl Strategy<Value = TypeExpr> {
    let leaf = name().prop_map(|n| t(TypeKind::Name(n)));
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop_oneof![
                Just(t(TypeKind::Tuple(Vec::new()))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|ts| t(TypeKind::Tuple(ts))),
            ],
            inner.clone().prop_map(|a| t(TypeKind::Seq(Box::new(a)))),
            inner.clone().prop_map(|a| t(TypeKind::Set(Box::new(a)))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| t(TypeKind::Dot(Box::new(a), Box::new(b)))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| t(TypeKind::Yield {
                from: Box::new(a),
                to: Box::new(b),
                many: false,
            })),
            (name(), inner.clone()).prop_map(|(n, b)| t(TypeKind::Yield {
                from: Box::new(t(TypeKind::Name(n))),
                to: Box::new(b),
                many: true,
            })),
            (prop::collection::vec(inner.clone(), 0..3), inner.clone())
                .prop_map(|(args, r)| t(TypeKind::Fn(args, Box::new(r)))),
            (inner.clone(), inner).prop_map(|(k, v)| t(TypeKind::Map(Box::new(k), Box::new(v)))),
        ]
    })
}

fn scheme() -> impl Strategy<Value = TypeExpr> {
    (prop::collection::vec((class(), name()), 0..3), ty()).prop_map(|(cs, body)| {
        if cs.is_empty() {
            body
        } else {
            t(TypeKind::Constrained(cs, Box::new(body)))
        }
    })
}

fn model() -> impl Strategy<Value = ModelTag> {
    prop::sample::select(vec![
        ModelTag::Traces,
        ModelTag::Failures,
        ModelTag::FailuresDivergences,
        ModelTag::Refusals,
        ModelTag::RefusalsDivergences,
        ModelTag::Revivals,
        ModelTag::RevivalsDivergences,
    ])
}

fn assertion() -> impl Strategy<Value = Assertion> {
    let x = expr();
    let kind = prop_oneof![
        (x.clone(), model(), x.clone()).prop_map(|(spec, model, imp)| AssertKind::Refinement {
            spec,
            model,
            imp
        }),
        (x.clone(), proptest::option::of(model()))
            .prop_map(|(proc, model)| AssertKind::DeadlockFree { proc, model }),
        (x.clone(), proptest::option::of(model()), any::<bool>()).prop_map(
            |(proc, model, livelock)| AssertKind::DivergenceFree {
                proc,
                model,
                livelock
            }
        ),
        (x.clone(), proptest::option::of(model()))
            .prop_map(|(proc, model)| AssertKind::Deterministic { proc, model }),
        (x.clone(), proptest::option::of(model()), x.clone())
            .prop_map(|(proc, model, trace)| AssertKind::HasTrace { proc, model, trace }),
        x.clone().prop_map(AssertKind::Bool),
    ];
    let tau = proptest::option::of(
        (x, any::<bool>()).prop_map(|(events, over)| AssertOption::TauPriority { events, over }),
    );
    let por = proptest::option::of(
        proptest::option::of(mode()).prop_map(|mode| AssertOption::PartialOrderReduce { mode }),
    );
    (any::<bool>(), kind, tau, por, any::<bool>()).prop_map(|(negated, kind, tau, por, swap)| {
        let mut options: Vec<AssertOption> = tau.into_iter().chain(por).collect();
        if swap {
            options.reverse();
        }
        if matches!(kind, AssertKind::Bool(_)) {
            options.clear();
        }
        Assertion {
            negated,
            kind,
            options,
        }
    })
}

fn ctor() -> impl Strategy<Value = Ctor> {
    (name(), proptest::option::of(expr())).prop_map(|(name, fields)| Ctor {
        name,
        fields,
        span: sp(),
    })
}

/// A declaration allowed in a module body or a `Timed` section (no asserts, prints, or type
/// annotations, which would be checked against the list).
fn body_decl() -> impl Strategy<Value = Decl> {
    prop_oneof![
        local_decl(expr()),
        (
            prop::collection::vec(name(), 1..3),
            proptest::option::of(expr())
        )
            .prop_map(|(names, ty)| Decl {
                kind: DeclKind::Channel { names, ty },
                span: sp()
            }),
        (name(), prop::collection::vec(ctor(), 1..3)).prop_map(|(name, ctors)| Decl {
            kind: DeclKind::Datatype { name, ctors },
            span: sp()
        }),
    ]
}

fn top_decl() -> impl Strategy<Value = Decl> {
    let kind = prop_oneof![
        local_decl(expr()).prop_map(|d| d.kind),
        body_decl().prop_map(|d| d.kind),
        (name(), prop::collection::vec(ctor(), 1..3))
            .prop_map(|(name, ctors)| DeclKind::Subtype { name, ctors }),
        (name(), expr()).prop_map(|(name, ty)| DeclKind::Nametype { name, ty }),
        assertion().prop_map(DeclKind::Assert),
        text().prop_map(|path| DeclKind::Include {
            path,
            path_span: sp()
        }),
        expr().prop_map(DeclKind::Print),
        (prop::collection::vec(name(), 1..3), scheme())
            .prop_map(|(names, ty)| DeclKind::TypeAnnotation { names, ty }),
        (
            name(),
            proptest::option::of(prop::collection::vec(pat(), 1..3)),
            prop::collection::vec(body_decl(), 0..3),
            prop::collection::vec(body_decl(), 0..3)
        )
            .prop_map(|(name, params, private, exports)| DeclKind::ModuleDef {
                name,
                params,
                private,
                exports
            }),
        (
            name(),
            name(),
            proptest::option::of(prop::collection::vec(expr(), 1..3))
        )
            .prop_map(|(name, module, args)| DeclKind::Instance { name, module, args }),
        (
            proptest::option::of(expr()),
            prop::collection::vec(body_decl(), 0..3)
        )
            .prop_map(|(tock_fn, decls)| DeclKind::Timed { tock_fn, decls }),
    ];
    kind.prop_map(|kind| Decl { kind, span: sp() })
}

pub fn module() -> impl Strategy<Value = Module> {
    prop::collection::vec(top_decl(), 1..5).prop_map(|decls| Module {
        file: cspot::cspm::source::FileId(0),
        decls,
    })
}
