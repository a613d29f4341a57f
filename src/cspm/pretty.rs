//! The pretty-printer: the AST back to CSPM text in one canonical layout.
//!
//! One declaration per line (`let` blocks, modules and `Timed` sections over several),
//! operators spaced, and parentheses only where FDR's binding strengths ([`prec`]) need them,
//! so that parsing the output gives the same tree (spans aside). Three things besides
//! precedence decide parentheses: a form that extends to the right (`if`, `let`, a lambda, a
//! replicated operator) is bare only at the end of its context; inside `< ... >` a `>` at the
//! same bracket level would close the sequence, so a greater-than there is bracketed; and an
//! assertion's first expression that starts with `not` is bracketed (it would read as
//! `assert not`). Token pairs that would lex differently when glued (`- -`, `{ -`, `< -`, ...)
//! get a space.
//!
//! Comments are not in the AST, so they are not printed.

use super::ast::*;
use super::parser::model_text;
use super::parser::prec::{self, Assoc};

/// The whole file: declarations one per line (a blank line between groups).
pub fn module(m: &Module, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.decls_top(&m.decls);
    p.out
}

/// One declaration, on as many lines as it needs (no trailing newline).
pub fn decl(d: &Decl, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.decl(d);
    p.out
}

/// An expression.
pub fn expr(e: &Expr, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.expr(e, prec::OPEN, true);
    p.out
}

/// A pattern.
pub fn pat(pat: &Pat, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.pat(pat, PAT_ALSO);
    p.out
}

/// A type.
pub fn type_expr(t: &TypeExpr, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.ty(t, TY_FN);
    p.out
}

const PAT_ALSO: u8 = 1;
const PAT_DOT: u8 = 2;
const PAT_CONCAT: u8 = 3;
const PAT_ATOM: u8 = 4;

const TY_FN: u8 = 1;
const TY_YIELD: u8 = 2;
const TY_DOT: u8 = 3;
const TY_ATOM: u8 = 4;

struct Printer<'i> {
    out: String,
    int: &'i Interner,
    indent: usize,
    /// Inside `< ... >` at the current bracket level.
    in_seq: bool,
}

/// Whether gluing `b` after `a` would lex as another token (or a comment).
fn glue_hazard(a: char, b: char) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '\'';
    if ident(a) && ident(b) {
        return true;
    }
    matches!(
        (a, b),
        ('-', '-')
            | ('-', '>')
            | ('{', '-')
            | ('{', '|')
            | ('(', '|')
            | ('<', '-')
            | ('<', '=')
            | ('<', '>')
            | ('[', '|')
            | ('[', '[')
            | ('[', ']')
            | ('[', '>')
            | ('[', '+')
            | ('|', '|')
            | ('|', '~')
            | ('|', '}')
            | ('|', ')')
            | ('|', ']')
            | ('|', '>')
            | ('|', '\\')
            | ('=', '=')
            | ('=', '>')
            | ('!', '=')
            | (':', ':')
            | (':', '[')
            | ('/', '\\')
            | ('/', '+')
            | ('+', '\\')
            | ('+', ']')
            | ('.', '.')
            | ('@', '@')
            | ('>', '=')
    )
}

impl<'i> Printer<'i> {
    fn new(int: &'i Interner) -> Self {
        Printer {
            out: String::new(),
            int,
            indent: 0,
            in_seq: false,
        }
    }

    /// Appends `s`, with a space first when gluing would change the tokens.
    fn push(&mut self, s: &str) {
        if let (Some(a), Some(b)) = (self.out.chars().next_back(), s.chars().next())
            && glue_hazard(a, b)
        {
            self.out.push(' ');
        }
        self.out.push_str(s);
    }

    fn newline(&mut self, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    fn name(&mut self, n: &Name) {
        let s = self.int.resolve(n.sym);
        self.push(s);
    }

    fn names(&mut self, ns: &[Name]) {
        for (k, n) in ns.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.name(n);
        }
    }

