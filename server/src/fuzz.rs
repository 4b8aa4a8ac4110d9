//! Fuzz targets of the parsers the server runs on outside input (`cargo xtask
//! fuzz`; see the `repere-fuzz` crate). Each runs for `REPERE_FUZZ_SECONDS`
//! (default 60) and is `#[ignore]`d: the test suite keeps only the regression
//! tests of what they found. The HTTP bodies are fuzzed through the real server
//! (`tests/tests/fuzz_http.rs`).
//!
//! - `answer_log`: the body of `POST /api/results` (and of a screening's result),
//!   parsed then, when it parses, assessed as the server does (versions, items,
//!   responses checked, the adaptive test replayed, the profile computed).
//! - `item_files`: the référentiel, context and item files (`items check`, the
//!   build, `calibrate --write`), mutated one at a time among the real ones.
//! - `compact_bank`: the compact bank the app decodes.
//! - `calibration_csv`: `repere calibrate ANSWERS.csv`.

use proptest::prelude::*;
use serde_json::Value;

use repere_fuzz::{bytes_mutated, json_mutated, lines_mutated};

use crate::bench_cmd::{synthetic_submission, Rng};

/// Field names of an answer log and of what the server refuses in one.
const LOG_KEYS: &[&str] = &[
    "id",
    "referentiel",
    "version",
    "bank_version",
    "engine_version",
    "seed",
    "context",
    "question",
    "answer",
    "answers",
    "item",
    "response",
    "elapsed_ms",
    "kind",
    "choice",
    "choices",
    "skip",
    "started_at",
    "finished_at",
    "mode",
    "profile",
    "theta",
    "code",
];

/// Valid answer logs of the live bank: `n` tests with random answers.
fn valid_logs(n: u64) -> Vec<Value> {
    let assessor = crate::outcome::assessor().expect("the embedded bank");
    let mut rng = Rng(0x0DD_BA11);
    (0..n)
        .map(|k| {
            let log = synthetic_submission(assessor, &mut rng, k).expect("a synthetic log");
            serde_json::to_value(&log).expect("json")
        })
        .collect()
}

/// What the server does with a submitted body: parse, then assess. Errors are
/// answers (400, 422); a panic or an error without its place is a failure.
pub(crate) fn check_answer_log(body: &[u8]) -> Result<(), String> {
    match crate::submission::parse(body) {
        Ok(log) => {
            let _ = crate::outcome::compute_outcome(&log);
            Ok(())
        }
        // serde_json's column is 0 right after a line break (the line's start).
        Err(crate::submission::ParseError::Syntax {
            line: 0, column, ..
        }) => Err(format!("syntax error without its line (column {column})")),
        Err(_) => Ok(()),
    }
}

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_answer_log() {
    let logs = valid_logs(24);
    let bytes: Vec<Vec<u8>> = logs
        .iter()
        .map(|v| serde_json::to_vec(v).expect("json"))
        .collect();
    let strategy = prop_oneof![
        3 => json_mutated(logs, LOG_KEYS).prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        2 => bytes_mutated(bytes),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ];
    repere_fuzz::run("answer_log", strategy, |body| check_answer_log(&body));
}

/// Builds the bank from the real sources with source `index` replaced by `text`;
/// every problem must name a file of the sources and a line and column from 1.
pub(crate) fn check_item_files(
    sources: &[(String, String)],
    index: usize,
    text: String,
) -> Result<(), String> {
    let mut sources = sources.to_vec();
    if let Some(s) = sources.get_mut(index) {
        s.1 = text;
    }
    match repere_items::build(&sources, None) {
        Ok(_) => Ok(()),
        Err(problems) => {
            if problems.is_empty() {
                return Err("refused without a problem".into());
            }
            for p in &problems {
                if p.file.is_empty() || p.line == 0 || p.col == 0 {
                    return Err(format!("a problem without its place: {p}"));
                }
            }
            Ok(())
        }
    }
}

/// The sources a fuzz case works on: the référentiel, the context and the item
/// files of two skills (the whole bank is slow to validate for each case).
fn item_sources() -> Vec<(String, String)> {
    let all = repere_items::embedded_sources();
    let mut bank_files = 0;
    all.into_iter()
        .filter(|(path, _)| {
            if path.starts_with(repere_items::BANK_DIR) {
                bank_files += 1;
                bank_files <= 2
            } else {
                true
            }
        })
        .collect()
}

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_item_files() {
    let sources = item_sources();
    let texts: Vec<String> = sources.iter().map(|(_, t)| t.clone()).collect();
    let bytes: Vec<Vec<u8>> = texts.iter().map(|t| t.clone().into_bytes()).collect();
    let n = sources.len();
    let strategy = prop_oneof![
        lines_mutated(texts),
        (0..n, bytes_mutated(bytes))
            .prop_map(|(i, b)| (i, String::from_utf8_lossy(&b).into_owned())),
    ];
    repere_fuzz::run("item_files", strategy, |(i, text)| {
        check_item_files(&sources, i, text)
    });
}

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_compact_bank() {
    let bank = crate::outcome::bank().expect("the embedded bank");
    let compact = bank.for_delivery().to_compact().expect("compact");
    repere_fuzz::run("compact_bank", bytes_mutated(vec![compact]), |bytes| {
        let _ = repere_items::Bank::from_compact(&bytes);
        Ok(())
    });
}

