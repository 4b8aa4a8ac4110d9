//! Small published IRT vectors (catR and jsCAT validation material), each checked to
//! half a unit of its last printed digit.
//!
//! Fixture: `fixtures/published_vectors.json` (transcribed by
//! `fixtures/convert_reference.py`, which checks every number against the markdown).
//!
//! One published number needs care: the EAP with a uniform prior on [−4, 4] (−3.12170)
//! is not the integral over [−4, 4] (−3.08480, trapezoid rule on 4,001 points) but an
//! equal-weight sum over the 81 nodes of a 0.1-step grid. The case says so
//! (`"rule": "rectangle"`) and the runner reproduces that rule through caller-given
//! prior weights (doubled end weights cancel the trapezoid's halving); the exact value
//! is checked as a separate, clearly labelled case.

use repere_engine::estimate::{AbilityEstimator, Eap, Grid, Mle, Prior};
use repere_engine::irt::Item;
use serde::Deserialize;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE: &str = include_str!("fixtures/published_vectors.json");

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    kind: String,
    items: Vec<[f64; 4]>,
    #[serde(default)]
    responses: Vec<usize>,
    prior: Option<String>,
    grid: Option<(f64, f64, usize)>,
    rule: Option<String>,
    range: Option<(f64, f64)>,
    theta: Option<f64>,
    expected: Expected,
    decimals: i32,
    decimals_theta: Option<i32>,
}

#[derive(Deserialize)]
struct Expected {
    theta: Option<f64>,
    se: Option<f64>,
    value: Option<f64>,
}

fn tolerance(decimals: i32) -> f64 {
    0.5 * 10f64.powi(-decimals) + 1e-12
}

fn check(
    case: &str,
    what: &str,
    ours: f64,
    expected: Option<f64>,
    decimals: i32,
) -> Result<(), String> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let tol = tolerance(decimals);
    if (ours - expected).abs() <= tol {
        Ok(())
    } else {
        Err(format!(
            "{case}: {what} = {ours}, published {expected} (± {tol})"
        ))
    }
}

fn eap_for(case: &Case) -> Result<Eap, String> {
    let (lo, hi, points) = case.grid.ok_or("EAP case without grid")?;
    let grid = Grid::new(lo, hi, points).map_err(|e| e.to_string())?;
    let prior = match (case.prior.as_deref(), case.rule.as_deref()) {
        (Some("normal01"), Some("trapezoid")) => Prior::Normal { mean: 0.0, sd: 1.0 },
        (Some("uniform"), Some("trapezoid")) => Prior::Uniform,
        (Some("uniform"), Some("rectangle")) => Prior::Weights(
            (0..points)
                .map(|i| if i == 0 || i + 1 == points { 2.0 } else { 1.0 })
                .collect(),
        ),
        other => return Err(format!("{}: unsupported prior/rule {other:?}", case.name)),
    };
    Ok(Eap { grid, prior })
}

/// Runner: every published case; returns how many numbers were checked.
fn run_published() -> Result<usize, String> {
    let f: Fixture = serde_json::from_str(FIXTURE).map_err(|e| e.to_string())?;
    let mut checked = 0;
    for case in &f.cases {
        let items = case
            .items
            .iter()
            .map(|&[a, b, c, d]| Item::logistic(a, b, c, d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let theta_decimals = case.decimals_theta.unwrap_or(case.decimals);
        match case.kind.as_str() {
            "eap" | "mle" => {
                let est = if case.kind == "eap" {
                    eap_for(case)?.estimate(&items, &case.responses)
                } else {
                    let range = case.range.ok_or("MLE case without range")?;
                    Mle { range }.estimate(&items, &case.responses)
                }
                .map_err(|e| e.to_string())?;
                check(
                    &case.name,
                    "theta",
                    est.theta,
                    case.expected.theta,
                    theta_decimals,
                )?;
                check(&case.name, "se", est.se, case.expected.se, case.decimals)?;
                checked += usize::from(case.expected.theta.is_some())
                    + usize::from(case.expected.se.is_some());
            }
            "information" | "probability" => {
                let item = items.first().ok_or("case without item")?;
                let theta = case.theta.ok_or("case without theta")?;
                let ours = if case.kind == "information" {
                    item.information(theta)
                } else {
                    item.prob(theta, 1)
                };
                check(
                    &case.name,
                    &case.kind,
                    ours,
                    case.expected.value,
                    case.decimals,
                )?;
                checked += 1;
            }
            other => return Err(format!("{}: unknown kind {other}", case.name)),
        }
    }
    Ok(checked)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn published_vectors_hold() {
    match run_published() {
        Ok(n) => assert_eq!(n, 10, "numbers checked (9 published, 1 computed)"),
        Err(e) => panic!("{e}"),
    }
}
