//! `cargo xtask bench`: every benchmark of the project, each printing its figures
//! and ratios against a baseline measured in the same run. Tests never assert
//! wall-clock times; this is where performance targets are checked by a person.

use crate::run::Cmd;
use crate::setup::Tools;
use crate::{root, step};

/// Runs the benchmarks: all of them, or only the one named in `args` (`web`: the
/// web app's weight and first paint).
pub fn run(tools: &Tools, args: &[String]) -> Result<(), String> {
    match args {
        [] => {}
        [only] if only == "web" => return web_app_weight_and_first_paint(tools),
        other => {
            return Err(format!(
                "bench: unknown selection `{}` (known: web)",
                other.join(" ")
            ))
        }
    }
    step("Criterion benchmarks (cargo bench --workspace)");
    Cmd::new("cargo")
        .args(["bench", "--workspace"])
        .current_dir(root())
        .envs(tools.env())
        .run()?;
    calibration_vs_girth(tools)?;
    session_vs_catsim(tools)?;
    live_test_validation(tools)?;
    session_step_wasm(tools)?;
    server_submissions_and_export(tools)?;
    web_app_weight_and_first_paint(tools)
}

/// Server: durable result submissions per second and p50/p99 latency on loopback
/// (5,000 answer logs, 16 concurrent clients; targets ≥ 2,000/s and p99 ≤ 25 ms),
/// against a baseline run that acknowledges without flushing; then the time to
/// export 100,000 profiles as CSV (target ≤ 5 s) against a plain scan of the store;
/// then the time to import a generated national file of 50,000 mediation places
/// (target ≤ 2 s) against splitting it into CSV records.
fn server_submissions_and_export(tools: &Tools) -> Result<(), String> {
    step("Server: durable submissions (repere-bench-submit) and CSV export of 100,000 profiles");
    let root = root();
    let bin = crate::build_server(tools, true)?;
    Cmd::new("cargo")
        .args(["run", "--release", "--package", "repere-e2e"])
        .args(["--bin", "repere-bench-submit", "--"])
        .args(["--count", "5000", "--clients", "16", "--max-seconds", "60"])
        .current_dir(&root)
        .envs(tools.env())
        .env("REPERE_BIN", bin.display().to_string())
        .run()?;
    Cmd::new(&bin)
        .args(["bench-export", "--profiles", "100000"])
        .current_dir(&root)
        .envs(tools.env())
        .run()?;
    step("Server: import of a generated national file of 50,000 mediation places (target <= 2 s)");
    Cmd::new(&bin)
        .args(["bench-places", "--rows", "50000"])
        .current_dir(&root)
        .envs(tools.env())
        .run()
}

/// The live test on simulated persons: `repere validate --full` in agent and kiosk
/// modes, 10,000 persons from N(−1, 1) each, seed 1: the table (length, cap,
/// precision, class and orientation right and on a retest, first items, exposure,
/// context, guessing, perturbed difficulties), with the targets in
/// `items/README.md` ("Validation"). Figures of the test, not of the machine: only the
/// run's seconds depend on it.
fn live_test_validation(tools: &Tools) -> Result<(), String> {
    step("The live test on simulated persons (repere validate --full, agent and kiosk)");
    let root = root();
    let bin = crate::build_server(tools, true)?;
    for mode in ["agent", "kiosk"] {
        Cmd::new(&bin)
            .args([
                "validate",
                "--mode",
                mode,
                "--persons",
                "10000",
                "--seed",
                "1",
            ])
            .arg("--full")
            .arg("--out")
            .arg(root.join("bench-out").join(format!("validate-{mode}")))
            .current_dir(&root)
            .envs(tools.env())
            .run()?;
    }
    Ok(())
}

/// Calibration: Repère's EM against girth's MML on one complete 2PL data set
/// (2,000 × 60), one thread each, in alternating rounds: girth's time, Repère's
/// time for the same job (estimates only, girth's stopping rule: the headline,
/// target ≥ 20×), then with standard errors and item fit and under the engine's
/// default rule, the ratios and the RMSEs of a and b; then SQUAREM against plain EM
/// on the sparse adaptive design of the recovery test. The script installs girth
/// (pinned) into `.tools/venv-bench` when it is missing.
fn calibration_vs_girth(tools: &Tools) -> Result<(), String> {
    step("Calibration: repere calibrate vs girth twopl_mml (xtask/bench/girth_compare.py)");
    let root = root();
    Cmd::new("python3")
        .arg(root.join("xtask/bench/girth_compare.py"))
        .arg(&root)
        .current_dir(&root)
        .envs(tools.env())
        .run()
}

