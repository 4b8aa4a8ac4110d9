//! Graded response items: category probabilities and their derivatives.
//!
//! With the boundary curves `P*_k = σ(a(θ − b_k))` (`P*_0 = 1`, `P*_{K+1} = 0`) and
//! `Q*_k = 1 − P*_k`, `P_x = P*_x − P*_{x+1}`. Writing `w_k = P*_k Q*_k`
//! (`w_0 = w_{K+1} = 0`):
//!
//! - `d ln P_x/dθ = a(Q*_x − P*_{x+1})`, `d² ln P_x/dθ² = −a²(w_x + w_{x+1})`, both
//!   exact and free of division (from `P_x = σ(z_x)σ(−z_{x+1})(1 − e^{−a(b_{x+1} − b_x)})`);
//! - `I = −E[d² ln P_X/dθ²] = a² Σ_k w_k (P*_{k−1} − P*_{k+1})`, a sum of positive terms;
//! - `E[X] = Σ_k P*_k`.
//!
//! Every quantity needs at most three consecutive boundary curves, so it is computed
//! in one streaming pass: one `exp` per threshold, no allocation.

use super::logistic::{log_sigmoid, sigmoid_pair};
use super::Grm;

/// `(P*_k, Q*_k)` for `k` in `0..=K+1`, with the conventions at both ends.
#[inline]
pub(crate) fn boundary(item: &Grm, theta: f64, k: usize) -> (f64, f64) {
    if k == 0 {
        (1.0, 0.0)
    } else {
        match item.thresholds.get(k - 1) {
            Some(b) => sigmoid_pair(item.a * (theta - b)),
            None => (0.0, 1.0),
        }
    }
}

/// `P*_lo − P*_hi` for `lo < hi`, taking the difference on the side where the two
/// curves are small so that it keeps its digits in both tails.
#[inline]
pub(crate) fn gap(lo: (f64, f64), hi: (f64, f64)) -> f64 {
    if hi.0 >= 0.5 {
        hi.1 - lo.1
    } else {
        lo.0 - hi.0
    }
}

/// `P_x`, `d ln P_x/dθ` and `d² ln P_x/dθ²` for `x ≤ K` (the caller checks the range).
#[inline]
pub(crate) fn category(item: &Grm, theta: f64, x: usize) -> (f64, f64, f64) {
    let lo = boundary(item, theta, x);
    let hi = boundary(item, theta, x + 1);
    let a = item.a;
    let p = gap(lo, hi);
    let s = a * (lo.1 - hi.0);
    let h = -a * a * (lo.0 * lo.1 + hi.0 * hi.1);
    (p, s, h)
}

/// `ln P_x`, finite even where `P_x` underflows.
pub(crate) fn log_prob(item: &Grm, theta: f64, x: usize) -> f64 {
    let (p, _, _) = category(item, theta, x);
    if p >= f64::MIN_POSITIVE {
        return p.ln();
    }
    // P_x = σ(z_x)·σ(−z_{x+1})·(1 − e^{−a(b_{x+1} − b_x)}), in logs.
    let a = item.a;
    let k = item.thresholds.len();
    let mut out = 0.0;
    let b_x = if x > 0 {
        item.thresholds.get(x - 1).copied()
    } else {
        None
    };
    let b_next = if x < k {
        item.thresholds.get(x).copied()
    } else {
        None
    };
    if let Some(b) = b_x {
        out += log_sigmoid(a * (theta - b));
    }
    if let Some(b) = b_next {
        out += log_sigmoid(-a * (theta - b));
    }
    if let (Some(b0), Some(b1)) = (b_x, b_next) {
        out += (-(-a * (b1 - b0)).exp_m1()).ln();
    }
    out
}

/// Fisher information `a² Σ_k w_k (P*_{k−1} − P*_{k+1})`.
pub(crate) fn information(item: &Grm, theta: f64) -> f64 {
    let k = item.thresholds.len();
    let mut prev = boundary(item, theta, 0);
    let mut cur = boundary(item, theta, 1);
    let mut sum = 0.0;
    for idx in 1..=k {
        let next = boundary(item, theta, idx + 1);
        sum += cur.0 * cur.1 * gap(prev, next);
        prev = cur;
        cur = next;
    }
    item.a * item.a * sum
}

/// `E[X] = Σ_k P*_k`.
pub(crate) fn expected_score(item: &Grm, theta: f64) -> f64 {
    item.thresholds
        .iter()
        .map(|b| sigmoid_pair(item.a * (theta - b)).0)
        .sum()
}

/// Warm's `J = Σ_x P_x'P_x''/P_x = Σ_x P_x s_x (h_x + s_x²)` with `s`, `h` the first
/// and second derivatives of `ln P_x`.
pub(crate) fn warm_j(item: &Grm, theta: f64) -> f64 {
    let a = item.a;
    let k = item.thresholds.len();
    let mut lo = boundary(item, theta, 0);
    let mut sum = 0.0;
    for x in 0..=k {
        let hi = boundary(item, theta, x + 1);
        let p = gap(lo, hi);
        let s = a * (lo.1 - hi.0);
        let h = -a * a * (lo.0 * lo.1 + hi.0 * hi.1);
        sum += p * s * (h + s * s);
        lo = hi;
    }
    sum
}
