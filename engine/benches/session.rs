//! One adaptive step on a 1,000-item 3PL bank: selection (maximum information, the
//! Beginner rule, Kullback-Leibler) plus the answer and the EAP update, timed over
//! many tests. Prints µs per step and, as the baseline measured in the same run, the
//! cost of one pass of Fisher information over the whole bank.
//!
//! Run: `cargo bench -p repere-engine --bench session` (part of `cargo xtask bench`).

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::bank::Bank;
use repere_engine::select::{Beginner, Filter, Ranking, SelectConfig};
use repere_engine::session::{Plan, Session, SessionConfig};
use repere_engine::simulate::SyntheticBank;
use repere_engine::stop::StopConfig;

fn bank() -> Bank {
    let spec = SyntheticBank {
        items: 1000,
        domains: 5,
        a: (0.6, 2.2),
        b: (-3.0, 2.5),
        c: (0.0, 0.25),
        seed: 7,
    };
    match spec.generate() {
        Ok(b) => b,
        Err(e) => panic!("bench bank: {e}"),
    }
}

/// µs per step (next item + answer with EAP update) over `tests` tests of 30 items.
fn per_step(bank: &Bank, select: SelectConfig, tests: usize) -> f64 {
    let config = SessionConfig {
        select,
        stop: StopConfig {
            max_items: Some(30),
            se_below: None,
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    };
    let plan = match Plan::new(bank, config) {
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

fn main() {
    let bank = bank();
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
    for (name, select, tests) in cases {
        let us = per_step(&bank, select, tests);
        println!(
            "  {name:<38} {us:8.2} µs/step  ({:.1}x the baseline; target < 20 µs)",
            us / info_pass
        );
    }
}