    /// Runs `f` inside brackets: a `>` no longer closes a sequence there.
    fn bracketed(&mut self, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.in_seq, false);
        f(self);
        self.in_seq = saved;
    }

    // ----- declarations -----

    fn decls_top(&mut self, decls: &[Decl]) {
        for (k, d) in decls.iter().enumerate() {
            if k > 0 {
                self.newline(0);
                if !same_group(&decls[k - 1], d) {
                    self.newline(0);
                }
            }
            self.decl(d);
        }
        if !decls.is_empty() {
            self.out.push('\n');
        }
    }

    fn decl_block(&mut self, decls: &[Decl], indent: usize) {
        let saved = self.indent;
        self.indent = indent;
        for d in decls {
            self.newline(indent);
            self.decl(d);
        }
        self.indent = saved;
    }

    fn decl(&mut self, d: &Decl) {
        match &d.kind {
            DeclKind::Clause { name, params, body } => {
                self.name(name);
                for group in params {
                    self.push("(");
                    self.bracketed(|p| p.pats(group));
                    self.push(")");
                }
                self.push(" = ");
                self.expr(body, prec::OPEN, true);
            }
            DeclKind::PatBind { pat, body } => {
                self.pat(pat, PAT_ALSO);
                self.push(" = ");
                self.expr(body, prec::OPEN, true);
            }
            DeclKind::Channel { names, ty } => {
                self.push("channel ");
                self.names(names);
                if let Some(t) = ty {
                    self.push(" : ");
                    self.expr(t, prec::OPEN, true);
                }
            }
            DeclKind::Datatype { name, ctors } | DeclKind::Subtype { name, ctors } => {
                let kw = if matches!(d.kind, DeclKind::Datatype { .. }) {
                    "datatype "
                } else {
                    "subtype "
                };
                self.push(kw);
                self.name(name);
                self.push(" = ");
                for (k, c) in ctors.iter().enumerate() {
                    if k > 0 {
                        self.push(" | ");
                    }
                    self.name(&c.name);
                    if let Some(f) = &c.fields {
                        self.push(".");
                        self.expr(f, prec::OPEN, true);
                    }
                }
            }
            DeclKind::Nametype { name, ty } => {
                self.push("nametype ");
                self.name(name);
                self.push(" = ");
                self.expr(ty, prec::OPEN, true);
            }
            DeclKind::Assert(a) => self.assertion(a),
            DeclKind::Transparent(ns) => {
                self.push("transparent ");
                self.names(ns);
            }
            DeclKind::External(ns) => {
                self.push("external ");
                self.names(ns);
            }
            DeclKind::Include { path, .. } => {
                self.push("include ");
                self.push(&quote_string(path));
            }
            DeclKind::Print(e) => {
                self.push("print ");
                self.expr(e, prec::OPEN, true);
            }
            DeclKind::TypeAnnotation { names, ty } => {
                self.names(names);
                self.push(" :: ");
                self.ty(ty, TY_FN);
            }
            DeclKind::ModuleDef {
                name,
                params,
                private,
                exports,
            } => {
                let ind = self.indent;
                self.push("module ");
                self.name(name);
                if let Some(ps) = params {
                    self.push("(");
                    self.bracketed(|p| p.pats(ps));
                    self.push(")");
                }
                self.decl_block(private, ind + 1);
                self.newline(ind);
                self.push("exports");
                self.decl_block(exports, ind + 1);
                self.newline(ind);
                self.push("endmodule");
            }
            DeclKind::Instance { name, module, args } => {
                self.push("instance ");
                self.name(name);
                self.push(" = ");
                self.name(module);
                if let Some(args) = args {
                    self.push("(");
                    self.bracketed(|p| p.exprs(args));
                    self.push(")");
                }
            }
            DeclKind::Timed { tock_fn, decls } => {
                let ind = self.indent;
                self.push("Timed");
                if let Some(f) = tock_fn {
                    self.push("(");
                    self.bracketed(|p| p.expr(f, prec::OPEN, true));
                    self.push(")");
                }
                self.push(" {");
                self.decl_block(decls, ind + 1);
                self.newline(ind);
                self.push("}");
            }
        }
    }

    fn assertion(&mut self, a: &Assertion) {
        self.push("assert ");
        if a.negated {
            self.push("not ");
        }
        let first = match &a.kind {
            AssertKind::Refinement { spec, .. } => spec,
            AssertKind::DeadlockFree { proc, .. }
            | AssertKind::DivergenceFree { proc, .. }
            | AssertKind::Deterministic { proc, .. }
            | AssertKind::HasTrace { proc, .. } => proc,
            AssertKind::Bool(e) => e,
        };
        // Printed apart first: a leading `not` would read as `assert not`.
        let mut sub = Printer {
            out: String::new(),
            int: self.int,
            indent: self.indent,
            in_seq: false,
        };
        sub.expr(first, prec::OPEN, true);
        let text = sub.out;
        let starts_with_not = text.strip_prefix("not").is_some_and(|rest| {
            !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'')
        });
        if starts_with_not && !a.negated {
            self.push("(");
            self.push(&text);
            self.push(")");
        } else {
            self.push(&text);
        }
        let model = |m: &Option<ModelTag>| match m {
            Some(m) => format!(" [{}]", model_text(*m)),
            None => String::new(),
        };
        match &a.kind {
            AssertKind::Refinement { model, imp, .. } => {
                self.push(" [");
                self.push(model_text(*model));
                self.push("= ");
                self.expr(imp, prec::OPEN, true);
            }
            AssertKind::DeadlockFree { model: m, .. } => {
                self.push(&format!(" :[deadlock free{}]", model(m)));
            }
            AssertKind::DivergenceFree {
                model: m, livelock, ..
            } => {
                let what = if *livelock { "livelock" } else { "divergence" };
                self.push(&format!(" :[{what} free{}]", model(m)));
            }
            AssertKind::Deterministic { model: m, .. } => {
                self.push(&format!(" :[deterministic{}]", model(m)));
            }
            AssertKind::HasTrace {
                model: m, trace, ..
            } => {
                self.push(&format!(" :[has trace{}]: ", model(m)));
                self.expr(trace, prec::OPEN, true);
            }
            AssertKind::Bool(_) => {}
        }
        for o in &a.options {
            match o {
                AssertOption::TauPriority { events, over } => {
                    self.push(if *over {
                        " :[tau priority over]: "
                    } else {
                        " :[tau priority]: "
                    });
                    self.expr(events, prec::OPEN, true);
                }
                AssertOption::PartialOrderReduce { mode } => {
                    self.push(" :[partial order reduce");
                    if let Some(m) = mode {
                        self.push(" [");
                        self.name(m);
                        self.push("]");
                    }
                    self.push("]");
                }
            }
        }
    }

    // ----- expressions -----

    fn exprs(&mut self, es: &[Expr]) {
        for (k, e) in es.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.expr(e, prec::OPEN, true);
        }
    }

    /// Prints `e` where the context needs binding strength `min`; `tail` tells whether
    /// nothing of the same context follows (so a right-extending form may stay bare).
    fn expr(&mut self, e: &Expr, min: u8, tail: bool) {
        // A long operator chain is a tree as deep as the chain: grow the stack as we go.
        crate::cspm::ast::grow(|| self.expr_level(e, min, tail))
    }

    fn expr_level(&mut self, e: &Expr, min: u8, tail: bool) {
        let level = level(e);
        let gt_in_seq = self.in_seq && matches!(e.kind, ExprKind::Binary(BinOp::Gt, _, _));
        let parens = if level == prec::OPEN {
            !tail
        } else {
            level < min || gt_in_seq
        };
        if parens {
            self.push("(");
            self.bracketed(|p| p.expr_bare(e, true));
            self.push(")");
        } else {
            self.expr_bare(e, tail);
        }
    }

    fn expr_bare(&mut self, e: &Expr, tail: bool) {
        match &e.kind {
            ExprKind::Int(n) => self.push(&n.to_string()),
            ExprKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            ExprKind::Char(c) => self.push(&quote_char(*c)),
            ExprKind::String(s) => self.push(&quote_string(s)),
            ExprKind::Var(n) => self.name(n),
            ExprKind::Tuple(es) => {
                self.push("(");
                self.bracketed(|p| p.exprs(es));
                self.push(")");
            }
            ExprKind::Dot(l, r) => {
                self.expr(l, prec::DOT + 1, false);
                self.push(".");
                self.expr(r, prec::DOT, tail);
            }
            ExprKind::Apply(f, args) => {
                self.expr(f, prec::POSTFIX, false);
                self.push("(");
                self.bracketed(|p| p.exprs(args));
                self.push(")");
            }
            ExprKind::Unary(op, x) => {
                let (text, min) = match op {
                    UnOp::Neg => ("-", prec::ADD + 1),
                    UnOp::Not => ("not ", prec::NOT + 1),
                    UnOp::Length => ("#", prec::LEN + 1),
                };
                self.push(text);
                self.expr(x, min, tail);
            }
            ExprKind::Binary(op, l, r) => {
                let (lvl, assoc) = prec::binop(*op);
                let (lmin, rmin) = match (op, assoc) {
                    (BinOp::Hide | BinOp::Project, _) => (lvl, prec::HIDE_RHS),
                    (_, Assoc::Left) => (lvl, lvl + 1),
                    (_, Assoc::Right) => (lvl + 1, lvl),
                    (_, Assoc::None) => (lvl + 1, lvl + 1),
                };
                self.expr(l, lmin, false);
                self.push(" ");
                self.push(prec::binop_text(*op));
                self.push(" ");
                self.expr(r, rmin, tail);
            }
            ExprKind::If(c, a, b) => {
                self.push("if ");
                self.expr(c, prec::OPEN, true);
                self.push(" then ");
                self.expr(a, prec::OPEN, true);
                self.push(" else ");
                self.expr(b, prec::OPEN, tail);
            }
            ExprKind::Let(decls, body) => {
                let ind = self.indent;
                self.push("let");
                self.decl_block(decls, ind + 2);
                self.newline(ind + 1);
                self.push("within ");
                self.expr(body, prec::OPEN, tail);
            }
            ExprKind::Lambda(ps, body) => {
                self.push("\\ ");
                self.pats(ps);
                self.push(" @ ");
                self.expr(body, prec::OPEN, tail);
            }
            ExprKind::Set(es) => self.delimited("{", "}", |p| p.exprs(es)),
            ExprKind::SetRange(a, b) => self.delimited("{", "}", |p| p.range(a, b.as_deref())),
            ExprKind::SetComp(es, st) => self.delimited("{", "}", |p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::SetRangeComp(a, b, st) => self.delimited("{", "}", |p| {
                p.range(a, b.as_deref());
                p.stmts_after_bar(st);
            }),
            ExprKind::Seq(es) if es.is_empty() => self.push("<>"),
            ExprKind::Seq(es) => self.sequence(|p| p.exprs(es)),
            ExprKind::SeqRange(a, b) => self.sequence(|p| p.range(a, b.as_deref())),
            ExprKind::SeqComp(es, st) => self.sequence(|p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::SeqRangeComp(a, b, st) => self.sequence(|p| {
                p.range(a, b.as_deref());
                p.stmts_after_bar(st);
            }),
            ExprKind::Enum(es) => self.delimited("{|", "|}", |p| p.exprs(es)),
            ExprKind::EnumComp(es, st) => self.delimited("{|", "|}", |p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::Map(kvs) => {
                self.push("(|");
                self.bracketed(|p| {
                    for (k, (key, v)) in kvs.iter().enumerate() {
                        p.push(if k > 0 { ", " } else { " " });
                        p.expr(key, prec::OPEN, true);
                        p.push(" => ");
                        p.expr(v, prec::OPEN, true);
                    }
                });
                self.push(" |)");
            }
            ExprKind::Prefix { chan, fields, body } => {
                self.expr(chan, prec::FIELD + 1, false);
                for f in fields {
                    match f {
                        Field::Input { pat, set } | Field::NondetInput { pat, set } => {
                            self.push(if matches!(f, Field::Input { .. }) {
                                "?"
                            } else {
                                "$"
                            });
                            self.pat(pat, PAT_ALSO);
                            if let Some(s) = set {
                                self.push(":");
                                self.expr(s, prec::COLON + 1, false);
                            }
                        }
                        Field::Output(x) => {
                            self.push("!");
                            self.expr(x, prec::FIELD + 1, false);
                        }
                        Field::Dot(x) => {
                            self.push(".");
                            self.expr(x, prec::COLON, false);
                        }
                    }
                }
                self.push(" -> ");
                self.expr(body, prec::PREFIX, tail);
            }
            ExprKind::GenParallel(l, a, r) => self.ternary(l, "[|", a, "|]", r, prec::PAR, tail),
            ExprKind::Exception(l, a, r) => self.ternary(l, "[|", a, "|>", r, prec::PAR, tail),
            ExprKind::SyncExtChoice(l, a, r) => {
                self.ternary(l, "[+", a, "+]", r, prec::EXT_CHOICE, tail)
            }
            ExprKind::SyncInterrupt(l, a, r) => {
                self.ternary(l, "/+", a, "+\\", r, prec::INTERRUPT, tail)
            }
            ExprKind::AlphaParallel(l, a, b, r) => {
                self.expr(l, prec::PAR, false);
                self.push(" [");
                self.bracketed(|p| {
                    p.expr(a, prec::OPEN, true);
                    p.push(" || ");
                    p.expr(b, prec::OPEN, true);
                });
                self.push("] ");
                self.expr(r, prec::PAR + 1, tail);
            }
            ExprKind::Linked(l, pairs, r) => {
                self.expr(l, prec::PAR, false);
                self.push(" [");
                self.bracketed(|p| p.pairs(pairs, "<->"));
                self.push("] ");
                self.expr(r, prec::PAR + 1, tail);
            }
            ExprKind::Rename(x, pairs) => {
                self.expr(x, prec::POSTFIX, false);
                self.push("[[");
                self.bracketed(|p| p.pairs(pairs, "<-"));
                self.push("]]");
            }
            ExprKind::Replicated(op, stmts, body) => {
                match op {
                    ReplOp::ExtChoice => self.push("[] "),
                    ReplOp::IntChoice => self.push("|~| "),
                    ReplOp::Interleave => self.push("||| "),
                    ReplOp::SeqComp => self.push("; "),
                    ReplOp::Interrupt => self.push("/\\ "),
                    ReplOp::GenParallel(a) => {
                        self.push("[|");
                        self.bracketed(|p| {
                            p.push(" ");
                            p.expr(a, prec::OPEN, true);
                            p.push(" ");
                        });
                        self.push("|] ");
                    }
                    ReplOp::SyncExtChoice(a) => {
                        self.push("[+");
                        self.bracketed(|p| {
                            p.push(" ");
                            p.expr(a, prec::OPEN, true);
                            p.push(" ");
                        });
                        self.push("+] ");
                    }
                    ReplOp::AlphaParallel(_) => self.push("|| "),
                    ReplOp::Linked(pairs) => {
                        self.push("[");
                        self.bracketed(|p| p.pairs(pairs, "<->"));
                        self.push("] ");
                    }
                }
                self.stmts(stmts, ":");
                self.push(" @ ");
                if let ReplOp::AlphaParallel(a) = op {
                    self.push("[");
                    self.bracketed(|p| p.expr(a, prec::OPEN, true));
                    self.push("] ");
                }
                self.expr(body, prec::OPEN, tail);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ternary(
        &mut self,
        l: &Expr,
        open: &str,
        a: &Expr,
        close: &str,
        r: &Expr,
        lvl: u8,
        tail: bool,
    ) {
        self.expr(l, lvl, false);
        self.push(" ");
        self.push(open);
        self.bracketed(|p| {
            p.push(" ");
            p.expr(a, prec::OPEN, true);
            p.push(" ");
        });
        self.push(close);
        self.push(" ");
        self.expr(r, lvl + 1, tail);
    }

    fn delimited(&mut self, open: &str, close: &str, f: impl FnOnce(&mut Self)) {
        self.push(open);
        self.bracketed(f);
        self.push(close);
    }

    fn sequence(&mut self, f: impl FnOnce(&mut Self)) {
        self.push("<");
        let saved = std::mem::replace(&mut self.in_seq, true);
        f(self);
        self.in_seq = saved;
        self.push(">");
    }

    fn range(&mut self, a: &Expr, b: Option<&Expr>) {
        self.expr(a, prec::OPEN, true);
        self.push("..");
        if let Some(b) = b {
            self.expr(b, prec::OPEN, true);
        }
    }

    fn stmts_after_bar(&mut self, st: &[Stmt]) {
        self.push(" | ");
        self.stmts(st, "<-");
    }

    fn stmts(&mut self, st: &[Stmt], arrow: &str) {
        for (k, s) in st.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            match s {
                Stmt::Gen { pat, source } => {
                    self.pat(pat, PAT_ALSO);
                    self.push(" ");
                    self.push(arrow);
                    self.push(" ");
                    self.expr(source, prec::OPEN, true);
                }
                Stmt::Pred(e) => self.expr(e, prec::OPEN, true),
            }
        }
    }

    fn pairs(&mut self, pairs: &Pairs, sep: &str) {
        for (k, (a, b)) in pairs.pairs.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.expr(a, prec::OPEN, true);
            self.push(" ");
            self.push(sep);
            self.push(" ");
            self.expr(b, prec::OPEN, true);
        }
        if !pairs.stmts.is_empty() {
            self.stmts_after_bar(&pairs.stmts);
        }
    }

    // ----- patterns -----

    fn pats(&mut self, ps: &[Pat]) {
        for (k, p) in ps.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.pat(p, PAT_ALSO);
        }
    }

    fn pat(&mut self, p: &Pat, min: u8) {
        let level = match &p.kind {
            PatKind::Also(..) => PAT_ALSO,
            PatKind::Dot(..) => PAT_DOT,
            PatKind::Concat(..) => PAT_CONCAT,
            _ => PAT_ATOM,
        };
        if level < min {
            self.push("(");
            self.pat(p, PAT_ALSO);
            self.push(")");
            return;
        }
        match &p.kind {
            PatKind::Wildcard => self.push("_"),
            PatKind::Var(n) => self.name(n),
            PatKind::Int(n) => self.push(&n.to_string()),
            PatKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            PatKind::Char(c) => self.push(&quote_char(*c)),
            PatKind::String(s) => self.push(&quote_string(s)),
            PatKind::Tuple(ps) => {
                self.push("(");
                self.pats(ps);
                self.push(")");
            }
            PatKind::Dot(l, r) => {
                self.pat(l, PAT_CONCAT);
                self.push(".");
                self.pat(r, PAT_DOT);
            }
            PatKind::Seq(ps) if ps.is_empty() => self.push("<>"),
            PatKind::Seq(ps) => {
                self.push("<");
                self.pats(ps);
                self.push(">");
            }
            PatKind::Concat(l, r) => {
                self.pat(l, PAT_CONCAT);
                self.push(" ^ ");
                self.pat(r, PAT_ATOM);
            }
            PatKind::Set(ps) => {
                self.push("{");
                self.pats(ps);
                self.push("}");
            }
            PatKind::Also(l, r) => {
                self.pat(l, PAT_ALSO);
                self.push(" @@ ");
                self.pat(r, PAT_DOT);
            }
        }
    }

    // ----- types -----

    fn ty(&mut self, t: &TypeExpr, min: u8) {
        let level = match &t.kind {
            TypeKind::Fn(..) | TypeKind::Constrained(..) => TY_FN,
            TypeKind::Yield { .. } => TY_YIELD,
            TypeKind::Dot(..) => TY_DOT,
            _ => TY_ATOM,
        };
        if level < min {
            self.push("(");
            self.ty(t, TY_FN);
            self.push(")");
            return;
        }
        match &t.kind {
            TypeKind::Name(n) => self.name(n),
            TypeKind::Tuple(ts) => {
                self.push("(");
                self.types(ts);
                self.push(")");
            }
            TypeKind::Seq(x) => {
                self.push("<");
                self.ty(x, TY_FN);
                self.push(">");
            }
            TypeKind::Set(x) => {
                self.push("{");
                self.ty(x, TY_FN);
                self.push("}");
            }
            TypeKind::Map(k, v) => {
                self.push("(| ");
                self.ty(k, TY_DOT);
                self.push(" => ");
                self.ty(v, TY_FN);
                self.push(" |)");
            }
            TypeKind::Dot(l, r) => {
                self.ty(l, TY_ATOM);
                self.push(".");
                self.ty(r, TY_DOT);
            }
            TypeKind::Yield { from, to, many } => {
                self.ty(from, if *many { TY_ATOM } else { TY_DOT });
                self.push(if *many { " =>* " } else { " => " });
                self.ty(to, TY_YIELD);
            }
            TypeKind::Fn(args, ret) => {
                self.push("(");
                self.types(args);
                self.push(") -> ");
                self.ty(ret, TY_FN);
            }
            TypeKind::Constrained(cs, body) => {
                if cs.len() != 1 {
                    self.push("(");
                }
                for (k, (class, var)) in cs.iter().enumerate() {
                    if k > 0 {
                        self.push(", ");
                    }
                    self.name(class);
                    self.push(" ");
                    self.name(var);
                }
                if cs.len() != 1 {
                    self.push(")");
                }
                self.push(" => ");
                self.ty(body, TY_FN);
            }
        }
    }

    fn types(&mut self, ts: &[TypeExpr]) {
        for (k, t) in ts.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.ty(t, TY_FN);
        }
    }
}

/// The binding strength of an expression's outermost form.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, _) => prec::binop(*op).0,
        ExprKind::Unary(UnOp::Neg, _) => prec::ADD,
        ExprKind::Unary(UnOp::Not, _) => prec::NOT,
        ExprKind::Unary(UnOp::Length, _) => prec::LEN,
        ExprKind::Dot(..) => prec::DOT,
        ExprKind::Prefix { .. } => prec::PREFIX,
        ExprKind::Apply(..) | ExprKind::Rename(..) => prec::POSTFIX,
        ExprKind::GenParallel(..)
        | ExprKind::AlphaParallel(..)
        | ExprKind::Exception(..)
        | ExprKind::Linked(..) => prec::PAR,
        ExprKind::SyncExtChoice(..) => prec::EXT_CHOICE,
        ExprKind::SyncInterrupt(..) => prec::INTERRUPT,
        ExprKind::If(..) | ExprKind::Let(..) | ExprKind::Lambda(..) | ExprKind::Replicated(..) => {
            prec::OPEN
        }
        _ => prec::ATOM,
    }
}

/// Declarations printed without a blank line between them.
fn same_group(a: &Decl, b: &Decl) -> bool {
    use DeclKind::*;
    match (&a.kind, &b.kind) {
        (Clause { name: x, .. }, Clause { name: y, .. }) => x.sym == y.sym,
        (TypeAnnotation { names, .. }, Clause { name, .. }) => {
            names.iter().any(|n| n.sym == name.sym)
        }
        (Channel { .. }, Channel { .. })
        | (Assert(_), Assert(_))
        | (Include { .. }, Include { .. })
        | (Print(_), Print(_))
        | (Transparent(_) | External(_), Transparent(_) | External(_))
        | (Nametype { .. }, Nametype { .. })
        | (TypeAnnotation { .. }, TypeAnnotation { .. }) => true,
        _ => false,
    }
}

fn escape_into(out: &mut String, c: char, quote: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}

fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn quote_char(c: char) -> String {
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}