/// `repere calibrate` on a CSV: every refusal says `file:line:` (or `file:`).
pub(crate) fn check_csv(bytes: Vec<u8>) -> Result<(), String> {
    let bank = crate::outcome::bank().map_err(|e| e.to_string())?;
    match crate::calibrate::parse_csv("answers.csv".into(), bytes, bank, false) {
        Ok(_) => Ok(()),
        Err(e) => {
            let m = e.to_string();
            if m.starts_with("answers.csv:") {
                Ok(())
            } else {
                Err(format!("a refusal without its place: {m}"))
            }
        }
    }
}

fn csv_field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}\\.[a-z]{1,8}\\.[0-9]{1,2}",
        "[0-9]{1,3}",
        Just(String::new()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("\"".to_string()),
        Just("1.5".to_string()),
        ".{0,10}",
    ]
}

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_calibration_csv() {
    let bank = crate::outcome::bank().expect("the embedded bank");
    let ids: Vec<String> = bank.items().iter().map(|i| i.id.clone()).collect();
    let valid: String = std::iter::once("person;item;score".to_string())
        .chain(
            ids.iter()
                .take(40)
                .enumerate()
                .map(|(k, id)| format!("p{};{id};{}", k % 7, k % 2)),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let structured = (
        prop::sample::select(vec![";", ","]),
        prop::sample::subsequence(vec!["person", "item", "score", "when"], 0..=4).prop_shuffle(),
        prop::collection::vec(
            (
                "[a-z0-9]{0,4}",
                prop_oneof![prop::sample::select(ids), csv_field()],
                csv_field(),
            ),
            0..40,
        ),
    )
        .prop_map(|(sep, cols, rows)| {
            let mut text = cols.join(sep);
            for (person, item, score) in rows {
                text.push('\n');
                let fields: Vec<&str> = cols
                    .iter()
                    .map(|c| match *c {
                        "person" => person.as_str(),
                        "item" => item.as_str(),
                        "score" => score.as_str(),
                        _ => "x",
                    })
                    .collect();
                text.push_str(&fields.join(sep));
            }
            text.into_bytes()
        });
    let strategy = prop_oneof![
        structured,
        lines_mutated(vec![valid.clone()]).prop_map(|(_, t)| t.into_bytes()),
        bytes_mutated(vec![valid.into_bytes()]),
    ];
    repere_fuzz::run("calibration_csv", strategy, check_csv);
}

/// The demo's file of mediation places, in the national schema.
const DEMO_PLACES: &str = include_str!("../demo/lieux-demo.csv");

/// `repere places import`'s reader on `bytes`: no panic; a file it takes has
/// each refused or trimmed row named by a line of the file; a refusal says what.
pub(crate) fn check_places(bytes: Vec<u8>) -> Result<(), String> {
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    match repere_items::places::read::read(&bytes) {
        Ok(report) => {
            if report.places.len() > report.rows {
                return Err(format!(
                    "{} places from {} rows",
                    report.places.len(),
                    report.rows
                ));
            }
            match report
                .problems
                .iter()
                .find(|p| report.format != "json" && (p.line == 0 || p.line > lines))
            {
                Some(p) => Err(format!("a problem at line {} of {lines}", p.line)),
                None => Ok(()),
            }
        }
        Err(e) if e.to_string().trim().is_empty() => Err("a refusal that says nothing".into()),
        Err(_) => Ok(()),
    }
}

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_places_file() {
    let json = r#"[{"id":"a","nom":"Lieu","commune":"Villefictive","code_postal":"99999","adresse":"1 rue","latitude":46.8,"longitude":2.4,"services":["Prendre en main un smartphone ou une tablette"]}]"#;
    let strategy = prop_oneof![
        lines_mutated(vec![DEMO_PLACES.to_string()]).prop_map(|(_, t)| t.into_bytes()),
        bytes_mutated(vec![
            DEMO_PLACES.as_bytes().to_vec(),
            json.as_bytes().to_vec()
        ]),
        prop::collection::vec(any::<u8>(), 0..200),
    ];
    repere_fuzz::run("places_file", strategy, check_places);
}

#[test]
fn the_demo_places_pass_the_places_check() {
    assert_eq!(check_places(DEMO_PLACES.as_bytes().to_vec()), Ok(()));
    assert_eq!(check_places(Vec::new()), Ok(()));
    assert_eq!(check_places(b"id,nom\n\xff\xfe,\"".to_vec()), Ok(()));
}

#[test]
fn deeply_nested_input_is_refused_with_its_place_not_a_stack_overflow() {
    let sources = item_sources();
    for depth in [1_000usize, 100_000] {
        for text in [
            format!("x = {}", "[".repeat(depth)),
            format!("x = {}", "{a=".repeat(depth)),
        ] {
            let mut changed = sources.clone();
            changed[0].1 = text;
            let Err(problems) = repere_items::build(&changed, None) else {
                panic!("a nesting {depth} deep is refused");
            };
            assert!(
                problems.iter().all(|p| p.line >= 1 && p.col >= 1),
                "{problems:?}"
            );
            assert_eq!(check_item_files(&sources, 0, changed[0].1.clone()), Ok(()));
        }
        let body = "[".repeat(depth);
        assert!(crate::submission::parse(body.as_bytes()).is_err());
        assert_eq!(check_answer_log(body.as_bytes()), Ok(()));
    }
}
