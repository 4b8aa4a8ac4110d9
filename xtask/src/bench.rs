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
        .run()
}