/// catsim release compared against (PyPI), pinned so the figures stay comparable.
const CATSIM_VERSION: &str = "0.21.0";

/// Adaptive testing: `repere simulate` against catsim on the same 500-item 3PL bank and
/// design (start 0, MFI, MLE, stop SE < 0.3 or 30 items): time per examinee of each,
/// their ratio (target ≥ 200×) and both RMSEs (target: within 0.02). The one-step
/// figure (selection + EAP update on 1,000 items) comes from the `session` bench above.
/// Installs catsim into `.tools/venv-bench` when it is missing.
fn session_vs_catsim(tools: &Tools) -> Result<(), String> {
    step("Adaptive testing: repere simulate vs catsim (xtask/bench/catsim_compare.py)");
    let root = root();
    let venv = root.join(".tools").join("venv-bench");
    let python = venv.join("bin").join("python");
    if !python.is_file() {
        Cmd::new("python3").args(["-m", "venv"]).arg(&venv).run()?;
    }
    let installed = Cmd::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('catsim'))",
        ])
        .output()
        .is_some_and(|v| v.trim() == CATSIM_VERSION);
    if !installed {
        Cmd::new(&python)
            .args(["-m", "pip", "install", "--quiet"])
            .arg(format!("catsim=={CATSIM_VERSION}"))
            .run()?;
    }
    let bin = crate::build_server(tools, true)?;
    Cmd::new(&python)
        .arg(root.join("xtask").join("bench").join("catsim_compare.py"))
        .arg("--repere")
        .arg(&bin)
        .arg("--out")
        .arg(root.join("bench-out"))
        .current_dir(&root)
        .envs(tools.env())
        .run()
}

/// The adaptive step (maximum information + EAP update, 1,000 items) compiled to
/// wasm32 and timed in Node, against the same workload natively (target: wasm within
/// 2× of native). Built with the release profile (opt-level 3); the app's
/// `wasm-release` profile optimises for size instead.
fn session_step_wasm(tools: &Tools) -> Result<(), String> {
    step("Adaptive step: wasm32 in Node vs native (engine/examples/wasm_step.rs)");
    let root = root();
    let native = Cmd::new("cargo")
        .args([
            "bench",
            "--quiet",
            "-p",
            "repere-engine",
            "--bench",
            "session",
        ])
        .args(["--", "--step-only"])
        .current_dir(&root)
        .envs(tools.env())
        .output()
        .ok_or("the native step bench failed")?;
    let native: f64 = native
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| format!("unexpected output of the native step bench: {native:?}"))?;
    Cmd::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "repere-engine",
            "--example",
            "wasm_step",
        ])
        .args(["--target", "wasm32-unknown-unknown"])
        .current_dir(&root)
        .envs(tools.env())
        .run()?;
    let wasm = crate::target_dir()
        .join("wasm32-unknown-unknown")
        .join("release")
        .join("examples")
        .join("wasm_step.wasm");
    Cmd::new(&tools.node)
        .arg(root.join("xtask").join("bench").join("wasm_step.mjs"))
        .arg(&wasm)
        .arg(format!("{native}"))
        .current_dir(&root)
        .envs(tools.env())
        .run()
}

/// Weight of the web app (gzip of Trunk's wasm + js in dist/, for each bundle: the
/// self-test's against a target of 400 KB, the staff's reported) and its
/// first contentful paint on 127.0.0.1 with a 4x CPU slowdown (target 1.5 s), against
/// a static page measured in the same run (tests/browser/bench/fcp.mjs).
fn web_app_weight_and_first_paint(tools: &Tools) -> Result<(), String> {
    crate::build_app(tools)?;
    let bin = crate::build_server(tools, false)?;
    step("Web app: gzip weight, first contentful paint at 4x CPU slowdown");
    let browser_dir = root().join("tests").join("browser");
    Cmd::new(&tools.node)
        .arg(browser_dir.join("bench").join("fcp.mjs"))
        .current_dir(&browser_dir)
        .envs(tools.env())
        .env("REPERE_BIN", bin.display().to_string())
        .env("REPERE_DIST", root().join("dist").display().to_string())
        .env("CHROMIUM", tools.chromium.display().to_string())
        .run()
}
