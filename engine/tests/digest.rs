//! Native/wasm32 agreement: ~60 representative numbers (θ and SE of the four
//! estimators on the catR good-bank patterns, information values, polytomous
//! quantities, a mixed-pattern estimate) compared with their native bit patterns.
//!
//! Fixture: `fixtures/digest.json`, produced natively by the ignored test
//! `print_digest` (`cargo test -p repere-engine --test digest -- --ignored
//! --nocapture print_digest`), values stored as exact f64 bit patterns (hex) with a
//! decimal rendering for reading. The check writes nothing and passes on both targets
//! when every number is within 1e-12 · max(1, |value|) of the stored one (the math
//! libraries of the two targets may differ in the last bit of `exp`/`ln`).

use repere_engine::estimate::{AbilityEstimator, Eap, Map, Mle, Wle};
use repere_engine::irt::Item;
use serde::Deserialize;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const GOODBANK: &str = include_str!("fixtures/catr_goodbank.json");
const DIGEST: &str = include_str!("fixtures/digest.json");

/// Progress line: stderr natively, the browser console (shown with `--nocapture`) on
/// wasm32, where `eprintln!` goes nowhere.
macro_rules! report {
    ($($t:tt)*) => {{
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!($($t)*);
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!($($t)*);
    }};
}

const TOL: f64 = 1e-12;

#[derive(Deserialize)]
struct Bank {
    bank: Vec<[f64; 4]>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    administered: Vec<usize>,
    responses: Vec<usize>,
    theta_used: f64,
}

#[derive(Deserialize)]
struct Digest {
    values: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    label: String,
    hex: String,
}

fn item(r: Result<Item, repere_engine::irt::ParamError>) -> Result<Item, String> {
    r.map_err(|e| e.to_string())
}

/// The representative numbers, in a fixed order with their labels.
fn digest_values() -> Result<Vec<(String, f64)>, String> {
    let data: Bank = serde_json::from_str(GOODBANK).map_err(|e| e.to_string())?;
    let bank = data
        .bank
        .iter()
        .map(|&[a, b, c, d]| item(Item::logistic(a, b, c, d)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    let estimators: [(&str, &dyn AbilityEstimator); 4] = [
        ("eap", &Eap::catr()),
        ("map", &Map::catr()),
        ("mle", &Mle::catr()),
        ("wle", &Wle::catr()),
    ];
    for index in [0usize, 47, 95, 143, 191, 239] {
        let step = data.steps.get(index).ok_or("missing step")?;
        let items = step
            .administered
            .iter()
            .map(|&i| bank.get(i).cloned().ok_or("bad item index"))
            .collect::<Result<Vec<_>, _>>()?;
        for (name, est) in estimators {
            let e = est
                .estimate(&items, &step.responses)
                .map_err(|e| e.to_string())?;
            out.push((format!("step{index}.{name}.theta"), e.theta));
            out.push((format!("step{index}.{name}.se"), e.se));
        }
    }
    let last = data.steps.last().ok_or("no steps")?;
    for i in [0usize, 13, 27] {
        let it = bank.get(i).ok_or("bad item index")?;
        out.push((
            format!("bank{i}.information"),
            it.information(last.theta_used),
        ));
    }
    let g = item(Item::gpcm(1.7, vec![-1.5, 0.3, 0.2, 2.0]))?;
    let r = item(Item::grm(2.2, vec![-2.0, -0.4, 0.1, 1.8]))?;
    for (name, it, theta) in [("gpcm", &g, 0.7), ("grm", &r, -0.3)] {
        out.push((format!("{name}.information"), it.information(theta)));
        out.push((format!("{name}.j"), it.j(theta)));
        out.push((format!("{name}.prob2"), it.prob(theta, 2)));
        out.push((
            format!("{name}.loglik3"),
            it.log_likelihood(theta, 3).map_err(|e| e.to_string())?,
        ));
    }
    let mixed = [
        bank.first().cloned().ok_or("empty bank")?,
        g.clone(),
        r.clone(),
        item(Item::three_pl(1.4, 0.5, 0.2))?,
    ];
    let scores = [1, 3, 1, 0];
    for (name, est) in [
        ("eap", &Eap::default() as &dyn AbilityEstimator),
        ("mle", &Mle::default()),
    ] {
        let e = est.estimate(&mixed, &scores).map_err(|e| e.to_string())?;
        out.push((format!("mixed.{name}.theta"), e.theta));
        out.push((format!("mixed.{name}.se"), e.se));
    }
    Ok(out)
}

/// Runner: compare with the stored native bit patterns; returns the largest scaled
/// deviation.
fn run_digest() -> Result<(f64, String), String> {
    let stored: Digest = serde_json::from_str(DIGEST).map_err(|e| e.to_string())?;
    let ours = digest_values()?;
    if ours.len() != stored.values.len() {
        return Err(format!(
            "{} values computed, {} stored",
            ours.len(),
            stored.values.len()
        ));
    }
    let mut worst = (0.0f64, String::new());
    for ((label, v), entry) in ours.iter().zip(&stored.values) {
        if *label != entry.label {
            return Err(format!("label {label} where {} was stored", entry.label));
        }
        let hex = entry.hex.trim_start_matches("0x");
        let bits = u64::from_str_radix(hex, 16).map_err(|e| format!("{label}: {e}"))?;
        let want = f64::from_bits(bits);
        let dev = (v - want).abs() / want.abs().max(1.0);
        if dev > worst.0 {
            worst = (dev, label.clone());
        }
        if dev > TOL || !v.is_finite() {
            return Err(format!("{label}: {v:e} vs native {want:e}"));
        }
    }
    Ok(worst)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn digest_matches_native_bits() {
    match run_digest() {
        Ok((worst, label)) => report!("digest: worst scaled deviation {worst:e} ({label})"),
        Err(e) => panic!("{e}"),
    }
}

/// Generator of `fixtures/digest.json` (native only, run by hand).
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "generator: prints the digest fixture"]
fn print_digest() {
    let values = digest_values().unwrap_or_else(|e| panic!("{e}"));
    let entries: Vec<String> = values
        .iter()
        .map(|(label, v)| {
            format!(
                "  {{\"label\": \"{label}\", \"hex\": \"0x{:016x}\", \"value\": {v:e}}}",
                v.to_bits()
            )
        })
        .collect();
    println!(
        "{{\n \"note\": \"native f64 bit patterns of tests/digest.rs::digest_values; value is for reading only\",\n \"values\": [\n{}\n ]\n}}",
        entries.join(",\n")
    );
}
