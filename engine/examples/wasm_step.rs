//! The adaptive-step benchmark compiled to WebAssembly: `cargo xtask bench` builds it
//! for `wasm32-unknown-unknown` and times `steps` from Node
//! (`xtask/bench/wasm_step.mjs`) against the same workload run natively. No
//! wasm-bindgen: two plain exports, no imports, the clock stays in JavaScript.

#[path = "../benches/workload/step.rs"]
mod step_workload;

/// Builds the bank and the plan (call once, before timing).
#[no_mangle]
pub extern "C" fn setup() -> u32 {
    step_workload::setup().0.len() as u32
}

/// Runs `tests` 30-item tests; returns the number of steps (the checksum is folded in
/// as a fraction so the work cannot be optimised away).
#[no_mangle]
pub extern "C" fn steps(tests: u32) -> f64 {
    let (bank, plan) = step_workload::setup();
    let (steps, checksum) = step_workload::run(bank, plan, tests as usize);
    steps as f64 + (checksum.abs().fract() * 1e-3)
}
