//! catR 3.17 `Pi`/`Ii`/`Ji` table: P, P', P'', P''', I, I', I'', J, J' for 145 4PL items
//! at θ = −3..3 (1,015 rows, 9,135 numbers).
//!
//! Fixture: `fixtures/catr_derivatives.json`. The table has no item parameters: the
//! converter (`fixtures/convert_reference.py`) recovered them (every item has d = 1 and
//! its catR values are reproduced to ~1e-14), and added, for every row, the nine
//! quantities at those parameters in 60-digit arithmetic ("exact").
//!
//! The items are extreme (|a| up to 69, 29 with a negative `a`, values down to 1e-209),
//! which is what makes the table useful: it probes the tails. Two checks:
//!
//! 1. every one of our 9,135 numbers against the exact value;
//! 2. our numbers against catR's wherever catR's own double-precision formulas are
//!    accurate. The converter marks the 1,128 catR numbers that are not (P clamped to
//!    1 − 1e-10 so that Q = 1e-10 instead of ~1e-17, P rounded above 1, `(1 + e)^k`
//!    overflowing to infinity, the cancellation in `Q = 1 − P`), each with its reason;
//!    those are checked against the exact value only.
//!
//! Tolerance: |ours − reference| ≤ 1e-9 · (|reference| + scale), i.e. relative, even
//! for values like 1e-166. `scale` is 0 for P, P' and I. For the quantities that cross
//! zero (P'' = a(1 − 2L)P', P''' = a²(1 − 6L + 6L²)P', I', I'', J, J') it is their
//! natural magnitude at that θ (|a|·|P'|, a²·|P'|, |a|·I, a²·I), so the check stays
//! relative to the size of the terms near a zero crossing, where a plain relative error
//! is meaningless.

use std::collections::BTreeMap;

use repere_engine::irt::{Item, Logistic};
use serde::Deserialize;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE: &str = include_str!("fixtures/catr_derivatives.json");

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

const TOL: f64 = 1e-9;

#[derive(Deserialize)]
struct Fixture {
    quantities: Vec<String>,
    items: Vec<Params>,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct Params {
    item: usize,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

#[derive(Deserialize)]
struct Row {
    item: usize,
    theta: f64,
    catr: Vec<Option<f64>>,
    exact: Vec<f64>,
    catr_unreliable: BTreeMap<String, String>,
}

const NAMES: [&str; 9] = [
    "p",
    "dp",
    "d2p",
    "d3p",
    "information",
    "dinformation",
    "d2information",
    "j",
    "dj",
];

fn ours(item: &Logistic, theta: f64) -> [f64; 9] {
    let d = item.derivatives(theta);
    [
        d.p,
        d.dp,
        d.d2p,
        d.d3p,
        d.information,
        d.dinformation,
        d.d2information,
        d.j,
        d.dj,
    ]
}

/// Natural magnitude of each quantity (see the module documentation).
fn scales(a: f64, exact: &[f64]) -> [f64; 9] {
    let a = a.abs();
    let dp = exact[1].abs();
    let info = exact[4].abs();
    [
        0.0,
        0.0,
        a * dp,
        a * a * dp,
        0.0,
        a * info,
        a * a * info,
        a * info,
        a * a * info,
    ]
}

#[derive(Debug, Default)]
struct Report {
    vs_exact: usize,
    vs_catr: usize,
    catr_unreliable: BTreeMap<String, usize>,
    worst_vs_exact: f64,
    worst_vs_catr: f64,
    worst_via_item: f64,
}

fn load() -> Result<Fixture, String> {
    let f: Fixture = serde_json::from_str(FIXTURE).map_err(|e| e.to_string())?;
    if f.quantities != NAMES {
        return Err(format!("unexpected quantity order {:?}", f.quantities));
    }
    if f.items.len() != 145 || f.rows.len() != 1015 {
        return Err("expected 145 items and 1015 rows".into());
    }
    Ok(f)
}

/// Relative error measure used by the tolerance.
fn err(ours: f64, reference: f64, scale: f64) -> f64 {
    let denom = reference.abs() + scale;
    if denom == 0.0 {
        (ours - reference).abs()
    } else {
        (ours - reference).abs() / denom
    }
}

/// Runner: all 1,015 rows against the exact values and the reliable catR values.
fn run_derivatives() -> Result<Report, String> {
    let f = load()?;
    let params: BTreeMap<usize, Logistic> = f
        .items
        .iter()
        .map(|p| {
            (
                p.item,
                Logistic {
                    a: p.a,
                    b: p.b,
                    c: p.c,
                    d: p.d,
                },
            )
        })
        .collect();
    let mut report = Report::default();
    for row in &f.rows {
        let item = params.get(&row.item).ok_or("unknown item")?;
        let values = ours(item, row.theta);
        let scale = scales(item.a, &row.exact);
        for (k, name) in NAMES.iter().enumerate() {
            let (v, ex) = (values[k], row.exact[k]);
            if !v.is_finite() {
                return Err(format!("item {} θ={} {name}: {v}", row.item, row.theta));
            }
            let e = err(v, ex, scale[k]);
            report.worst_vs_exact = report.worst_vs_exact.max(e);
            report.vs_exact += 1;
            if e > TOL {
                return Err(format!(
                    "item {} θ={} {name}: ours {v:e}, exact {ex:e} (relative error {e:e})",
                    row.item, row.theta
                ));
            }
            if let Some(reason) = row.catr_unreliable.get(*name) {
                *report.catr_unreliable.entry(reason.clone()).or_default() += 1;
                continue;
            }
            let catr = row.catr[k].ok_or_else(|| {
                format!(
                    "item {} θ={} {name}: catR NaN not flagged",
                    row.item, row.theta
                )
            })?;
            let e = err(v, catr, scale[k]);
            report.worst_vs_catr = report.worst_vs_catr.max(e);
            report.vs_catr += 1;
            if e > TOL {
                return Err(format!(
                    "item {} θ={} {name}: ours {v:e}, catR {catr:e} (relative error {e:e})",
                    row.item, row.theta
                ));
            }
        }
        // The checked item type's entry points (a separate, faster information formula
        // among them) meet the same tolerance against the exact values.
        if item.a > 0.0 {
            let checked =
                Item::logistic(item.a, item.b, item.c, item.d).map_err(|e| e.to_string())?;
            let pd = checked.prob_derivatives(row.theta, 1);
            let via_item = [
                (0, checked.prob(row.theta, 1)),
                (1, pd.d1),
                (2, pd.d2),
                (4, checked.information(row.theta)),
                (7, checked.j(row.theta)),
            ];
            for (k, v) in via_item {
                let e = err(v, row.exact[k], scale[k]);
                report.worst_via_item = report.worst_via_item.max(e);
                if e > TOL {
                    return Err(format!(
                        "item {} θ={} Item::{}: {v:e} vs exact {:e}",
                        row.item, row.theta, NAMES[k], row.exact[k]
                    ));
                }
            }
        }
    }
    Ok(report)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn derivatives_match_catr_and_exact_values() {
    match run_derivatives() {
        Ok(r) => {
            report!("{r:?}");
            assert_eq!(r.vs_exact, 9135);
            assert_eq!(r.vs_catr + r.catr_unreliable.values().sum::<usize>(), 9135);
        }
        Err(e) => panic!("{e}"),
    }
}
