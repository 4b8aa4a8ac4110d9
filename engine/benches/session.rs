//! One adaptive step on a 1,000-item 3PL bank: selection (maximum information, the
//! Beginner rule, Kullback-Leibler) plus the answer and the EAP update, timed over
//! many tests. Prints µs per step and, as the baseline measured in the same run, the
//! cost of one pass of Fisher information over the whole bank.
//!
//! Run: `cargo bench -p repere-engine --bench session` (part of `cargo xtask bench`).
//! With `-- --step-only` it prints only the plain maximum-information step in µs,
//! timed the way `xtask/bench/wasm_step.mjs` times the wasm32 build (best of five
//! rounds of 300 tests), for the wasm/native ratio.

#[path = "workload/step.rs"]
mod step_workload;

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::bank::Bank;
use repere_engine::select::{Beginner, Filter, Ranking, SelectConfig};
use repere_engine::session::{Plan, Session};

/// µs per step (next item + answer with EAP update) over `tests` tests of 30 items.
fn per_step(bank: &Bank, select: SelectConfig, tests: usize) -> f64 {
    let plan = match Plan::new(bank, step_workload::config(select)) {
        Ok(p) => p,
        Err(e) => panic!("bench config: {e}"),
    };
    let mut session = Session::with_plan(bank, &plan, 0);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut steps = 0usize;
    let mut elapsed = 0.0;
    for t in 0..tests {
        session.reset(t as u64);
        let theta: f64 = rng.random::<f64>() * 4.0 - 2.0;
        let started = Instant::now();
        while let Some(ix) = session.next_index() {
            let p = bank.items()[ix as usize].item.prob(theta, 1);
            let score = usize::from(rng.random::<f64>() < p);
            if session.answer_index(ix as usize, score, false, 0).is_err() {
                break;
            }
            steps += 1;
        }
        elapsed += started.elapsed().as_secs_f64();
        black_box(session.estimate());
    }
    elapsed * 1e6 / steps as f64
}

/// The plain step, best of five rounds of 300 tests (as the wasm32 timing).
fn plain_step() -> f64 {
    let (bank, plan) = step_workload::setup();
    black_box(step_workload::run(bank, plan, 50));
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let started = Instant::now();
        let (steps, checksum) = step_workload::run(bank, plan, 300);
        black_box(checksum);
        best = best.min(started.elapsed().as_secs_f64() * 1e6 / steps as f64);
    }
    best
}

fn main() {
    if std::env::args().any(|a| a == "--step-only") {
        println!("{:.4}", plain_step());
        return;
    }
    let bank = step_workload::bank();
    // Baseline: Fisher information of every item at one θ.
    let rounds = 20_000;
    let started = Instant::now();
    let mut acc = 0.0;
    for r in 0..rounds {
        let theta = (r % 100) as f64 * 0.04 - 2.0;
        for it in bank.items() {
            acc += it.item.information(black_box(theta));
        }
    }
    black_box(acc);
    let info_pass = started.elapsed().as_secs_f64() * 1e6 / rounds as f64;

    println!(
        "session step on a {}-item 3PL bank (30-item tests, EAP on 121 nodes):",
        bank.len()
    );
    println!("  baseline: information of the whole bank at one θ: {info_pass:8.2} µs");
    let cases = [
        ("maximum information", SelectConfig::default(), 3000),
        (
            "beginner (0.8 then 0.65) + max info",
            SelectConfig {
                filters: vec![Filter::Beginner(Beginner::default())],
                ..SelectConfig::default()
            },
            3000,
        ),
        (
            "max info, randomesque 5",
            SelectConfig {
                randomesque: 5,
                ..SelectConfig::default()
            },
            3000,
        ),
        (
            "posterior-weighted Kullback-Leibler",
            SelectConfig {
                ranking: Ranking::KullbackLeibler,
                ..SelectConfig::default()
            },
            300,
        ),
    ];
    println!(
        "  {:<38} {:8.2} µs/step  (best of 5 rounds, the wasm32 comparison's figure)",
        "maximum information, plain path",
        plain_step()
    );
    for (name, select, tests) in cases {
        let us = per_step(&bank, select, tests);
        println!(
            "  {name:<38} {us:8.2} µs/step  ({:.1}x the baseline; target < 20 µs)",
            us / info_pass
        );
    }
}
