//! Native/wasm32 agreement of whole adaptive sessions: the browser (wasm32) chooses
//! the items and the server (native) replays the log, so both must choose the same
//! items. Sixty simulated tests over three configurations: the hash of every item
//! sequence must match the native one exactly, and the sum of the final estimates to
//! 1e-9 (the math libraries may differ in the last bit of `exp`/`ln`).
//!
//! The constants come from a native run (`cargo test -p repere-engine --test
//! session_wasm -- --nocapture` prints them). On wasm32 the test runs in Node
//! (`cargo test -p repere-engine --target wasm32-unknown-unknown --test session_wasm`).

mod support_session;

use repere_engine::select::{Beginner, ContentBalancing, Filter, SelectConfig};
use repere_engine::session::{EstimatorConfig, Session, SessionConfig};
use repere_engine::stop::StopConfig;

const ITEMS_HASH: u64 = 0xfd04_df8a_02de_4718;
const THETA_SUM: f64 = 34.64776865440192;

fn configs() -> Vec<SessionConfig> {
    let stop = StopConfig {
        max_items: Some(20),
        se_below: Some(0.3),
        ..StopConfig::default()
    };
    vec![
        SessionConfig {
            stop: stop.clone(),
            ..SessionConfig::default()
        },
        SessionConfig {
            select: SelectConfig {
                filters: vec![
                    Filter::ContentBalancing(ContentBalancing {
                        min_per_domain: 2,
                        ..ContentBalancing::default()
                    }),
                    Filter::Beginner(Beginner::default()),
                ],
                randomesque: 3,
                ..SelectConfig::default()
            },
            stop: stop.clone(),
            ..SessionConfig::default()
        },
        SessionConfig {
            estimator: EstimatorConfig::Mle { range: (-6.0, 6.0) },
            stop,
            ..SessionConfig::default()
        },
    ]
}

fn run() -> (u64, f64) {
    let bank = support_session::rich_bank();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut theta_sum = 0.0;
    for config in configs() {
        for seed in 0..20u64 {
            let mut s = Session::new(&bank, config.clone(), seed).expect("config");
            let mut n = 0u64;
            while let Some(item) = s.next_item() {
                let id = item.id.clone();
                // A deterministic "person": right when the item is easy for θ = 0.3.
                let score = if item.item.success_prob(0.3) > 0.5 + 0.01 * ((seed + n) % 7) as f64 {
                    item.item.max_score()
                } else {
                    0
                };
                s.answer(&id, score, 1000).expect("answer");
                n += 1;
            }
            for i in s.administered() {
                for b in (i as u64).to_le_bytes() {
                    hash ^= u64::from(b);
                    hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
                }
            }
            theta_sum += s.estimate().theta;
        }
    }
    (hash, theta_sum)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sessions_agree_with_the_native_run() {
    let (hash, theta_sum) = run();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("ITEMS_HASH = {hash:#x}; THETA_SUM = {theta_sum:?}");
    assert_eq!(
        hash, ITEMS_HASH,
        "item sequences differ from the native run"
    );
    assert!(
        (theta_sum - THETA_SUM).abs() < 1e-9,
        "{theta_sum} vs {THETA_SUM}"
    );
}
