//! The live test's targets (issue "The live test, measured and tuned"), checked on
//! `repere validate --full` with a fixed seed: 3,000 simulated persons from
//! N(−1, 1), each tested twice, in agent and kiosk modes. Numbers, never times.
//!
//! One table, [`TARGETS`]. A target the rules reach today is asserted at its value
//! (`Met`). A target they do not reach yet (`NotYet`) is asserted at a guard, the
//! figure reached today with a small margin, so that no change makes it worse
//! unnoticed; the reason it is not met is written beside it. When such a target
//! becomes met, the test fails and says so: move it to `Met`. The success on the
//! first five items depends on the bank holding items easy enough: it is asserted
//! at every θ where the bank can give it (below), so that it extends by itself to
//! θ = −2.5 once the bank has its very easy items.
//!
//! Also here: the command's errors (exit 2), its folder of plots, and that the
//! figures do not depend on the number of threads.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const PERSONS: &str = "3000";
const SEED: &str = "7";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_repere"))
        .arg("validate")
        .args(args)
        .output()
        .expect("run repere");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(r: &Run) -> Value {
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON on stdout")
}

/// `repere validate --full --json` of a mode, run once for all the tests.
fn full(mode: &str) -> &'static Value {
    static AGENT: OnceLock<Value> = OnceLock::new();
    static KIOSK: OnceLock<Value> = OnceLock::new();
    let cell = if mode == "agent" { &AGENT } else { &KIOSK };
    cell.get_or_init(|| {
        json(&run(&[
            "--mode",
            mode,
            "--persons",
            PERSONS,
            "--seed",
            SEED,
            "--full",
            "--json",
        ]))
    })
}

fn num(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("{} is not a number", path.join(".")))
}

#[derive(Clone, Copy)]
enum Bound {
    AtMost(f64),
    AtLeast(f64),
}

impl Bound {
    fn holds(self, x: f64) -> bool {
        match self {
            Bound::AtMost(t) => x <= t,
            Bound::AtLeast(t) => x >= t,
        }
    }
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::AtMost(t) => write!(f, "≤ {t}"),
            Bound::AtLeast(t) => write!(f, "≥ {t}"),
        }
    }
}

enum Status {
    /// Reached: asserted at the target.
    Met,
    /// Not reached yet: asserted at the guard; why.
    NotYet(Bound, &'static str),
}

struct Target {
    mode: &'static str,
    what: &'static str,
    /// Path in the `--full` JSON.
    path: &'static [&'static str],
    target: Bound,
    status: Status,
}

use Bound::{AtLeast, AtMost};
use Status::{Met, NotYet};

const BANK: &str = "the bank's discrimination (a = 1.2–1.5): classes one logit apart need \
                    SE ≈ 0.30 near a cut, about 20 items, for this accuracy";

/// The issue's targets, both modes.
const TARGETS: &[Target] = &[
    Target {
        mode: "agent",
        what: "median length",
        path: &["main", "median_length"],
        target: AtMost(12.0),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "median length",
        path: &["main", "median_length"],
        target: AtMost(15.0),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "tests at the cap",
        path: &["main", "cap_share"],
        target: AtMost(0.10),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "tests at the cap",
        path: &["main", "cap_share"],
        target: AtMost(0.10),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "RMSE",
        path: &["main", "rmse"],
        target: AtMost(0.40),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "RMSE",
        path: &["main", "rmse"],
        target: AtMost(0.40),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "modality right",
        path: &["main", "modality_accuracy"],
        target: AtLeast(0.90),
        status: NotYet(AtLeast(0.85), BANK),
    },
    Target {
        mode: "kiosk",
        what: "modality right",
        path: &["main", "modality_accuracy"],
        target: AtLeast(0.90),
        status: NotYet(AtLeast(0.85), BANK),
    },
    Target {
        mode: "agent",
        what: "modality on a retest",
        path: &["main", "modality_retest_agreement"],
        target: AtLeast(0.85),
        status: NotYet(AtLeast(0.80), BANK),
    },
    Target {
        mode: "kiosk",
        what: "modality on a retest",
        path: &["main", "modality_retest_agreement"],
        target: AtLeast(0.85),
        status: NotYet(AtLeast(0.79), BANK),
    },
    Target {
        mode: "agent",
        what: "class right (not borderline)",
        path: &["main", "class_accuracy"],
        target: AtLeast(0.85),
        status: NotYet(AtLeast(0.78), BANK),
    },
    Target {
        mode: "kiosk",
        what: "class right (not borderline)",
        path: &["main", "class_accuracy"],
        target: AtLeast(0.85),
        status: NotYet(AtLeast(0.77), BANK),
    },
    Target {
        mode: "agent",
        what: "borderline share",
        path: &["main", "borderline_share"],
        target: AtMost(0.20),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "borderline share",
        path: &["main", "borderline_share"],
        target: AtMost(0.20),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "context: mean change of θ̂",
        path: &["context", "mean_theta_change"],
        target: AtMost(0.15),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "context: mean change of θ̂",
        path: &["context", "mean_theta_change"],
        target: AtMost(0.15),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "guess vs skip: orientations changed",
        path: &["style", "modality_change_share"],
        target: AtMost(0.02),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "guess vs skip: orientations changed",
        path: &["style", "modality_change_share"],
        target: AtMost(0.02),
        status: NotYet(
            AtMost(0.07),
            "a lucky guess changes the items that follow (more choice items at the kiosk, \
             no typed answer); a skip still scores as a wrong answer",
        ),
    },
    Target {
        mode: "agent",
        what: "most exposed item",
        path: &["main", "exposure_max"],
        target: AtMost(0.40),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "most exposed item",
        path: &["main", "exposure_max"],
        target: AtMost(0.40),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "bank never used",
        path: &["main", "never_used_share"],
        target: AtMost(0.15),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "bank never used",
        path: &["main", "never_used_share"],
        target: AtMost(0.15),
        status: Met,
    },
    Target {
        mode: "agent",
        what: "modality right, difficulties off by N(0, 0.5²)",
        path: &["perturbed", "modality_accuracy"],
        target: AtLeast(0.85),
        status: Met,
    },
    Target {
        mode: "kiosk",
        what: "modality right, difficulties off by N(0, 0.5²)",
        path: &["perturbed", "modality_accuracy"],
        target: AtLeast(0.85),
        status: Met,
    },
];

