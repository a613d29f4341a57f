//! Checks on a declaration list that FDR's parser makes once the list is read: every type
//! annotation names something defined in the same list (a function, a simple pattern
//! binding, a nametype, a channel or a datatype constructor), at most once, and a channel
//! declaration with several names carries at most one annotation.

use rustc_hash::FxHashMap;

use crate::cspm::ast::{Decl, DeclKind, Interner, PatKind, Symbol};
use crate::cspm::source::{Diagnostic, Span};

/// The diagnostics for the annotations of one declaration list (not the lists nested in it).
pub fn annotations(decls: &[Decl], interner: &Interner) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut annotated: FxHashMap<Symbol, Span> = FxHashMap::default();
    let mut order = Vec::new();
    for d in decls {
        if let DeclKind::TypeAnnotation { names, .. } = &d.kind {
            for n in names {
                if let std::collections::hash_map::Entry::Vacant(e) = annotated.entry(n.sym) {
                    e.insert(n.span);
                    order.push(n.sym);
                } else {
                    out.push(
                        Diagnostic::error(
                            n.span,
                            format!(
                                "`{}` has more than one type annotation",
                                interner.resolve(n.sym)
                            ),
                        )
                        .with_label("second annotation"),
                    );
                }
            }
        }
    }
    if annotated.is_empty() {
        return out;
    }
    let mut defined: FxHashMap<Symbol, ()> = FxHashMap::default();
    for d in decls {
        match &d.kind {
            DeclKind::Clause { name, .. } | DeclKind::Nametype { name, .. } => {
                defined.insert(name.sym, ());
            }
            DeclKind::PatBind { pat, .. } => {
                if let PatKind::Var(n) = &pat.kind {
                    defined.insert(n.sym, ());
                }
            }
            DeclKind::Channel { names, .. } => {
                let with_annotation: Vec<_> = names
                    .iter()
                    .filter(|n| annotated.contains_key(&n.sym))
                    .collect();
                if with_annotation.len() > 1 {
                    out.push(Diagnostic::error(
                        d.span,
                        format!(
                            "several names of one channel declaration have type annotations \
                             (`{}`): a channel declaration has one type",
                            with_annotation
                                .iter()
                                .map(|n| interner.resolve(n.sym))
                                .collect::<Vec<_>>()
                                .join("`, `")
                        ),
                    ));
                }
                for n in names {
                    defined.insert(n.sym, ());
                }
            }
            DeclKind::Datatype { ctors, .. } => {
                for c in ctors {
                    defined.insert(c.name.sym, ());
                }
            }
            _ => {}
        }
    }
    for sym in order {
        if !defined.contains_key(&sym)
            && let Some(span) = annotated.get(&sym)
        {
            out.push(Diagnostic::error(
                *span,
                format!(
                    "type annotation for `{}`, which is not defined here",
                    interner.resolve(sym)
                ),
            ));
        }
    }
    out
}
