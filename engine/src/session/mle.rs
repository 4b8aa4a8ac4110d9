//! Maximum likelihood for the adaptive session: the bounded MLE of
//! [`Mle`](crate::estimate::Mle), found from the log-likelihood kept on a grid.
//!
//! Why not call [`Mle`](crate::estimate::Mle) at every step: it rescans the whole range
//! over every answer each time (about 50 points × the answers), which dominates a
//! simulated test. Here the log-likelihood of the answers so far is kept on a grid
//! (step ≤ 0.1) and updated with one tabulated row per answer; its highest node
//! brackets the global maximum, which safeguarded Newton steps then refine to 1e-10.
//! Same definition (the highest point of the likelihood over the range, a bound when
//! the likelihood rises towards it), same SE (1/√I(θ̂)); the only possible difference
//! from the batch estimator is a likelihood with two peaks closer in height than the
//! grid can tell apart, and `tests/session_replay.rs` checks agreement on real tests
//! (θ and SE within 1e-6; the SE is taken at the last Newton point, within 1e-10 of θ̂).

use crate::estimate::{Estimate, Response};
use crate::irt::ResponseTerms;

/// Largest step of the MLE grid.
pub(crate) const MLE_GRID_STEP: f64 = 0.1;

/// The nodes of the MLE grid over `range`.
pub(crate) fn nodes((lo, hi): (f64, f64)) -> Vec<f64> {
    let m = (((hi - lo) / MLE_GRID_STEP).ceil() as usize).clamp(2, 100_000);
    (0..=m)
        .map(|i| {
            if i == m {
                hi
            } else {
                lo + (hi - lo) * (i as f64 / m as f64)
            }
        })
        .collect()
}

/// Sums of the response terms of the pattern at `theta`.
fn sums(responses: &[Response<'_>], theta: f64) -> ResponseTerms {
    let mut s = ResponseTerms {
        first: 0.0,
        second: 0.0,
        information: 0.0,
        j: 0.0,
    };
    for r in responses {
        // Scores were checked when the answers were recorded.
        if let Ok(t) = r.item.response_terms(theta, r.score) {
            s.first += t.first;
            s.second += t.second;
            s.information += t.information;
        }
    }
    s
}

/// The bounded MLE given the log-likelihood `loglik` at `nodes`.
pub(crate) fn estimate(nodes: &[f64], loglik: &[f64], responses: &[Response<'_>]) -> Estimate {
    let g = nodes.len().min(loglik.len());
    let mut k = 0;
    for j in 1..g {
        if loglik[j] > loglik[k] {
            k = j;
        }
    }
    let node = |j: usize| nodes.get(j).copied().unwrap_or(0.0);
    let (theta, info) = if g < 2 || (k == 0 && sums(responses, node(0)).first <= 0.0) {
        let t = node(0);
        (t, sums(responses, t).information)
    } else if k == g - 1 && sums(responses, node(g - 1)).first >= 0.0 {
        let t = node(g - 1);
        (t, sums(responses, t).information)
    } else {
        // The maximum is within one node of the highest node: the sign of the score
        // there says on which side.
        let x = node(k);
        let s = sums(responses, x);
        let (a, b) = if s.first > 0.0 {
            (x, node((k + 1).min(g - 1)))
        } else {
            (node(k.saturating_sub(1)), x)
        };
        newton(responses, a, b, x, s)
    };
    Estimate {
        theta,
        se: 1.0 / info.max(f64::MIN_POSITIVE).sqrt(),
    }
}

/// Root of the score function in `[a, b]` by Newton steps from `x` (where the sums are
/// `s`), bisecting whenever a step leaves the bracket; returns the root and the test
/// information at the last point evaluated (within 1e-10 of the root, so the SE is the
/// same to about ten digits).
fn newton(
    responses: &[Response<'_>],
    mut a: f64,
    mut b: f64,
    mut x: f64,
    s: ResponseTerms,
) -> (f64, f64) {
    let mut s = s;
    for i in 0..200 {
        if i > 0 {
            s = sums(responses, x);
        }
        if s.first == 0.0 {
            return (x, s.information);
        }
        if s.first > 0.0 {
            a = x;
        } else {
            b = x;
        }
        let step = x - s.first / s.second;
        let next = if s.second < 0.0 && step > a && step < b {
            step
        } else {
            0.5 * (a + b)
        };
        if (next - x).abs() <= 1e-10 || b - a <= 1e-10 {
            return (next, s.information);
        }
        x = next;
    }
    (x, s.information)
}
