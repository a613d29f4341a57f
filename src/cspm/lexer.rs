//! The CSPM lexer: text to a flat vector of [`Token`]s with byte spans.
//!
//! Whitespace is dropped. Comments (`--` to the end of the line, nested `{- -}`) are not tokens
//! either: the lexer records them apart, as [`Comment`]s with their byte spans, so that the
//! formatter can print them again; the parser never sees them. Newlines are significant in CSPM, so the lexer applies FDR's continuation rule and emits a
//! [`Tok::Newline`] only where a line break ends a declaration: a break is soaked up when the
//! token before it is one that cannot end an expression (a binary operator, an opening
//! bracket, `=`, `,`, `let`, ...) or when the token after it is one that cannot start a
//! declaration (a binary operator, a closing bracket, `then`, `within`, ...). The two tables
//! are [`soaks_after`] and [`soaks_before`]; they follow the rule of libcspm, the front end
//! FDR uses. Consecutive breaks give one `Newline`.
//!
//! The lexer never fails: a character it does not know, an unterminated string or comment
//! becomes a diagnostic and a [`Tok::Error`] token, and lexing goes on.

use super::ast::ModelTag;
use super::source::{Diagnostic, FileId, Span};

/// The kind of a token. Literal values and identifier text are read back from the source
/// through the token's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    /// `x`, `P'`, `M::x` (a qualified name is one token).
    Ident,
    /// `42` (no sign).
    Int,
    /// `'a'`, `'\n'`.
    Char,
    /// `"text"`.
    Str,
    // Keywords.
    And,
    Or,
    Not,
    If,
    Then,
    Else,
    Let,
    Within,
    Channel,
    Datatype,
    Subtype,
    Nametype,
    Assert,
    External,
    Transparent,
    Module,
    Exports,
    Endmodule,
    Instance,
    Timed,
    True,
    False,
    // Brackets.
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `{|`
    LEnum,
    /// `|}`
    REnum,
    /// `(|`
    LMap,
    /// `|)`
    RMap,
    /// `[[`
    LRename,
    /// `]]`
    RRename,
    /// `[|`
    LSync,
    /// `|]`
    RSync,
    /// `[`
    LSquare,
    /// `]`
    RSquare,
    // Process operators.
    /// `[]`
    ExtChoice,
    /// `|~|`
    IntChoice,
    /// `|||`
    Interleave,
    /// `/\`
    Interrupt,
    /// `->`
    Arrow,
    /// `[>`
    Sliding,
    /// `|>`
    ExceptionEnd,
    /// `||`
    Parallel,
    /// `;`
    Semi,
    /// `&`
    Amp,
    /// `|\`
    Project,
    /// `[+`
    LSyncExt,
    /// `+]`
    RSyncExt,
    /// `/+`
    LSyncInt,
    /// `+\`
    RSyncInt,
    /// `\`
    Backslash,
    // Comparison.
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<>` (also `< >`)
    EmptySeq,
    // Arithmetic and sequences.
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `^`
    Caret,
    /// `#`
    Hash,
    // Punctuation.
    /// `|`
    Pipe,
    /// `,`
    Comma,
    /// `..`
    DotDot,
    /// `.`
    Dot,
    /// `?`
    Question,
    /// `!`
    Bang,
    /// `$`
    Dollar,
    /// `<-`
    LArrow,
    /// `<->`
    Tie,
    /// `:`
    Colon,
    /// `::` (a type annotation; `M::x` without spaces is a qualified [`Tok::Ident`])
    OfType,
    /// `=>`
    Yield,
    /// `=>*`
    YieldStar,
    /// `@@`
    AtAt,
    /// `@`
    At,
    /// `=`
    Equals,
    /// `_`
    Underscore,
    /// `[T=`, `[F=`, `[FD=`, `[R=`, `[RD=`, `[V=`, `[VD=`
    Refines(ModelTag),
    /// A whole `:[ ... ]` or `:[ ... ]:` property of an assertion; the parser reads its text.
    Prop,
    /// A line break that ends a declaration.
    Newline,
    /// The end of the text.
    Eof,
    /// Something the lexer could not read (already reported).
    Error,
}

