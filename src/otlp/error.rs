//! Read errors: input that cannot be read, with the file, a position and a field path.

use std::fmt;

/// Where in a file something went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line and column (JSON).
    LineCol { line: u64, col: u64 },
    /// Byte offset from the start of the (decompressed) stream (protobuf).
    Offset(u64),
    /// The whole file (IO errors, empty input).
    File,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::LineCol { line, col } => write!(f, "{line}:{col}"),
            Position::Offset(o) => write!(f, "byte {o}"),
            Position::File => Ok(()),
        }
    }
}

/// Input that could not be read. The rest of the file is still read when the format allows it
/// (the next JSON line, the next length-prefixed message); what was read stays in the forest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ReadError {
    pub file: String,
    pub position: Position,
    /// `resourceSpans[0].scopeSpans[1].spans[3].spanId`, or empty.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match self.position {
            Position::LineCol { .. } => write!(f, ":{}", self.position)?,
            Position::Offset(_) => write!(f, ": {}", self.position)?,
            Position::File => {}
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A path of fields and indexes into a document, kept as the reader descends.
#[derive(Clone, Debug, Default)]
pub struct FieldPath {
    segs: Vec<Seg>,
}

#[derive(Clone, Copy, Debug)]
enum Seg {
    Field(&'static str),
    Index(u32),
}

impl FieldPath {
    pub fn clear(&mut self) {
        self.segs.clear();
    }
    pub fn push_field(&mut self, name: &'static str) {
        self.segs.push(Seg::Field(name));
    }
    pub fn push_index(&mut self, i: usize) {
        self.segs.push(Seg::Index(i as u32));
    }
    pub fn set_index(&mut self, i: usize) {
        if let Some(Seg::Index(n)) = self.segs.last_mut() {
            *n = i as u32;
        }
    }
    pub fn pop(&mut self) {
        self.segs.pop();
    }
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segs.iter().enumerate() {
            match s {
                Seg::Field(name) if i == 0 => f.write_str(name)?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_the_issue() {
        let mut p = FieldPath::default();
        p.push_field("resourceSpans");
        p.push_index(0);
        p.push_field("scopeSpans");
        p.push_index(0);
        p.set_index(1);
        p.push_field("spans");
        p.push_index(3);
        p.push_field("spanId");
        assert_eq!(
            p.to_string(),
            "resourceSpans[0].scopeSpans[1].spans[3].spanId"
        );
        let e = ReadError {
            file: "d.json".into(),
            position: Position::LineCol { line: 3, col: 7 },
            path: p.to_string(),
            message: "bad".into(),
        };
        assert_eq!(
            e.to_string(),
            "d.json:3:7: resourceSpans[0].scopeSpans[1].spans[3].spanId: bad"
        );
    }
}
