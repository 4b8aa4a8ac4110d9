//! Data-driven validator tests.
//!
//! `fixtures/base/` is a small valid data folder. Each folder of
//! `fixtures/broken/<case>/` holds files that replace or add to the base ones (same
//! relative paths) and an `expected.txt`: the exact problems the validator must
//! report, one `file:line:col: message` per line, in the validator's order (sorted
//! by file, line, column). Lines starting with `#` are comments.
//!
//! To add a case: create the folder with the broken file(s), run the test once, and
//! check the reported lines before pasting them into `expected.txt`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use repere_items::{build, read_sources};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn pictures(name: &str) -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/pictures");
    std::fs::read_to_string(dir.join(name)).ok()
}

fn sources_for(case: Option<&Path>) -> Vec<(String, String)> {
    let mut files: BTreeMap<String, String> = read_sources(&fixtures().join("base"))
        .expect("base fixtures readable")
        .into_iter()
        .collect();
    if let Some(dir) = case {
        for (path, text) in read_sources(dir).expect("case readable") {
            files.insert(path, text);
        }
    }
    files.into_iter().collect()
}

#[test]
fn base_fixture_is_valid() {
    let bank = build(&sources_for(None), Some(&pictures)).unwrap_or_else(|p| {
        panic!("base fixture must be valid: {p:#?}");
    });
    assert_eq!(bank.items().len(), 3);
}

#[test]
fn broken_fixtures_report_expected_problems() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("broken"))
        .expect("broken fixtures folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}: missing expected.txt"))
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        assert!(
            !expected.is_empty(),
            "{name}: expected.txt lists no problem"
        );
        let got: Vec<String> = match build(&sources_for(Some(case)), Some(&pictures)) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        };
        if got != expected {
            failures.push(format!(
                "case `{name}`\n  expected:\n    {}\n  got:\n    {}",
                expected.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
