//! Problems with positions: byte spans of the TOML parser turned into `line:col`.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One problem found in the data, with its position.
///
/// Displayed as `file:line:col: message`, where `file` is relative to the data
/// folder (`bank/mail.attach.toml`), `line` and `col` count from 1 and `col` counts
/// characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    /// File, relative to the data folder, with `/` separators.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
    /// What is wrong, in English, naming the offending key or value.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// `(line, col)` of a byte offset, both from 1, the column in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// A step of a path into a TOML document: a key or an array index.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    /// Table key.
    K(&'a str),
    /// Array index.
    I(usize),
}

/// One parsed file: its text and span tree, for turning paths into positions.
pub struct Doc<'i> {
    /// File name relative to the data folder.
    pub file: String,
    /// Full text.
    pub text: &'i str,
    /// Span tree.
    pub root: Spanned<DeTable<'i>>,
}

impl<'i> Doc<'i> {
    /// Parses a file; `Err` holds its first syntax error (later ones are usually
    /// consequences of the first).
    pub fn parse(file: &str, text: &'i str) -> Result<Self, Problem> {
        let (root, errors) = DeTable::parse_recoverable(text);
        if let Some(e) = errors.first() {
            let start = e.span().map_or(0, |s| s.start);
            return Err(problem_at(
                file,
                text,
                start,
                format!("TOML syntax error: {}", e.message()),
            ));
        }
        Ok(Doc {
            file: file.to_string(),
            text,
            root,
        })
    }

    /// The value at `path`, if any.
    pub fn value(&self, path: &[Seg<'_>]) -> Option<&Spanned<DeValue<'i>>> {
        let mut table: &DeTable<'i> = self.root.get_ref();
        let mut cur: Option<&Spanned<DeValue<'i>>> = None;
        for seg in path {
            let next = match (seg, cur) {
                (Seg::K(k), None) => get_key(table, k).map(|(_, v)| v),
                (Seg::K(k), Some(v)) => v
                    .get_ref()
                    .as_table()
                    .and_then(|t| get_key(t, k))
                    .map(|(_, v)| v),
                (Seg::I(i), Some(v)) => v.get_ref().as_array().and_then(|a| a.get(*i)),
                (Seg::I(_), None) => None,
            };
            let v = next?;
            if let Some(t) = v.get_ref().as_table() {
                table = t;
            }
            cur = Some(v);
        }
        cur
    }

    /// Byte span of the deepest existing value along `path` (the whole file if
    /// nothing matches).
    pub fn span(&self, path: &[Seg<'_>]) -> Range<usize> {
        for len in (1..=path.len()).rev() {
            if let Some(v) = self.value(&path[..len]) {
                return v.span();
            }
        }
        0..0
    }

    /// Byte span of the key at the end of `path` (falls back to [`Doc::span`]).
    pub fn key_span(&self, path: &[Seg<'_>]) -> Range<usize> {
        if let Some((Seg::K(k), parent)) = path.split_last() {
            let table = if parent.is_empty() {
                Some(self.root.get_ref())
            } else {
                self.value(parent).and_then(|v| v.get_ref().as_table())
            };
            if let Some((key, _)) = table.and_then(|t| get_key(t, k)) {
                return key.span();
            }
        }
        self.span(path)
    }

    /// A problem at the value at `path`.
    pub fn at(&self, path: &[Seg<'_>], message: impl Into<String>) -> Problem {
        problem_at(&self.file, self.text, self.span(path).start, message.into())
    }

    /// A problem at the key at the end of `path`.
    pub fn at_key(&self, path: &[Seg<'_>], message: impl Into<String>) -> Problem {
        problem_at(
            &self.file,
            self.text,
            self.key_span(path).start,
            message.into(),
        )
    }

    /// `line:col` of the value at `path`, for messages that point elsewhere.
    pub fn pos(&self, path: &[Seg<'_>]) -> String {
        let (l, c) = line_col(self.text, self.span(path).start);
        format!("{}:{l}:{c}", self.file)
    }

    /// A problem from a deserialisation error, at its span.
    pub fn de_error(&self, e: &toml::de::Error, fallback: &[Seg<'_>]) -> Problem {
        let start = e
            .span()
            .map_or_else(|| self.span(fallback).start, |s| s.start);
        problem_at(&self.file, self.text, start, e.message().to_string())
    }
}

fn get_key<'t, 'i>(
    table: &'t DeTable<'i>,
    key: &str,
) -> Option<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)> {
    table.iter().find(|(k, _)| {
        let s: &str = k.get_ref();
        s == key
    })
}

/// A problem at a byte offset.
pub fn problem_at(file: &str, text: &str, offset: usize, message: String) -> Problem {
    let (line, col) = line_col(text, offset);
    Problem {
        file: file.to_string(),
        line,
        col,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let t = "ab\ncdé f\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        // 'é' is two bytes: the space after it is the 4th character of line 2.
        assert_eq!(line_col(t, 7), (2, 4));
        assert_eq!(line_col(t, 1000), (3, 1));
    }

    #[test]
    fn paths_resolve_to_spans() {
        let text = "a = 1\n[[item]]\nid = \"x\"\n[[item]]\nid = \"y\"\nopt = [1, 2]\n";
        let doc = Doc::parse("f.toml", text).expect("valid");
        let p = doc.at(&[Seg::K("item"), Seg::I(1), Seg::K("id")], "m");
        assert_eq!((p.line, p.col), (5, 6));
        let p = doc.at_key(&[Seg::K("item"), Seg::I(1), Seg::K("opt")], "m");
        assert_eq!((p.line, p.col), (6, 1));
        let p = doc.at(&[Seg::K("item"), Seg::I(1), Seg::K("opt"), Seg::I(1)], "m");
        assert_eq!((p.line, p.col), (6, 11));
        // A missing key falls back to its parent.
        let p = doc.at(&[Seg::K("item"), Seg::I(1), Seg::K("nope")], "m");
        assert_eq!(p.line, 4);
    }

    #[test]
    fn syntax_error_position() {
        let Err(p) = Doc::parse("f.toml", "a = 1\nb = \n") else {
            panic!("must fail")
        };
        assert_eq!(p.line, 2);
        assert!(p.message.starts_with("TOML syntax error"), "{}", p.message);
    }
}
