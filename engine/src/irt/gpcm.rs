//! Generalised partial credit items: category probabilities and their moments.
//!
//! With `s_x = Σ_{v ≤ x} a(θ − b_v)` (`s_0 = 0`), `P_x = exp(s_x)/Σ_j exp(s_j)`. The
//! model is an exponential family in θ with statistic `aX`, so every derivative is a
//! moment of the score distribution:
//!
//! - `d ln P_x/dθ = a(x − E[X])`, `d² ln P_x/dθ² = −a²Var(X)`;
//! - `I = a²Var(X)`, `J = Σ_x P_x'P_x''/P_x = a³μ₃` (third central moment).
//!
//! The moments are accumulated around the modal category, so they keep their relative
//! precision in the tails (where almost all the mass sits on one category and a
//! raw-moment formula `E[X²] − E[X]²` would cancel to noise). Two passes over the steps,
//! one `exp` per category, no allocation.

use super::Gpcm;

/// The score distribution of a GPCM item at one θ.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GpcmState {
    theta: f64,
    /// `s_mode`, the largest `s_x`.
    s_mode: f64,
    /// `ln Σ_j exp(s_j − s_mode)`, ≥ 0.
    log_norm: f64,
    /// `E[X]`.
    pub(crate) mean: f64,
    /// `Var(X)`.
    pub(crate) var: f64,
    /// Third central moment.
    pub(crate) mu3: f64,
}

impl GpcmState {
    pub(crate) fn new(item: &Gpcm, theta: f64) -> Self {
        let a = item.a;
        let mut s = 0.0;
        let mut s_mode = 0.0;
        let mut mode = 0usize;
        for (v, b) in item.steps.iter().enumerate() {
            s += a * (theta - b);
            if s > s_mode {
                s_mode = s;
                mode = v + 1;
            }
        }
        // Moments of (X − mode) with weights exp(s_x − s_mode) ≤ 1, exactly 1 at the
        // mode (which is therefore added without an `exp`).
        let mode_f = mode as f64;
        let mut sum0 = 1.0;
        let mut sum1 = 0.0;
        let mut sum2 = 0.0;
        let mut sum3 = 0.0;
        let mut add = |x: usize, s_x: f64| {
            if x != mode {
                let w = (s_x - s_mode).exp();
                let dx = x as f64 - mode_f;
                let wdx = w * dx;
                sum0 += w;
                sum1 += wdx;
                sum2 += wdx * dx;
                sum3 += wdx * dx * dx;
            }
        };
        add(0, 0.0);
        let mut s = 0.0;
        for (v, b) in item.steps.iter().enumerate() {
            s += a * (theta - b);
            add(v + 1, s);
        }
        let m1 = sum1 / sum0;
        let m2 = sum2 / sum0;
        let m3 = sum3 / sum0;
        GpcmState {
            theta,
            s_mode,
            log_norm: sum0.ln(),
            mean: mode_f + m1,
            var: (m2 - m1 * m1).max(0.0),
            mu3: m3 - 3.0 * m1 * m2 + 2.0 * m1 * m1 * m1,
        }
    }

    /// `ln P_x` for `x ≤ k` (the caller checks the range).
    pub(crate) fn log_prob(&self, item: &Gpcm, x: usize) -> f64 {
        let s_x = item
            .steps
            .iter()
            .take(x)
            .fold(0.0, |s, b| s + item.a * (self.theta - b));
        (s_x - self.s_mode) - self.log_norm
    }

    /// `P_x` for `x ≤ k`.
    pub(crate) fn prob(&self, item: &Gpcm, x: usize) -> f64 {
        self.log_prob(item, x).exp()
    }
}
