//! The workload of the adaptive-step benchmark, shared by the native bench
//! (`benches/session.rs`; kept in a subfolder so Cargo does not take it for a bench) and its WebAssembly build (`examples/wasm_step.rs`), so both
//! time exactly the same computation: 30-item tests on a 1,000-item 3PL bank, maximum
//! information, EAP on 121 nodes, answers simulated from a seeded generator.

use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::bank::Bank;
use repere_engine::select::SelectConfig;
use repere_engine::session::{Plan, Session, SessionConfig};
use repere_engine::simulate::SyntheticBank;
use repere_engine::stop::StopConfig;

/// The bench bank: 1,000 3PL items, fixed seed.
pub fn bank() -> Bank {
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

/// 30-item tests, no early stop.
pub fn config(select: SelectConfig) -> SessionConfig {
    SessionConfig {
        select,
        stop: StopConfig {
            max_items: Some(30),
            se_below: None,
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    }
}

static PLAIN: OnceLock<(&'static Bank, &'static Plan)> = OnceLock::new();

/// Builds the bank and the maximum-information plan once (not timed).
pub fn setup() -> (&'static Bank, &'static Plan) {
    *PLAIN.get_or_init(|| {
        let bank: &'static Bank = Box::leak(Box::new(bank()));
        let plan = match Plan::new(bank, config(SelectConfig::default())) {
            Ok(p) => p,
            Err(e) => panic!("bench config: {e}"),
        };
        (bank, Box::leak(Box::new(plan)))
    })
}

/// Runs `tests` tests with `plan` and returns the number of steps (next item + answer
/// with the EAP update) and a checksum of the final estimates.
pub fn run(bank: &Bank, plan: &Plan, tests: usize) -> (usize, f64) {
    let mut session = Session::with_plan(bank, plan, 0);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut steps = 0usize;
    let mut checksum = 0.0;
    for t in 0..tests {
        session.reset(t as u64);
        let theta: f64 = rng.random::<f64>() * 4.0 - 2.0;
        while let Some(ix) = session.next_index() {
            let p = bank.items()[ix as usize].item.prob(theta, 1);
            let score = usize::from(rng.random::<f64>() < p);
            if session.answer_index(ix as usize, score, false, 0).is_err() {
                break;
            }
            steps += 1;
        }
        checksum += session.estimate().theta;
    }
    (steps, checksum)
}