#[test]
fn the_live_test_keeps_its_targets() {
    let mut failures = Vec::new();
    let mut report = String::new();
    for t in TARGETS {
        let x = num(full(t.mode), t.path);
        let line = format!("{:>5} {:<48} {x:.4} (target {})", t.mode, t.what, t.target);
        match t.status {
            Met => {
                if !t.target.holds(x) {
                    failures.push(format!("{line}: target no longer met"));
                }
            }
            NotYet(guard, why) => {
                if t.target.holds(x) {
                    failures.push(format!(
                        "{line}: target now met; move it to `Met` in TARGETS"
                    ));
                } else if !guard.holds(x) {
                    failures.push(format!("{line}: worse than the guard {guard} ({why})"));
                }
            }
        }
        report.push_str(&line);
        report.push('\n');
    }
    println!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// θ values of the grid where the bank can keep the first five items at 0.75: in
/// every domain, at least two items the mode can show with a success probability of
/// 0.75 or more at θ (the Beginner rule's floor of 0.8 is predicted half an SE
/// lower, so fewer would not do).
fn reachable_thetas(mode: repere_items::assessment::Mode) -> Vec<f64> {
    let bank = repere_items::embedded().expect("the embedded bank");
    let assessor = repere_items::assessment::Assessor::new(&bank).expect("assessor");
    let eb = assessor.engine_bank();
    let unavailable = repere_items::engine_requirements(assessor.unavailable(mode));
    repere_items::validate::THETA_GRID
        .iter()
        .copied()
        .filter(|&theta| {
            (0..eb.domains().len()).all(|d| {
                (0..eb.len())
                    .filter(|&i| eb.domain_of(i) == d)
                    .filter(|&i| eb.items()[i].requires.compatible_with(unavailable))
                    .filter(|&i| eb.items()[i].item.success_prob(theta) >= 0.75)
                    .count()
                    >= 2
            })
        })
        .collect()
}

#[test]
fn the_first_five_items_succeed_where_the_bank_allows() {
    use repere_items::assessment::Mode;
    for (mode, m) in [("agent", Mode::Agent), ("kiosk", Mode::Kiosk)] {
        let reachable = reachable_thetas(m);
        // The 2.0.0 bank reaches θ ≥ −1.5 (at θ = −2 the floor items of démarches
        // and safety succeed 0.73); the target asks θ ≥ −2.5.
        assert!(reachable.contains(&-1.5), "{mode}: {reachable:?}");
        assert!(!reachable.contains(&-2.0), "{mode}: {reachable:?}");
        let rates = full(mode)["grid"]["first5_success"]
            .as_array()
            .expect("first5_success");
        assert_eq!(rates.len(), 9);
        for r in rates {
            let theta = num(r, &["theta"]);
            let rate = num(r, &["rate"]);
            assert!(num(r, &["persons"]) > 200.0);
            if theta >= -2.5 && reachable.contains(&theta) {
                assert!(rate >= 0.75, "{mode}: θ = {theta}: {rate}");
            }
            // Below, the bank decides: guards at today's figures.
            // Today 0.62 and 0.76: at θ = −2.5 the easiest items of démarches and
            // safety (a = 1.0, b = −3) succeed 0.62 of the time, so five items
            // cannot average 0.75 there whatever the rule.
            if theta == -2.5 {
                assert!(rate >= 0.59, "{mode}: θ = −2.5: {rate}");
            }
            if theta == -2.0 {
                assert!(rate >= 0.74, "{mode}: θ = −2: {rate}");
            }
        }
    }
}

#[test]
fn the_report_has_the_fields_the_issue_names() {
    let main = &full("agent")["main"];
    for key in [
        "persons",
        "mode",
        "median_length",
        "p90_length",
        "cap_share",
        "rmse",
        "bias",
        "class_accuracy",
        "class_retest_agreement",
        "class_kappa",
        "modality_accuracy",
        "modality_retest_agreement",
        "borderline_share",
        "domain_level_accuracy",
        "skill_status_accuracy",
        "first5_success",
        "exposure_max",
        "never_used_share",
        "seconds",
    ] {
        assert!(main.get(key).is_some(), "missing `{key}`");
    }
    assert_eq!(main["persons"], 3000);
    assert_eq!(main["mode"], "agent");
    assert_eq!(
        main["domain_level_accuracy"]
            .as_object()
            .map(serde_json::Map::len),
        Some(5)
    );
    // Tests have 8 to 20 items (`min_items`, the cap; one item per domain is
    // fewer): what the welcome screen says.
    let hist = main["length_histogram"].as_array().expect("histogram");
    let lengths: Vec<usize> = hist
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
        .map(|(l, _)| l)
        .collect();
    assert!(
        lengths.first() >= Some(&8) && lengths.last() <= Some(&20),
        "{lengths:?}"
    );
    // κ below raw agreement; the context run is the same persons, the same
    // tests (one prior for everyone, and these two contexts exclude nothing).
    assert!(num(main, &["class_kappa"]) < num(main, &["class_retest_agreement"]));
    assert_eq!(
        num(full("agent"), &["context", "mean_abs_theta_change"]),
        0.0
    );
}

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repere-validate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_figures_do_not_depend_on_threads_and_the_folder_holds_the_plots() {
    let dir = folder("out");
    let out = dir.display().to_string();
    let base = ["--persons", "120", "--seed", "3", "--json"];
    let one = json(&run(
        &[&base[..], &["--threads", "1", "--out", &out]].concat()
    ));
    let three = json(&run(&[&base[..], &["--threads", "3"]].concat()));
    let strip = |mut v: Value| {
        v["seconds"] = Value::Null;
        v
    };
    assert_eq!(strip(one.clone()), strip(three));
    for f in [
        "report.json",
        "length.svg",
        "classes.svg",
        "by_theta.svg",
        "exposure.svg",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        if f.ends_with(".svg") {
            assert!(
                text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
                "{f}"
            );
        }
    }
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("read"))
            .expect("json");
    assert_eq!(strip(written), strip(one));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_options_exit_2_with_one_message() {
    for (args, says) in [
        (&["--persons", "0"][..], "--persons"),
        (&["--population", "normal:-1,0"][..], "--population"),
        (&["--context", "equipment"][..], "--context"),
        (&["--context", "equipment=boat"][..], "context"),
        (&["--perturb-b=-1"][..], "perturb"),
        (&["--bank", "/nonexistent/folder"][..], "--bank"),
        (
            &["--calibrate-exposure", "1.5", "--persons", "10"][..],
            "cap",
        ),
    ] {
        let r = run(args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn the_answers_and_persons_files_hold_every_test() {
    let dir = folder("csv");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let answers = dir.join("answers.csv");
    let persons = dir.join("persons.csv");
    let report = json(&run(&[
        "--persons",
        "40",
        "--seed",
        "5",
        "--json",
        "--answers-csv",
        &answers.display().to_string(),
        "--persons-csv",
        &persons.display().to_string(),
    ]));
    let persons = std::fs::read_to_string(&persons).expect("persons.csv");
    let mut lines = persons.lines();
    let header: Vec<&str> = lines.next().expect("header").split(';').collect();
    assert_eq!(header[0], "person");
    let length_col = header.iter().position(|h| *h == "length").expect("length");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert_eq!(rows.len(), 40);
    assert!(rows.iter().all(|r| r.len() == header.len()));
    // The first test's lengths: their histogram is the report's.
    let hist = report["length_histogram"].as_array().expect("histogram");
    let mut counted = vec![0u64; hist.len()];
    for r in &rows {
        let l: usize = r[length_col].parse().expect("a length");
        counted[l] += 1;
    }
    let reported: Vec<u64> = hist.iter().map(|n| n.as_u64().unwrap_or(0)).collect();
    assert_eq!(counted, reported);
    // One answer line per item given, for the first test (`t1`) as for the retest.
    let answers = std::fs::read_to_string(&answers).expect("answers.csv");
    let mut lines = answers.lines();
    assert_eq!(lines.next(), Some("person;item;score"));
    let mut per_test: std::collections::HashMap<String, usize> = Default::default();
    for l in lines {
        let f: Vec<&str> = l.split(';').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert!(f[2].parse::<u8>().is_ok(), "{l}");
        *per_test.entry(f[0].to_string()).or_default() += 1;
    }
    assert_eq!(per_test.len(), 80);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            per_test.get(&format!("p{i}t1")).copied(),
            Some(r[length_col].parse::<usize>().expect("a length")),
            "person {i}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
