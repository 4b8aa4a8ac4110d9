//! `cargo xtask bench`: every benchmark of the project, each printing its figures
//! and ratios against a baseline measured in the same run. Tests never assert
//! wall-clock times; this is where performance targets are checked by a person.

use crate::run::Cmd;
use crate::setup::Tools;
use crate::{root, step};

/// Runs the benchmarks.
pub fn run(tools: &Tools) -> Result<(), String> {
    step("Criterion benchmarks (cargo bench --workspace)");
    Cmd::new("cargo")
        .args(["bench", "--workspace"])
        .current_dir(root())
        .envs(tools.env())
        .run()?;
    calibration_vs_girth(tools)
}

/// Calibration: Repère's EM against girth's MML on one complete 2PL data set
/// (2,000 × 60): both times, their ratio (target ≥ 20×) and both RMSEs of a and b.
/// The script installs girth into `.tools/venv-bench` when it is missing.
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
