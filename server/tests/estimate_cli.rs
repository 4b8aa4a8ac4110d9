//! Black-box tests of `repere estimate`: the built binary, a request on stdin, the
//! answer on stdout, exit code 2 and one line on stderr for bad input.

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(request: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_repere"))
        .arg("estimate")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start repere");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("wait for repere");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a valid request and returns (θ, SE).
fn estimate(request: &str) -> (f64, f64) {
    let r = run(request);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    assert_eq!(
        r.stdout.lines().count(),
        1,
        "one line of JSON: {}",
        r.stdout
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON answer");
    let obj = v.as_object().expect("object");
    assert_eq!(obj.len(), 2, "only theta and se: {v}");
    (
        v["theta"].as_f64().expect("theta"),
        v["se"].as_f64().expect("se"),
    )
}

/// Runs a bad request: exit code 2, nothing on stdout, one line on stderr; returns it.
fn refused(request: &str) -> String {
    let r = run(request);
    assert_eq!(r.code, Some(2), "stdout: {} stderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "stdout: {}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    r.stderr.trim_end().to_owned()
}

fn near(x: f64, want: f64, decimals: i32) -> bool {
    (x - want).abs() <= 0.5 * 10f64.powi(-decimals)
}

#[test]
fn published_mle_3pl() {
    let (theta, se) = estimate(
        r#"{"items":[{"a":2.225,"b":-1.885,"c":0.21,"d":1},{"a":1.174,"b":-2.411,"c":0.212},
            {"a":2.104,"b":-2.439,"c":0.192}],"responses":[1,0,1],"method":"mle"}"#,
    );
    assert!(near(theta, -1.642307, 6), "{theta}");
    assert!(near(se, 0.82358, 5), "{se}");
}

#[test]
fn published_eap_with_defaults() {
    // N(0, 1) prior and [-6, 6] by default; c and d given, as published.
    let (theta, se) = estimate(
        r#"{"items":[{"a":1,"b":-4,"c":0.5,"d":1},{"a":1,"b":-3,"c":0.5,"d":1}],
            "responses":[0,0],"method":"eap"}"#,
    );
    assert!(near(theta, -1.64937, 5), "{theta}");
    assert!(near(se, 0.89556, 5), "{se}");
    let (theta, _) = estimate(
        r#"{"items":[{"a":1,"b":-4,"c":0.5},{"a":1,"b":-3,"c":0.5},{"a":1,"b":-2.5,"c":0.2}],
            "responses":[0,0,1],"method":"eap","prior":{"mean":0,"sd":1},"range":[-6,6],
            "points":801}"#,
    );
    assert!(near(theta, -1.48621, 5), "{theta}");
}

#[test]
fn all_methods_and_polytomous_items() {
    let items = r#"[{"a":1.2,"b":-0.5},{"model":"gpcm","a":0.9,"steps":[-0.5,0.7]},
        {"model":"grm","a":1.4,"thresholds":[-1.0,0.2,1.1]},{"a":0.8,"b":1.0,"c":0.2}]"#;
    for method in ["eap", "map", "mle", "wle"] {
        let (theta, se) = estimate(&format!(
            r#"{{"items":{items},"responses":[1,1,2,0],"method":"{method}"}}"#
        ));
        assert!(theta.is_finite() && theta.abs() < 6.0, "{method}: {theta}");
        assert!(se.is_finite() && se > 0.0, "{method}: {se}");
    }
}

#[test]
fn all_wrong_mle_returns_the_range_bound() {
    let (theta, se) = estimate(
        r#"{"items":[{"a":1,"b":0},{"a":1.5,"b":0.5}],"responses":[0,0],"method":"mle",
            "range":[-4,4]}"#,
    );
    assert_eq!(theta, -4.0);
    assert!(se > 5.0, "{se}");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_field() {
    let msg = refused(
        r#"{"items":[{"a":1,"b":0},{"a":1,"b":0},{"a":1,"b":0},{"a":-1,"b":0}],
            "responses":[1,0,1,0],"method":"eap"}"#,
    );
    assert!(
        msg.ends_with("items[3].a: discrimination must be > 0 (got -1)"),
        "{msg}"
    );
    let msg = refused(r#"{"items":[{"a":1,"b":0,"e":2}],"responses":[1],"method":"eap"}"#);
    assert!(msg.contains("items[0]: unknown field `e`"), "{msg}");
    let msg = refused(r#"{"items":[],"responses":[],"method":"eap","verbose":true}"#);
    assert!(msg.contains("request: unknown field `verbose`"), "{msg}");
    let msg = refused("{\"items\": [\n  {\"a\": 1,, \"b\": 0}]}");
    assert!(
        msg.contains("invalid JSON") && msg.contains("line 2 column"),
        "{msg}"
    );
    let msg = refused(r#"{"items":[{"a":1,"b":0}],"responses":[3],"method":"eap"}"#);
    assert!(
        msg.contains("responses[0]: score 3 is above the maximum 1"),
        "{msg}"
    );
    let msg = refused(r#"{"items":[{"a":1,"b":0}],"responses":[1,1],"method":"map"}"#);
    assert!(msg.contains("responses: 2 responses for 1 items"), "{msg}");
    let msg =
        refused(r#"{"items":[{"a":1,"b":0}],"responses":[1],"method":"map","prior":{"sd":-1}}"#);
    assert!(msg.contains("prior.sd"), "{msg}");
    let msg = refused(
        r#"{"items":[{"model":"grm","a":1,"thresholds":[1,0]}],"responses":[1],"method":"eap"}"#,
    );
    assert!(msg.contains("items[0].thresholds[1]"), "{msg}");
    let msg = refused("");
    assert!(msg.contains("invalid JSON"), "{msg}");
}