/// One token: its kind and byte span; `space_before` tells whether whitespace or a comment
/// separates it from the previous token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub start: u32,
    pub end: u32,
    pub space_before: bool,
}

impl Token {
    pub fn span(&self, file: FileId) -> Span {
        Span {
            file,
            start: self.start,
            end: self.end,
        }
    }
    /// The token's text in `src`.
    pub fn text<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// The fixed text of a token kind, for messages and the pretty-printer; `None` for kinds whose
/// text varies.
pub fn fixed_text(t: Tok) -> Option<&'static str> {
    use Tok::*;
    Some(match t {
        And => "and",
        Or => "or",
        Not => "not",
        If => "if",
        Then => "then",
        Else => "else",
        Let => "let",
        Within => "within",
        Channel => "channel",
        Datatype => "datatype",
        Subtype => "subtype",
        Nametype => "nametype",
        Assert => "assert",
        External => "external",
        Transparent => "transparent",
        Module => "module",
        Exports => "exports",
        Endmodule => "endmodule",
        Instance => "instance",
        Timed => "Timed",
        True => "true",
        False => "false",
        LParen => "(",
        RParen => ")",
        LBrace => "{",
        RBrace => "}",
        LEnum => "{|",
        REnum => "|}",
        LMap => "(|",
        RMap => "|)",
        LRename => "[[",
        RRename => "]]",
        LSync => "[|",
        RSync => "|]",
        LSquare => "[",
        RSquare => "]",
        ExtChoice => "[]",
        IntChoice => "|~|",
        Interleave => "|||",
        Interrupt => "/\\",
        Arrow => "->",
        Sliding => "[>",
        ExceptionEnd => "|>",
        Parallel => "||",
        Semi => ";",
        Amp => "&",
        Project => "|\\",
        LSyncExt => "[+",
        RSyncExt => "+]",
        LSyncInt => "/+",
        RSyncInt => "+\\",
        Backslash => "\\",
        EqEq => "==",
        NotEq => "!=",
        Le => "<=",
        Ge => ">=",
        Lt => "<",
        Gt => ">",
        EmptySeq => "<>",
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Percent => "%",
        Caret => "^",
        Hash => "#",
        Pipe => "|",
        Comma => ",",
        DotDot => "..",
        Dot => ".",
        Question => "?",
        Bang => "!",
        Dollar => "$",
        LArrow => "<-",
        Tie => "<->",
        Colon => ":",
        OfType => "::",
        Yield => "=>",
        YieldStar => "=>*",
        AtAt => "@@",
        At => "@",
        Equals => "=",
        Underscore => "_",
        Refines(m) => match m {
            ModelTag::Traces => "[T=",
            ModelTag::Failures => "[F=",
            ModelTag::FailuresDivergences => "[FD=",
            ModelTag::Refusals => "[R=",
            ModelTag::RefusalsDivergences => "[RD=",
            ModelTag::Revivals => "[V=",
            ModelTag::RevivalsDivergences => "[VD=",
        },
        Ident | Int | Char | Str | Prop | Newline | Eof | Error => return None,
    })
}

/// The reserved words and their tokens. `include` and `print` are not reserved: they are
/// recognised at the start of a declaration only.
pub fn keyword(text: &str) -> Option<Tok> {
    use Tok::*;
    Some(match text {
        "and" => And,
        "or" => Or,
        "not" => Not,
        "if" => If,
        "then" => Then,
        "else" => Else,
        "let" => Let,
        "within" => Within,
        "channel" => Channel,
        "datatype" => Datatype,
        "subtype" => Subtype,
        "nametype" => Nametype,
        "assert" => Assert,
        "external" => External,
        "transparent" => Transparent,
        "module" => Module,
        "exports" => Exports,
        "endmodule" => Endmodule,
        "instance" => Instance,
        "Timed" => Timed,
        "true" => True,
        "false" => False,
        _ => return None,
    })
}

