//! Black-box tests of `repere simulate`: the built binary on a bank file, its JSON
//! summary and output folder; exit code 2 with one message for bad input.

use std::path::PathBuf;
use std::process::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_repere"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("run repere");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh folder for this test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repere-simulate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

/// A 3PL bank of `n` items with a deterministic spread of parameters.
fn write_bank(dir: &std::path::Path, n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            let a = 0.7 + (i * 37 % 100) as f64 / 70.0;
            let b = -3.0 + 6.0 * ((i * 61 % n) as f64 / n as f64);
            let c = (i % 5) as f64 * 0.05;
            format!(r#"{{"a": {a}, "b": {b}, "c": {c}}}"#)
        })
        .collect();
    let path = dir.join("bank.json");
    std::fs::write(&path, format!("[{}]", items.join(",\n"))).expect("write bank");
    path.display().to_string()
}

#[test]
fn json_summary_is_complete_and_sane() {
    let dir = folder("json");
    let bank = write_bank(&dir, 300);
    let out = dir.join("out");
    let out_s = out.display().to_string();
    let r = run(&[
        "--bank",
        &bank,
        "--examinees",
        "400",
        "--seed",
        "3",
        "--select",
        "mfi",
        "--estimate",
        "mle",
        "--stop-se",
        "0.3",
        "--max-items",
        "30",
        "--json",
        "--out",
        &out_s,
    ]);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "one JSON object: {}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("field {k}: {v}"));
    assert_eq!(num("examinees"), 400.0);
    let rmse = num("rmse");
    assert!(rmse > 0.15 && rmse < 0.5, "rmse {rmse}");
    assert!(num("bias").abs() < 0.15);
    let len = num("mean_length");
    assert!((5.0..=30.0).contains(&len), "mean length {len}");
    let exp = num("max_exposure");
    assert!(exp > 0.0 && exp <= 1.0);
    assert!(num("seconds") > 0.0 && num("seconds") < 60.0);
    // Files for the analyst.
    for f in [
        "report.json",
        "conditional.csv",
        "conditional_se.svg",
        "exposure.svg",
    ] {
        let text = std::fs::read_to_string(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!text.is_empty(), "{f}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("read"))
            .expect("report JSON");
    assert_eq!(report["rmse"].as_f64(), Some(rmse));
    assert_eq!(report["exposure"].as_array().map(Vec::len), Some(300));

    // Reproducible, and independent of the number of threads.
    let again = run(&[
        "--bank",
        &bank,
        "--examinees",
        "400",
        "--seed",
        "3",
        "--estimate",
        "mle",
        "--json",
        "--threads",
        "1",
    ]);
    let w: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(w["rmse"], v["rmse"]);
    assert_eq!(w["mean_length"], v["mean_length"]);
}

#[test]
fn every_rule_runs() {
    let dir = folder("rules");
    let bank = write_bank(&dir, 150);
    for select in ["mfi", "kl", "beginner"] {
        for estimate in ["eap", "mle"] {
            let r = run(&[
                "--bank",
                &bank,
                "--examinees",
                "60",
                "--select",
                select,
                "--estimate",
                estimate,
                "--max-items",
                "15",
                "--json",
            ]);
            assert_eq!(r.code, Some(0), "{select} {estimate}: {}", r.stderr);
            let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
            assert_eq!(v["select"], select);
            assert!(v["mean_length"].as_f64().is_some_and(|l| l <= 15.0));
        }
    }
}

/// Bad input: exit code 2, nothing on stdout, one line on stderr naming the problem.
fn refused(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, Some(2), "stdout: {} stderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "stdout: {}", r.stdout);
    r.stderr
}

#[test]
fn a_malformed_bank_is_refused_with_one_message() {
    let dir = folder("bad");
    let path = dir.join("BANK.json");
    let p = path.display().to_string();
    let cases = [
        (
            r#"[{"a":1,"b":0},{"a":1,"b":1},{"a":-0.5,"b":0}]"#,
            "item 2: field a: discrimination must be > 0",
        ),
        (r#"[{"a":1}]"#, "item 0: field b: missing"),
        (r#"[{"a":1,"b":"x"}]"#, "item 0: field b: must be a number"),
        (
            r#"[{"a":1,"b":0,"c":1.5}]"#,
            "item 0: field c: lower asymptote",
        ),
        (r#"[{"a":1,"b":0,"e":1}]"#, "item 0: unknown field `e`"),
        (r#"{"a":1}"#, "expected a JSON array"),
        (r#"[]"#, "no item"),
        (r#"[{"a":1,"b":0},"#, "not valid JSON"),
    ];
    for (text, expected) in cases {
        std::fs::write(&path, text).expect("write");
        let err = refused(&["--bank", &p, "--examinees", "5", "--json"]);
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
        assert!(err.contains(&format!("{p}: ")), "names the file: {err}");
        assert!(err.contains(expected), "{text}: {err}");
    }
    let err = refused(&["--bank", &dir.join("missing.json").display().to_string()]);
    assert!(err.contains("missing.json: cannot read"), "{err}");
}

#[test]
fn bad_arguments_exit_2() {
    let dir = folder("args");
    let bank = write_bank(&dir, 20);
    assert!(refused(&["--bank", &bank, "--stop-se", "0"]).contains("--stop-se"));
    assert!(refused(&["--bank", &bank, "--examinees", "0"]).contains("--examinees"));
    assert!(refused(&["--bank", &bank, "--max-items", "0"]).contains("--max-items"));
    let r = run(&["--bank", &bank, "--select", "best"]);
    assert_eq!(r.code, Some(2));
}
