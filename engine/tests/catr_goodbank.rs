//! catR 3.17 reference on a 40-item 4PL bank: 20 simulated runs × 12 steps = 240 steps,
//! each with the Fisher information vector of the whole bank at `theta_used` and the
//! EAP, MAP ("BM"), MLE and WLE estimates of the pattern so far (N(0, 1) prior).
//!
//! Fixture: `fixtures/catr_goodbank.json` (converted by `fixtures/convert_reference.py`).
//! The runners are plain functions so that the same checks, with the same tolerances,
//! run natively and compiled to wasm32 in a browser.

use repere_engine::estimate::{AbilityEstimator, Eap, EapPosterior, Estimate, Map, Mle, Wle};
use repere_engine::irt::Item;
use serde::Deserialize;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE: &str = include_str!("fixtures/catr_goodbank.json");

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

/// Information vectors: catR's `Ii` and ours are the same closed form.
const INFO_TOL: f64 = 1e-12;
/// EAP: same grid, same trapezoid rule, so only rounding differs.
const EAP_TOL: f64 = 1e-9;
/// MAP/MLE/WLE: catR root-finds with `uniroot`'s default tolerance (≈1e-4); we solve to
/// 1e-12, so the comparison is bounded by catR's own error.
const ROOT_TOL: f64 = 2e-3;

#[derive(Deserialize)]
struct Fixture {
    bank: Vec<[f64; 4]>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    run: usize,
    step: usize,
    administered: Vec<usize>,
    responses: Vec<usize>,
    theta_used: f64,
    info: Vec<f64>,
    eap: Est,
    map: Est,
    mle: Est,
    wle: Est,
}

#[derive(Clone, Copy, Deserialize)]
struct Est {
    theta: f64,
    se: f64,
}

struct Loaded {
    bank: Vec<Item>,
    steps: Vec<Step>,
}

fn load() -> Result<Loaded, String> {
    let f: Fixture = serde_json::from_str(FIXTURE).map_err(|e| e.to_string())?;
    let bank = f
        .bank
        .iter()
        .map(|&[a, b, c, d]| Item::logistic(a, b, c, d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if f.steps.len() != 240 {
        return Err(format!("expected 240 steps, found {}", f.steps.len()));
    }
    Ok(Loaded {
        bank,
        steps: f.steps,
    })
}

impl Loaded {
    fn pattern(&self, step: &Step) -> Result<Vec<Item>, String> {
        step.administered
            .iter()
            .map(|&i| {
                self.bank
                    .get(i)
                    .cloned()
                    .ok_or_else(|| format!("item {i} not in bank"))
            })
            .collect()
    }
}

/// Largest deviations seen, for the failure message and the report.
#[derive(Default, Debug)]
struct Worst {
    theta: f64,
    se: f64,
    count: usize,
}

fn compare(
    worst: &mut Worst,
    what: &str,
    step: &Step,
    ours: Estimate,
    reference: Est,
    tol: f64,
) -> Result<(), String> {
    let dt = (ours.theta - reference.theta).abs();
    let ds = (ours.se - reference.se).abs();
    worst.theta = worst.theta.max(dt);
    worst.se = worst.se.max(ds);
    worst.count += 1;
    if dt <= tol && ds <= tol {
        Ok(())
    } else {
        Err(format!(
            "{what}, run {} step {}: ours θ={} se={}, catR θ={} se={} (tolerance {tol})",
            step.run, step.step, ours.theta, ours.se, reference.theta, reference.se
        ))
    }
}

/// Runner: the information vector of the 40-item bank at `theta_used`, all 240 steps.
fn run_information() -> Result<f64, String> {
    let data = load()?;
    let mut worst = 0.0f64;
    for step in &data.steps {
        if step.info.len() != data.bank.len() {
            return Err(format!("run {} step {}: info length", step.run, step.step));
        }
        for (k, (item, &reference)) in data.bank.iter().zip(&step.info).enumerate() {
            let ours = item.information(step.theta_used);
            let d = (ours - reference).abs();
            worst = worst.max(d);
            if d > INFO_TOL {
                return Err(format!(
                    "run {} step {} item {k}: information {ours} vs catR {reference}",
                    step.run, step.step
                ));
            }
        }
    }
    Ok(worst)
}

/// Runner: EAP (33 points on [−4, 4]) θ and SE at all 240 steps, batch and
/// incremental (one [`EapPosterior`] per run, updated with each new answer).
fn run_eap() -> Result<Worst, String> {
    let data = load()?;
    let eap = Eap::catr();
    let mut worst = Worst::default();
    let mut posterior: Option<EapPosterior> = None;
    for step in &data.steps {
        let items = data.pattern(step)?;
        let batch = eap
            .estimate(&items, &step.responses)
            .map_err(|e| e.to_string())?;
        compare(&mut worst, "EAP", step, batch, step.eap, EAP_TOL)?;

        if step.step == 1 {
            posterior = Some(EapPosterior::new(&eap).map_err(|e| e.to_string())?);
        }
        let post = posterior.as_mut().ok_or("run without step 1")?;
        let (Some(item), Some(&score)) = (items.last(), step.responses.last()) else {
            return Err("empty pattern".into());
        };
        if post.responses() + 1 != items.len() {
            return Err(format!("run {} is not cumulative", step.run));
        }
        post.update(item, score).map_err(|e| e.to_string())?;
        let incremental = post.estimate();
        if incremental != batch {
            return Err(format!(
                "run {} step {}: incremental {incremental:?} differs from batch {batch:?}",
                step.run, step.step
            ));
        }
    }
    Ok(worst)
}

/// Runner: one root-finding estimator against one catR column at all 240 steps.
fn run_root(
    estimator: &dyn AbilityEstimator,
    reference: impl Fn(&Step) -> Est,
) -> Result<Worst, String> {
    let data = load()?;
    let mut worst = Worst::default();
    for step in &data.steps {
        let items = data.pattern(step)?;
        let ours = estimator
            .estimate(&items, &step.responses)
            .map_err(|e| e.to_string())?;
        compare(
            &mut worst,
            estimator.name(),
            step,
            ours,
            reference(step),
            ROOT_TOL,
        )?;
    }
    Ok(worst)
}

/// Runner: MAP (catR `BM`, N(0, 1) prior, range [−4, 4]).
fn run_map() -> Result<Worst, String> {
    run_root(&Map::catr(), |s| s.map)
}

/// Runner: MLE (range [−4, 4]; all-wrong patterns at −4 with the SE there).
fn run_mle() -> Result<Worst, String> {
    run_root(&Mle::catr(), |s| s.mle)
}

/// Runner: WLE (range [−4, 4]).
fn run_wle() -> Result<Worst, String> {
    run_root(&Wle::catr(), |s| s.wle)
}

fn pass<T: std::fmt::Debug>(what: &str, r: Result<T, String>) {
    match r {
        Ok(worst) => report!("{what}: worst deviation {worst:?}"),
        Err(e) => panic!("{what}: {e}"),
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn information_vectors_match_catr() {
    pass("information", run_information());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn eap_matches_catr() {
    pass("EAP", run_eap());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn map_matches_catr() {
    pass("MAP", run_map());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn mle_matches_catr() {
    pass("MLE", run_mle());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn wle_matches_catr() {
    pass("WLE", run_wle());
}