/// Whether a line break right after this token is soaked up (the expression must go on).
pub fn soaks_after(t: Tok) -> bool {
    use Tok::*;
    !matches!(
        t,
        Ident
            | Int
            | Char
            | Str
            | True
            | False
            | RParen
            | RBrace
            | REnum
            | RMap
            | RRename
            | Gt
            | EmptySeq
            | Exports
            | Endmodule
            | Prop
            | Newline
            | Eof
            | Error
    )
}

/// Whether a line break right before this token is soaked up (the token continues the
/// previous line).
pub fn soaks_before(t: Tok) -> bool {
    use Tok::*;
    !matches!(
        t,
        Ident
            | LParen
            | LBrace
            | LEnum
            | LMap
            | Lt
            | EmptySeq
            | Minus
            | Hash
            | Channel
            | Datatype
            | Subtype
            | Nametype
            | Assert
            | External
            | Transparent
            | Module
            | Exports
            | Endmodule
            | Instance
            | Timed
            | Newline
            | Eof
            | Error
    )
}

/// A comment, recorded beside the tokens (trivia) for the formatter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub start: u32,
    pub end: u32,
    /// `{- ... -}` rather than `-- ...`.
    pub block: bool,
    /// The line breaks between this comment and the token or comment before it (or the start
    /// of the text), capped at 2: 0 when it shares a line with what precedes it, 2 when a blank
    /// line separates them. A CRLF counts once.
    pub breaks_before: u8,
}

impl Comment {
    /// The comment as the formatter prints it: a line comment without trailing whitespace, a
    /// block comment with every line break (CRLF, CR) as LF. Comparing these texts tells
    /// whether formatting kept every comment.
    pub fn text(&self, src: &str) -> String {
        let raw = src
            .get(self.start as usize..self.end as usize)
            .unwrap_or("");
        if self.block {
            raw.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            raw.trim_end().to_string()
        }
    }

    /// Whether the comment contains a line break: a `--` comment ends at one, and a block
    /// comment over several lines is one to the lexer's continuation rule.
    pub fn breaks_line(&self, src: &str) -> bool {
        !self.block
            || src
                .get(self.start as usize..self.end as usize)
                .is_some_and(|t| t.contains(['\n', '\r']))
    }
}

/// The lexed text: tokens (ending with one [`Tok::Eof`]), the comments in source order, and
/// the diagnostics met on the way.
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lexes `text`. Never fails; see the module documentation.
pub fn lex(file: FileId, text: &str) -> Lexed {
    let mut lx = Lexer {
        file,
        src: text.as_bytes(),
        text,
        pos: 0,
        tokens: Vec::with_capacity(text.len() / 3 + 1),
        comments: Vec::new(),
        breaks: 0,
        diagnostics: Vec::new(),
    };
    // A byte-order mark is not part of the script.
    if text.starts_with('\u{feff}') {
        lx.pos = 3;
    }
    lx.run();
    Lexed {
        tokens: lx.tokens,
        comments: lx.comments,
        diagnostics: lx.diagnostics,
    }
}

