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
    write_bank_in_domains(dir, n, 0)
}

/// The same bank with its items dealt in turn to `domains` domains `D1`, `D2`… (none:
/// no `domain` field).
fn write_bank_in_domains(dir: &std::path::Path, n: usize, domains: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            let a = 0.7 + (i * 37 % 100) as f64 / 70.0;
            let b = -3.0 + 6.0 * ((i * 61 % n) as f64 / n as f64);
            let c = (i % 5) as f64 * 0.05;
            if domains == 0 {
                format!(r#"{{"a": {a}, "b": {b}, "c": {c}}}"#)
            } else {
                let d = i % domains + 1;
                format!(r#"{{"a": {a}, "b": {b}, "c": {c}, "domain": "D{d}"}}"#)
            }
        })
        .collect();
    let path = dir.join("bank.json");
    std::fs::write(&path, format!("[{}]", items.join(",\n"))).expect("write bank");
    path.display().to_string()
}

fn json(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
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
        (
            r#"[{"a":1,"b":0,"domain":3}]"#,
            "item 0: field domain: must be a non-empty string",
        ),
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

const RULES_TOML: &str = r#"
[estimator]
method = "mle"

[select]
ranking = "kullback_leibler"
randomesque = 3
filters = [{ filter = "beginner", schedule = [{ until = 5, min_success = 0.8 }], then = 0.65 }]

[stop]
max_items = 12
se_below = 0.3
"#;

const RULES_JSON: &str = r#"{
  "estimator": { "method": "mle" },
  "select": {
    "ranking": "kullback_leibler",
    "randomesque": 3,
    "filters": [
      { "filter": "beginner", "schedule": [{ "until": 5, "min_success": 0.8 }], "then": 0.65 }
    ]
  },
  "stop": { "max_items": 12, "se_below": 0.3 }
}"#;

#[test]
fn a_config_file_gives_every_rule() {
    let dir = folder("config");
    let bank = write_bank(&dir, 200);
    let toml_path = dir.join("rules.toml");
    let json_path = dir.join("rules.json");
    std::fs::write(&toml_path, RULES_TOML).expect("write");
    std::fs::write(&json_path, RULES_JSON).expect("write");
    let with = |path: &std::path::Path| {
        json(&run(&[
            "--bank",
            &bank,
            "--examinees",
            "200",
            "--seed",
            "4",
            "--config",
            &path.display().to_string(),
            "--json",
        ]))
    };
    let t = with(&toml_path);
    assert_eq!(t["select"], "kl+beginner");
    assert_eq!(t["estimate"], "mle");
    assert_eq!(t["max_items"], 12);
    assert_eq!(t["randomesque"], 3);
    assert!(t["mean_length"].as_f64().is_some_and(|l| l <= 12.0), "{t}");
    // The same rules in JSON: the same simulation.
    let j = with(&json_path);
    assert_eq!(j["rmse"], t["rmse"]);
    assert_eq!(j["mean_length"], t["mean_length"]);
    // The flags' defaults would have run another test (MFI, EAP, 30 items).
    let f = json(&run(&[
        "--bank",
        &bank,
        "--examinees",
        "200",
        "--seed",
        "4",
        "--json",
    ]));
    assert_eq!(
        (f["select"].as_str(), f["estimate"].as_str()),
        (Some("mfi"), Some("eap"))
    );
    assert_ne!(f["rmse"], t["rmse"]);
    // An empty file gives the engine's defaults, which are the flags' defaults (start
    // at 0, MFI, EAP, SE < 0.3 or 30 items): the same simulation.
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").expect("write");
    let e = with(&empty);
    assert_eq!(e["rmse"], f["rmse"]);
    assert_eq!(e["mean_length"], f["mean_length"]);
}

#[test]
fn config_file_mistakes_name_the_place_and_the_field() {
    let dir = folder("config-bad");
    let bank = write_bank(&dir, 30);
    let cases = [
        (
            "a.toml",
            "[stop]\nmax_item = 3\n",
            ":2:1: field stop.max_item: unknown field `max_item`, expected one of",
        ),
        (
            "b.toml",
            "[stop]\nmax_items = \"x\"\n",
            ":2:13: field stop.max_items: invalid type: string \"x\", expected usize",
        ),
        (
            "c.toml",
            "[select]\nfilters = [{ filter = \"beginer\" }]\n",
            ":2:23: field select.filters[0].filter: unknown variant `beginer`",
        ),
        ("d.toml", "[stop\n", ":1:6: not valid TOML: unclosed table"),
        (
            "e.json",
            "{\n  \"stop\": {\n    \"max_items\": \"x\"\n  }\n}\n",
            ":3:20: field stop.max_items: invalid type: string \"x\", expected usize",
        ),
        (
            "f.json",
            "{\n  \"stop\": {\n    \"combine\": \"every\"\n  }\n}",
            ":3:22: field stop.combine: unknown variant `every`, expected `any` or `all`",
        ),
        (
            "g.json",
            "{\n  \"stop\": { \"max_items\": 3, }\n}",
            ":2:29: not valid JSON: trailing comma",
        ),
        (
            "h.json",
            r#"{"select": {"filters": [{"filter": "content_balancing", "minimum": {"D9": 2}}]}}"#,
            ": session configuration: select: unknown domain `D9`",
        ),
    ];
    for (file, text, expected) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("write");
        let p = path.display().to_string();
        let err = refused(&["--bank", &bank, "--config", &p]);
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
        assert!(err.contains(&format!("{p}{expected}")), "{file}: {err}");
    }
    // In a section chosen by a tag (start rule, estimator, filter), serde reads the
    // whole section before it knows its fields: the place given is the section's end,
    // the field is named in the message.
    let path = dir.join("i.json");
    std::fs::write(
        &path,
        "{\n  \"start\": { \"rule\": \"fixed_theta\", \"theta\": 0, \"sigma\": 1 }\n}",
    )
    .expect("write");
    let p = path.display().to_string();
    let err = refused(&["--bank", &bank, "--config", &p]);
    assert!(err.contains(&format!("{p}:")), "{err}");
    assert!(
        err.contains("field start: unknown field `sigma`, expected `theta` or `sd`"),
        "{err}"
    );
    let err = refused(&[
        "--bank",
        &bank,
        "--config",
        &dir.join("none.toml").display().to_string(),
    ]);
    assert!(err.contains("none.toml: cannot read"), "{err}");
    // The file gives every rule: the rule flags cannot be mixed with it.
    let p = dir.join("a.toml").display().to_string();
    for flag in [
        ["--max-items", "5"],
        ["--stop-se", "0.4"],
        ["--select", "kl"],
        ["--estimate", "mle"],
    ] {
        let r = run(&["--bank", &bank, "--config", &p, flag[0], flag[1]]);
        assert_eq!(r.code, Some(2), "{flag:?}: {}", r.stderr);
        assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
    }
}

