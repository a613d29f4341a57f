//! FDR's binding strengths, loosest first, shared by the parser and the pretty-printer.
//!
//! The table follows FDR's (libcspm's) grammar. Two irregularities are kept: the dot binds
//! more loosely than arithmetic, comparison and the boolean operators (`c.x+1` is `c.(x+1)`),
//! and hiding is the loosest operator on its left but takes only a prefix-level operand on its
//! right (`P \ A [] Q` is `(P \ A) [] Q`, `P [] Q \ A` is `(P [] Q) \ A`).

use crate::cspm::ast::BinOp;

/// `let`, `if`, lambdas and replicated operators: they extend as far right as they can.
pub const OPEN: u8 = 0;
/// `\`, `|\`
pub const HIDE: u8 = 1;
/// `|||`
pub const INTERLEAVE: u8 = 2;
/// `[| A |]`, `[A || B]`, `[a <-> b]`, `[| A |>`
pub const PAR: u8 = 3;
/// `|~|`
pub const INT_CHOICE: u8 = 4;
/// `[]`, `[+ A +]`
pub const EXT_CHOICE: u8 = 5;
/// `/\`, `/+ A +\`
pub const INTERRUPT: u8 = 6;
/// `[>`
pub const SLIDING: u8 = 7;
/// `;`
pub const SEQ: u8 = 8;
/// `->`, `&` (right associative)
pub const PREFIX: u8 = 9;
/// The fields of a prefix: `?x`, `!e`, `$x`.
pub const FIELD: u8 = 10;
/// `.` (right associative)
pub const DOT: u8 = 12;
/// The `:` of `?x:S`.
pub const COLON: u8 = 13;
/// `or`
pub const OR: u8 = 14;
/// `and`
pub const AND: u8 = 15;
/// `not`
pub const NOT: u8 = 16;
/// `== != < <= > >=` (not associative)
pub const CMP: u8 = 17;
/// `+ -` and unary `-`
pub const ADD: u8 = 18;
/// `* / %`
pub const MUL: u8 = 19;
/// `#`
pub const LEN: u8 = 20;
/// `^`
pub const CONCAT: u8 = 21;
/// Application `f(x)` and renaming `P[[a <- b]]`.
pub const POSTFIX: u8 = 22;
/// Literals, names, bracketed forms.
pub const ATOM: u8 = 23;

/// How operators of one level group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assoc {
    Left,
    Right,
    /// `a < b < c` is an error.
    None,
}

/// The level and associativity of a binary operator.
pub fn binop(op: BinOp) -> (u8, Assoc) {
    use Assoc::*;
    use BinOp::*;
    match op {
        Add | Sub => (ADD, Left),
        Mul | Div | Mod => (MUL, Left),
        Eq | Ne | Lt | Le | Gt | Ge => (CMP, None),
        And => (AND, Left),
        Or => (OR, Left),
        Concat => (CONCAT, Left),
        ExtChoice => (EXT_CHOICE, Left),
        IntChoice => (INT_CHOICE, Left),
        Interrupt => (INTERRUPT, Left),
        Sliding => (SLIDING, Left),
        SeqComp => (SEQ, Left),
        Interleave => (INTERLEAVE, Left),
        Hide | Project => (HIDE, Left),
        Guard => (PREFIX, Right),
    }
}

/// The level the right operand of `\` (and `|\`) is read at.
pub const HIDE_RHS: u8 = PREFIX;

/// The text of a binary operator.
pub fn binop_text(op: BinOp) -> &'static str {
    use BinOp::*;
    match op {
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Mod => "%",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        And => "and",
        Or => "or",
        Concat => "^",
        ExtChoice => "[]",
        IntChoice => "|~|",
        Interrupt => "/\\",
        Sliding => "[>",
        SeqComp => ";",
        Interleave => "|||",
        Hide => "\\",
        Project => "|\\",
        Guard => "&",
    }
}