struct Lexer<'s> {
    file: FileId,
    src: &'s [u8],
    text: &'s str,
    pos: usize,
    tokens: Vec<Token>,
    comments: Vec<Comment>,
    /// Line breaks since the last token or comment (capped at 2).
    breaks: u8,
    diagnostics: Vec<Diagnostic>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic()
}
fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'s> Lexer<'s> {
    fn peek(&self, k: usize) -> u8 {
        self.src.get(self.pos + k).copied().unwrap_or(0)
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(Span::new(self.file, start, end), message));
    }

    fn run(&mut self) {
        // At the start of the file every line break is soaked.
        let mut prev_soaks = true;
        loop {
            let gap = self.trivia();
            if self.pos >= self.src.len() {
                let n = self.src.len();
                self.tokens.push(Token {
                    kind: Tok::Eof,
                    start: n as u32,
                    end: n as u32,
                    space_before: gap.space,
                });
                return;
            }
            let start = self.pos;
            let kind = self.token();
            self.breaks = 0;
            if let Some(nl) = gap.newline
                && !prev_soaks
                && !soaks_before(kind)
            {
                self.tokens.push(Token {
                    kind: Tok::Newline,
                    start: nl as u32,
                    end: nl as u32 + 1,
                    space_before: true,
                });
            }
            self.tokens.push(Token {
                kind,
                start: start as u32,
                end: self.pos as u32,
                space_before: gap.space,
            });
            // `:[tau priority]:` and `:[has trace]:` introduce an argument: the line goes on.
            prev_soaks = soaks_after(kind)
                || (kind == Tok::Prop && self.src[start..self.pos].ends_with(b":"));
        }
    }

    /// Skips whitespace and comments; tells whether any was skipped and where the first line
    /// break was.
    fn trivia(&mut self) -> Gap {
        let mut gap = Gap {
            space: false,
            newline: None,
        };
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            match b {
                // CRLF, a lone CR (old Mac files) and LF are all one line break.
                b'\n' | b'\r' => {
                    gap.newline.get_or_insert(self.pos);
                    if !(b == b'\n' && self.pos > 0 && self.src[self.pos - 1] == b'\r') {
                        self.breaks = (self.breaks + 1).min(2);
                    }
                    self.pos += 1;
                }
                b' ' | b'\t' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.peek(1) == b'-' => {
                    let start = self.pos;
                    while self.pos < self.src.len() && !is_line_break(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    self.comment(start, false);
                }
                b'{' if self.peek(1) == b'-' => {
                    let start = self.pos;
                    self.block_comment(&mut gap);
                    self.comment(start, true);
                }
                _ => break,
            }
            gap.space = true;
        }
        gap
    }

    fn comment(&mut self, start: usize, block: bool) {
        self.comments.push(Comment {
            start: start as u32,
            end: self.pos as u32,
            block,
            breaks_before: self.breaks,
        });
        self.breaks = 0;
    }

    fn block_comment(&mut self, gap: &mut Gap) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1u32;
        while self.pos < self.src.len() {
            match (self.src[self.pos], self.peek(1)) {
                (b'{', b'-') => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'-', b'}') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return;
                    }
                }
                (b'\n' | b'\r', _) => {
                    gap.newline.get_or_insert(self.pos);
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        self.error(
            start,
            start + 2,
            "unterminated comment: `{-` has no matching `-}`",
        );
    }

    /// Reads one token at `self.pos` (which is not trivia and not the end).
    fn token(&mut self) -> Tok {
        use Tok::*;
        let b = self.src[self.pos];
        let (kind, len) = match b {
            b'a'..=b'z' | b'A'..=b'Z' => return self.ident(),
            b'0'..=b'9' => {
                while self.pos < self.src.len() && self.src[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                return Int;
            }
            b'\'' => return self.char_lit(),
            b'"' => return self.string_lit(),
            b'(' => {
                // `(|` opens a map unless it begins `(|||`, `(|~|`, `(||` and the like.
                if self.peek(1) == b'|'
                    && !matches!(
                        self.peek(2),
                        b'|' | b'~' | b')' | b']' | b'}' | b'>' | b'\\'
                    )
                {
                    (LMap, 2)
                } else {
                    (LParen, 1)
                }
            }
            b')' => (RParen, 1),
            b'{' => {
                if self.peek(1) == b'|' {
                    (LEnum, 2)
                } else {
                    (LBrace, 1)
                }
            }
            b'}' => (RBrace, 1),
            b'[' => self.open_square(),
            b']' => {
                if self.peek(1) == b']' {
                    (RRename, 2)
                } else {
                    (RSquare, 1)
                }
            }
            b'|' => match (self.peek(1), self.peek(2)) {
                (b'|', b'|') => (Interleave, 3),
                (b'~', b'|') => (IntChoice, 3),
                (b'|', _) => (Parallel, 2),
                (b'}', _) => (REnum, 2),
                (b')', _) => (RMap, 2),
                (b']', _) => (RSync, 2),
                (b'>', _) => (ExceptionEnd, 2),
                (b'\\', _) => (Project, 2),
                _ => (Pipe, 1),
            },
            b'/' => match self.peek(1) {
                b'\\' => (Interrupt, 2),
                b'+' => (LSyncInt, 2),
                _ => (Slash, 1),
            },
            b'\\' => (Backslash, 1),
            b'-' => {
                if self.peek(1) == b'>' {
                    (Arrow, 2)
                } else {
                    (Minus, 1)
                }
            }
            b'+' => match self.peek(1) {
                b'\\' => (RSyncInt, 2),
                b']' => (RSyncExt, 2),
                _ => (Plus, 1),
            },
            b';' => (Semi, 1),
            b'&' => (Amp, 1),
            b'#' => (Hash, 1),
            b'^' => (Caret, 1),
            b'*' => (Star, 1),
            b'%' => (Percent, 1),
            b',' => (Comma, 1),
            b'?' => (Question, 1),
            b'$' => (Dollar, 1),
            b'_' => (Underscore, 1),
            b'!' => {
                if self.peek(1) == b'=' {
                    (NotEq, 2)
                } else {
                    (Bang, 1)
                }
            }
            b'@' => {
                if self.peek(1) == b'@' {
                    (AtAt, 2)
                } else {
                    (At, 1)
                }
            }
            b'=' => match (self.peek(1), self.peek(2)) {
                (b'=', _) => (EqEq, 2),
                (b'>', b'*') => (YieldStar, 3),
                (b'>', _) => (Yield, 2),
                _ => (Equals, 1),
            },
            b'<' => match (self.peek(1), self.peek(2)) {
                (b'-', b'>') => (Tie, 3),
                (b'-', _) => (LArrow, 2),
                (b'=', _) => (Le, 2),
                _ => {
                    // `<` and `>` with only whitespace between is the empty sequence.
                    let mut k = 1;
                    while matches!(self.peek(k), b' ' | b'\t' | b'\r' | b'\n') {
                        k += 1;
                    }
                    if self.peek(k) == b'>' {
                        (EmptySeq, k + 1)
                    } else {
                        (Lt, 1)
                    }
                }
            },
            b'>' => {
                // `>==` is `>` then `==` (a sequence closed before an equality).
                if self.peek(1) == b'=' && self.peek(2) != b'=' {
                    (Ge, 2)
                } else {
                    (Gt, 1)
                }
            }
            b'.' => {
                if self.peek(1) == b'.' {
                    (DotDot, 2)
                } else {
                    (Dot, 1)
                }
            }
            b':' => {
                if self.peek(1) == b':' {
                    (OfType, 2)
                } else if self.peek(1) == b'[' && self.prop_follows() {
                    return self.prop();
                } else {
                    (Colon, 1)
                }
            }
            _ => return self.unknown(),
        };
        self.pos += len;
        kind
    }

    fn open_square(&self) -> (Tok, usize) {
        use Tok::*;
        let rest = &self.src[self.pos + 1..];
        let refine = |s: &[u8]| rest.starts_with(s);
        if refine(b"FD=") {
            (Refines(ModelTag::FailuresDivergences), 4)
        } else if refine(b"RD=") {
            (Refines(ModelTag::RefusalsDivergences), 4)
        } else if refine(b"VD=") {
            (Refines(ModelTag::RevivalsDivergences), 4)
        } else if refine(b"T=") {
            (Refines(ModelTag::Traces), 3)
        } else if refine(b"F=") {
            (Refines(ModelTag::Failures), 3)
        } else if refine(b"R=") {
            (Refines(ModelTag::Refusals), 3)
        } else if refine(b"V=") {
            (Refines(ModelTag::Revivals), 3)
        } else {
            match rest.first() {
                Some(b'[') => (LRename, 2),
                Some(b'|') => (LSync, 2),
                Some(b']') => (ExtChoice, 2),
                Some(b'>') => (Sliding, 2),
                Some(b'+') => (LSyncExt, 2),
                _ => (LSquare, 1),
            }
        }
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        self.pos += 1;
        loop {
            while self.pos < self.src.len() && is_ident_char(self.src[self.pos]) {
                self.pos += 1;
            }
            while self.peek(0) == b'\'' {
                self.pos += 1;
            }
            // `M::x`, written without spaces, is one qualified name.
            if self.peek(0) == b':' && self.peek(1) == b':' && is_ident_start(self.peek(2)) {
                self.pos += 3;
                continue;
            }
            break;
        }
        keyword(&self.text[start..self.pos]).unwrap_or(Tok::Ident)
    }

    fn char_lit(&mut self) -> Tok {
        let start = self.pos;
        self.pos += 1;
        if self.peek(0) == b'\\' {
            self.pos += 1;
        }
        if self.skip_char() && self.peek(0) == b'\'' {
            self.pos += 1;
            Tok::Char
        } else {
            self.error(
                start,
                self.pos.max(start + 1),
                "malformed character literal",
            );
            Tok::Error
        }
    }

    /// Skips one UTF-8 character that is not a line break; false at a line break or the end.
    fn skip_char(&mut self) -> bool {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            Some('\n' | '\r') | None => false,
            Some(c) => {
                self.pos += c.len_utf8();
                true
            }
        }
    }

    fn string_lit(&mut self) -> Tok {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Tok::Str;
                }
                b'\n' | b'\r' => break,
                b'\\' if !is_line_break(self.peek(1)) && self.pos + 1 < self.src.len() => {
                    self.pos += 1;
                    self.skip_char();
                }
                _ => self.pos += 1,
            }
        }
        self.error(start, self.pos, "unterminated string literal");
        Tok::Error
    }

    /// After `:[`, whether a property name follows (`:[deadlock free]`), rather than `:` then
    /// a list opening.
    fn prop_follows(&self) -> bool {
        let mut k = 2;
        while matches!(self.peek(k), b' ' | b'\t') {
            k += 1;
        }
        self.peek(k).is_ascii_alphabetic()
    }

    /// `:[ ... ]` with nested brackets, and a `:` glued to the closing bracket.
    fn prop(&mut self) -> Tok {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        if self.peek(0) == b':' && self.peek(1) != b':' {
                            self.pos += 1;
                        }
                        return Tok::Prop;
                    }
                }
                b'\n' | b'\r' => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.error(
            start,
            start + 2,
            "unclosed `:[`: expected `]` on the same line",
        );
        Tok::Error
    }

    fn unknown(&mut self) -> Tok {
        let start = self.pos;
        // One diagnostic for a run of characters the lexer does not know.
        let mut first = true;
        while let Some(c) = self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            let known = c.is_ascii_alphanumeric()
                || c.is_ascii_whitespace()
                || "()[]{}<>|\\/+-*%^#=!?$@&;:,.'\"_".contains(c);
            if known && !first {
                break;
            }
            first = false;
            self.pos += c.len_utf8();
        }
        if self.pos == start {
            self.pos += 1;
        }
        let run = self.text.get(start..self.pos).unwrap_or("?");
        let shown: String = run.chars().take(8).collect();
        let plural = if run.chars().count() > 1 { "s" } else { "" };
        self.error(
            start,
            self.pos,
            format!("unexpected character{plural} `{}`", shown.escape_debug()),
        );
        Tok::Error
    }
}

struct Gap {
    space: bool,
    newline: Option<usize>,
}

/// A byte that ends a line: LF, or CR (alone in old Mac files, before LF in CRLF files; the
/// LF of a CRLF then counts with it, see [`crate::cspm::source::line_starts`]).
fn is_line_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}
