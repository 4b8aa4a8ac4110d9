//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every fuzz target for a bounded
//! time (default 60 s each), one after the other, in release builds.
//!
//! The targets are `#[ignore]`d tests (the test suite keeps only the regression
//! tests of what they found): the server's parsers in `server/src/fuzz.rs`, the
//! HTTP bodies through the real server in `tests/tests/fuzz_http.rs`; the harness
//! is the `repere-fuzz` crate. A target that fails prints its shrunk input and the
//! seed that replays it (`REPERE_FUZZ_SEED`); one that does not end within its
//! time and a margin is stopped and reported as hung.

use std::time::Duration;

use crate::run::Cmd;
use crate::{root, step, target_dir};

/// A fuzz target: its name and the cargo test that runs it.
struct Target {
    name: &'static str,
    package: &'static str,
    /// `--bin repere` or `--test fuzz_http`.
    which: [&'static str; 2],
    test: &'static str,
}

const TARGETS: [Target; 6] = [
    Target {
        name: "answer_log",
        package: "repere-server",
        which: ["--bin", "repere"],
        test: "fuzz::fuzz_answer_log",
    },
    Target {
        name: "item_files",
        package: "repere-server",
        which: ["--bin", "repere"],
        test: "fuzz::fuzz_item_files",
    },
    Target {
        name: "compact_bank",
        package: "repere-server",
        which: ["--bin", "repere"],
        test: "fuzz::fuzz_compact_bank",
    },
    Target {
        name: "calibration_csv",
        package: "repere-server",
        which: ["--bin", "repere"],
        test: "fuzz::fuzz_calibration_csv",
    },
    Target {
        name: "places_file",
        package: "repere-server",
        which: ["--bin", "repere"],
        test: "fuzz::fuzz_places_file",
    },
    Target {
        name: "http_bodies",
        package: "repere-e2e",
        which: ["--test", "fuzz_http"],
        test: "fuzz_http_bodies",
    },
];

/// Time a target may take beyond its fuzzing time (start, shrinking a failure).
const MARGIN: Duration = Duration::from_secs(300);

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut names: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|s| *s > 0)
                    .ok_or("--seconds takes a whole number of seconds above 0")?;
            }
            name if TARGETS.iter().any(|t| t.name == name) => names.push(name),
            other => {
                let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                return Err(format!(
                    "unknown fuzz option or target `{other}` (targets: {})",
                    known.join(", ")
                ));
            }
        }
    }
    let chosen: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name))
        .collect();

    step("Building the fuzz targets and the server (release)");
    Cmd::new("cargo")
        .args([
            "build",
            "--release",
            "--package",
            "repere-server",
            "--bin",
            "repere",
        ])
        .current_dir(root())
        .run()?;
    for package in ["repere-server", "repere-e2e"] {
        if chosen.iter().any(|t| t.package == package) {
            Cmd::new("cargo")
                .args(["test", "--release", "--no-run", "--package", package])
                .current_dir(root())
                .run()?;
        }
    }
    let server = target_dir().join("release").join("repere");
    let mut failed = Vec::new();
    for t in &chosen {
        step(&format!("Fuzzing `{}` for {seconds} s", t.name));
        let res = Cmd::new("cargo")
            .args(["test", "--release", "--package", t.package])
            .args(t.which)
            .args([t.test, "--", "--ignored", "--exact", "--nocapture"])
            .current_dir(root())
            .env("REPERE_FUZZ_SECONDS", seconds.to_string())
            .env("REPERE_BIN", &server)
            .run_within(Duration::from_secs(seconds) + MARGIN);
        if let Err(e) = res {
            eprintln!("fuzz target `{}`: {e}", t.name);
            failed.push(t.name);
        }
    }
    if failed.is_empty() {
        println!(
            "\nxtask fuzz: {} target(s), {seconds} s each, no failure",
            chosen.len()
        );
        Ok(())
    } else {
        Err(format!("fuzz target(s) failed: {}", failed.join(", ")))
    }
}
