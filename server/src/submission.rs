//! The answer log a browser sends at the end of a test (`POST /api/results`):
//! [`repere_items::assessment::AnswerLog`], exactly the JSON of `LiveTest::finish`;
//! here its parsing with errors that say where and what.
//!
//! The log holds only what the person did: item ids, responses (skips included),
//! times, the seed, the context answers, and the versions of the engine and bank the
//! browser ran. Nothing computed: a field such as `profile`, `score` or `theta` is
//! refused as a tampering attempt, since the server computes the result itself
//! ([`crate::outcome::compute_outcome`]).

pub use repere_items::assessment::AnswerLog;

/// Field names that would carry a client-computed result: refused with a message
/// that says the server computes it.
const COMPUTED_FIELDS: [&str; 12] = [
    "profile",
    "score",
    "scores",
    "theta",
    "se",
    "outcome",
    "result",
    "level",
    "levels",
    "class",
    "orientation",
    "code",
];

/// Why a request body is not an answer log.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON: 400.
    #[error("JSON invalide ligne {line}, colonne {column} : {detail}")]
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// serde_json's message.
        detail: String,
    },
    /// A computed result was sent: 422.
    #[error("Le champ « {field} » est refusé : le résultat est calculé par le serveur, pas par le navigateur.")]
    Tampered {
        /// The field.
        field: String,
    },
    /// An unknown field: 422.
    #[error("Le champ « {field} » est inconnu (ligne {line}, colonne {column}).")]
    UnknownField {
        /// The field.
        field: String,
        /// Line.
        line: usize,
        /// Column.
        column: usize,
    },
    /// JSON of the wrong shape (missing field, wrong type): 422.
    #[error("Contenu invalide ligne {line}, colonne {column} : {detail}")]
    Shape {
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// serde_json's message.
        detail: String,
    },
}

/// Parses a request body.
pub fn parse(body: &[u8]) -> Result<AnswerLog, ParseError> {
    serde_json::from_slice(body).map_err(|e| classify(&e))
}

fn classify(e: &serde_json::Error) -> ParseError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let detail = strip_position(&e.to_string());
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ParseError::Syntax {
            line,
            column,
            detail,
        },
        Category::Data => match unknown_field(&detail) {
            Some(field) if COMPUTED_FIELDS.contains(&field.as_str()) => {
                ParseError::Tampered { field }
            }
            Some(field) => ParseError::UnknownField {
                field,
                line,
                column,
            },
            None => ParseError::Shape {
                line,
                column,
                detail,
            },
        },
    }
}

/// serde_json appends " at line L column C"; the position is given separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The field name of serde's "unknown field `x`, expected …" message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "id": "7d9f1c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
        "referentiel": {"id": "repere-gd", "version": "1.0.0"},
        "bank_version": "1.0.0",
        "engine_version": "0.1.0",
        "seed": 42,
        "context": [{"question": "email", "answer": "yes"}],
        "answers": [
            {"item": "a.b.01", "response": {"choice": 2}, "elapsed_ms": 1000},
            {"item": "a.b.02", "response": "skip", "elapsed_ms": 2000}
        ],
        "started_at": 1767225600000,
        "finished_at": 1767226080000,
        "mode": "kiosk"
    }"#;

    #[test]
    fn parses_a_log() {
        let s = parse(GOOD.as_bytes()).expect("valid");
        assert_eq!(s.answers.len(), 2);
        assert_eq!(s.answers[1].response, repere_items::Response::Skip);
        assert_eq!(s.answers[0].response, repere_items::Response::Choice(2));
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = parse(b"{\n  \"id\": \"x\",\n  oops }").expect_err("bad json");
        match e {
            ParseError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 3)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(b"").expect_err("empty"),
            ParseError::Syntax { .. }
        ));
    }

    #[test]
    fn computed_fields_are_tampering() {
        let body = GOOD.replacen(
            "\"context\"",
            "\"profile\": {\"class\": \"autonome\"},\n\"context\"",
            1,
        );
        assert_eq!(
            parse(body.as_bytes()).expect_err("tampered"),
            ParseError::Tampered {
                field: "profile".into()
            }
        );
        let body = GOOD.replacen(
            "\"response\": \"skip\"",
            "\"response\": \"skip\", \"score\": 1",
            1,
        );
        assert_eq!(
            parse(body.as_bytes()).expect_err("tampered"),
            ParseError::Tampered {
                field: "score".into()
            }
        );
        let body = GOOD.replacen("\"context\"", "\"colour\": 1,\n\"context\"", 1);
        assert!(matches!(
            parse(body.as_bytes()).expect_err("unknown"),
            ParseError::UnknownField { ref field, .. } if field == "colour"
        ));
    }

    #[test]
    fn wrong_shapes_are_reported() {
        let body = GOOD.replacen("{\"choice\": 2}", "{\"choice\": \"deux\"}", 1);
        assert!(matches!(
            parse(body.as_bytes()).expect_err("shape"),
            ParseError::Shape { .. }
        ));
        let body = GOOD.replacen("\"answers\"", "\"answerz\"", 1);
        assert!(matches!(
            parse(body.as_bytes()).expect_err("shape"),
            ParseError::UnknownField { .. }
        ));
    }
}