#[test]
fn sympson_hetter_from_the_command_line_holds_its_cap() {
    let dir = folder("sh");
    let bank = write_bank(&dir, 150);
    let out = dir.join("out");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "--bank",
            bank.as_str(),
            "--examinees",
            "2000",
            "--seed",
            "11",
            "--max-items",
            "15",
            "--json",
        ];
        a.extend_from_slice(extra);
        json(&run(&a))
    };
    let free = args(&[]);
    let out_s = out.display().to_string();
    let v = args(&["--sympson-hetter", "0.25", "--out", &out_s]);
    assert!(
        free["max_exposure"].as_f64().is_some_and(|m| m > 0.9),
        "{free}"
    );
    let sh = &v["sympson_hetter"];
    assert_eq!(sh["r_max"], 0.25);
    assert_eq!(sh["admissible"], true, "{v}");
    let margin = sh["margin"].as_f64().unwrap_or(f64::NAN);
    // 3.5 standard errors for 2,000 examinees and 10 × 2,000 pooled.
    let expected = 3.5 * (0.25f64 * 0.75 * (1.0 / 2000.0 + 1.0 / 20_000.0)).sqrt();
    assert!((margin - expected).abs() < 1e-12, "{margin}");
    assert!(
        sh["calibration_max_exposure"]
            .as_f64()
            .is_some_and(|m| m <= 0.25),
        "{v}"
    );
    assert_eq!(sh["calibration_examinees"], 21 * 2000);
    // The simulation itself (seed 11, used by no calibration run) stays under the cap.
    let max = v["max_exposure"].as_f64().unwrap_or(f64::NAN);
    assert!(max <= 0.25 && max > 0.15, "{v}");
    let k: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("sympson_hetter.json")).expect("read"),
    )
    .expect("JSON");
    assert!(
        k["parameters"]["k"]
            .as_object()
            .is_some_and(|m| !m.is_empty()),
        "{k}"
    );
    // Bad caps.
    assert!(refused(&["--bank", &bank, "--sympson-hetter", "1.5"]).contains("--sympson-hetter"));
    let err = refused(&[
        "--bank",
        &bank,
        "--examinees",
        "50",
        "--sympson-hetter",
        "0.02",
    ]);
    assert!(err.contains("simulate more examinees"), "{err}");
}

#[test]
fn randomesque_and_domain_minimums_from_the_command_line() {
    let dir = folder("rules-flags");
    let bank = write_bank_in_domains(&dir, 200, 4);
    let base = [
        "--bank",
        bank.as_str(),
        "--examinees",
        "300",
        "--stop-se",
        "0.5",
        "--max-items",
        "30",
        "--json",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        json(&run(&a))
    };
    let plain = with(&[]);
    // Everyone starts at θ = 0 with the same most informative item.
    assert_eq!(plain["max_exposure"], 1.0);
    let r = with(&["--randomesque", "5"]);
    assert_eq!(r["randomesque"], 5);
    assert!(r["max_exposure"].as_f64().is_some_and(|m| m < 0.75), "{r}");
    // SE < 0.5 comes after a few items; four domains of four items each take 16.
    let out = dir.join("out");
    let out_s = out.display().to_string();
    let d = with(&["--min-per-domain", "4", "--out", &out_s]);
    assert_eq!(d["select"], "mfi+content");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("read"))
            .expect("JSON");
    assert!(
        report["min_length"].as_u64().is_some_and(|l| l >= 16),
        "{}",
        report["min_length"]
    );
    assert!(
        plain["mean_length"].as_f64().is_some_and(|l| l < 12.0),
        "{plain}"
    );
    assert!(refused(&["--bank", &bank, "--randomesque", "0"]).contains("--randomesque"));
    assert!(refused(&["--bank", &bank, "--min-per-domain", "0"]).contains("--min-per-domain"));
}

#[test]
fn help_documents_the_rules() {
    let r = run(&["--help"]);
    assert_eq!(r.code, Some(0));
    for needle in [
        "--config <FILE>",
        "--randomesque <K>",
        "--min-per-domain <N>",
        "--sympson-hetter <R_MAX>",
        "FILE:LINE:COLUMN",
        "kullback_leibler",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
}
