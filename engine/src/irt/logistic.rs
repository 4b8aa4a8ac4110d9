//! Dichotomous logistic items (1PL–4PL, D = 1): response function, its first three
//! derivatives, Fisher information and its derivatives, Warm's J term.
//!
//! Everything is written in terms of `L = σ(z)` and `M = σ(−z) = 1 − L`, with
//! `z = a(θ − b)`, both obtained to full relative precision from a single `exp`. The
//! model quantities then follow without subtracting nearly equal numbers:
//!
//! - `P = c + (d − c)L`, `Q = 1 − P = (1 − d) + (d − c)M`;
//! - `P' = a(d − c)LM`, `P'' = a(M − L)P'`, `P''' = a²(1 − 6LM)P'`;
//! - `I = P'²/(PQ) = a²(d − c)²·LM·(L/P)·(M/Q)`, where `L/P ≤ 1/(d − c)` and
//!   `M/Q ≤ 1/(d − c)` stay finite even when `P` or `Q` underflow;
//! - `J = P'P''/(PQ) = a(M − L)·I`.
//!
//! This keeps the functions free of NaN and infinities for any finite θ (in particular
//! |θ| ≤ 20) and any discrimination, including the extreme ones (|a| ≈ 70) found in
//! catR's reference tables. The formulas also hold for a negative `a`, which the
//! checked [`Item`](super::Item) constructors refuse but catR's tables contain.

use super::Logistic;

/// `(σ(z), σ(−z))`, both to full relative precision, from one `exp`.
///
/// Computing `1 − σ(z)` by subtraction would lose every digit of the smaller tail.
#[inline]
pub(crate) fn sigmoid_pair(z: f64) -> (f64, f64) {
    let e = (-z.abs()).exp();
    let big = 1.0 / (1.0 + e);
    let small = e * big;
    if z >= 0.0 {
        (big, small)
    } else {
        (small, big)
    }
}

/// `ln σ(z)`, finite for every finite `z` (no underflow of `σ(z)` to 0).
#[inline]
pub(crate) fn log_sigmoid(z: f64) -> f64 {
    let e = (-z.abs()).exp();
    if z >= 0.0 {
        -e.ln_1p()
    } else {
        z - e.ln_1p()
    }
}

/// `ln(eˣ + eʸ)` without overflow or underflow.
#[inline]
pub(crate) fn log_add_exp(x: f64, y: f64) -> f64 {
    let m = x.max(y);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((x - m).exp() + (y - m).exp()).ln()
}

/// The logistic pieces of one item at one θ, shared by every quantity below.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Core {
    a: f64,
    /// `d − c`.
    g: f64,
    /// `σ(z)`.
    l: f64,
    /// `σ(−z)`.
    m: f64,
    /// `P(θ)`.
    p: f64,
    /// `Q(θ) = 1 − P(θ)`, computed without cancellation.
    q: f64,
    /// `z = a(θ − b)`.
    z: f64,
}

impl Core {
    #[inline]
    pub(crate) fn new(item: &Logistic, theta: f64) -> Self {
        let z = item.a * (theta - item.b);
        Self::from_exp(item, z, (-z.abs()).exp())
    }

    /// The core at `z = a(θ − b)` given `e = exp(−|z|)` (computed by the caller, possibly
    /// by recurrence along a grid).
    #[inline]
    fn from_exp(item: &Logistic, z: f64, e: f64) -> Self {
        let big = 1.0 / (1.0 + e);
        let small = e * big;
        let (l, m) = if z >= 0.0 { (big, small) } else { (small, big) };
        let g = item.d - item.c;
        // The `min`s only remove a last-bit rounding excess (P can round above d).
        let p = (item.c + g * l).min(item.d);
        let q = ((1.0 - item.d) + g * m).min(1.0 - item.c);
        Core {
            a: item.a,
            g,
            l,
            m,
            p,
            q,
            z,
        }
    }

    /// `L/P`, bounded by `1/(d − c)`; its limit when `P` underflows to 0.
    #[inline]
    fn l_over_p(&self) -> f64 {
        if self.p > 0.0 {
            self.l / self.p
        } else {
            1.0 / self.g
        }
    }

    /// `M/Q`, bounded by `1/(d − c)`; its limit when `Q` underflows to 0.
    #[inline]
    fn m_over_q(&self) -> f64 {
        if self.q > 0.0 {
            self.m / self.q
        } else {
            1.0 / self.g
        }
    }

    #[inline]
    pub(crate) fn p(&self) -> f64 {
        self.p
    }

    #[inline]
    pub(crate) fn q(&self) -> f64 {
        self.q
    }

    /// `P'`.
    #[inline]
    pub(crate) fn dp(&self) -> f64 {
        self.a * self.g * self.l * self.m
    }

    /// `a(1 − 2L) = a(M − L)`: `P'' = a(M − L)·P'`.
    #[inline]
    fn a_t(&self) -> f64 {
        self.a * (self.m - self.l)
    }

    /// Fisher information `P'²/(PQ)`.
    #[inline]
    pub(crate) fn information(&self) -> f64 {
        let ag = self.a * self.g;
        ag * ag * (self.l * self.m) * self.l_over_p() * self.m_over_q()
    }

    /// `ln P`, finite even where `P` underflows.
    #[inline]
    pub(crate) fn log_p(&self, item: &Logistic) -> f64 {
        if self.p > 0.5 {
            // ln(1 − Q) keeps the digits of a small Q.
            (-self.q).ln_1p()
        } else if self.p >= f64::MIN_POSITIVE {
            self.p.ln()
        } else {
            // P = c + (d − c)σ(z) is below the normal range: work in logs.
            let log_gl = self.g.ln() + log_sigmoid(self.z);
            if item.c > 0.0 {
                log_add_exp(item.c.ln(), log_gl)
            } else {
                log_gl
            }
        }
    }

    /// `ln Q`, finite even where `Q` underflows.
    #[inline]
    pub(crate) fn log_q(&self, item: &Logistic) -> f64 {
        if self.q > 0.5 {
            (-self.p).ln_1p()
        } else if self.q >= f64::MIN_POSITIVE {
            self.q.ln()
        } else {
            let log_gm = self.g.ln() + log_sigmoid(-self.z);
            let upper_gap = 1.0 - item.d;
            if upper_gap > 0.0 {
                log_add_exp(upper_gap.ln(), log_gm)
            } else {
                log_gm
            }
        }
    }

    /// First and second derivatives in θ of the log-likelihood of `correct` (true: `ln P`,
    /// false: `ln Q`).
    ///
    /// With `s` the first derivative (`P'/P` or `−P'/Q`), the second is `a(M − L)s − s²`
    /// in both cases.
    #[inline]
    pub(crate) fn log_likelihood_derivatives(&self, correct: bool) -> (f64, f64) {
        let ag = self.a * self.g;
        let s = if correct {
            ag * self.m * self.l_over_p()
        } else {
            -ag * self.l * self.m_over_q()
        };
        (s, self.a_t() * s - s * s)
    }

    /// Warm's `J = P'P''/(PQ)`, given the information `info` at the same θ.
    #[inline]
    pub(crate) fn j_from_information(&self, info: f64) -> f64 {
        self.a_t() * info
    }

    /// Every derivative catR tabulates, from the same core.
    pub(crate) fn derivatives(&self) -> LogisticDerivatives {
        let a = self.a;
        let ag = a * self.g;
        let lm = self.l * self.m;
        let lp = self.l_over_p();
        let mq = self.m_over_q();
        let dp = ag * lm;
        let at = self.a_t();
        let info = ag * ag * lm * lp * mq;
        // s = R'/R with R = PQ: P'/P − P'/Q.
        let s = ag * self.m * lp - ag * self.l * mq;
        let j = at * info;
        let dinfo = 2.0 * j - info * s;
        let ds = at * s - 2.0 * info - s * s;
        let dj = a * a * (2.0 - 10.0 * lm) * info - j * s;
        let d2info = 2.0 * dj - dinfo * s - info * ds;
        LogisticDerivatives {
            p: self.p,
            q: self.q,
            dp,
            d2p: at * dp,
            d3p: a * a * (1.0 - 6.0 * lm) * dp,
            information: info,
            dinformation: dinfo,
            d2information: d2info,
            j,
            dj,
        }
    }
}

/// Adds `ln P(θ_i)` (`correct`) or `ln Q(θ_i)` to `out[i]` for equally spaced `nodes`
/// (spacing `step`): the EAP update loop.
///
/// Along a grid `exp(−|z|)` is geometric on each side of `z = 0`, so inside blocks of
/// [`GRID_BLOCK`] nodes it advances by a constant factor instead of a fresh `exp`; each
/// block restarts from an exact `exp` (relative error ≤ ~[`GRID_BLOCK`]·ε ≈ 2e-15).
/// Blocks that straddle `z = 0` or start below the normal range are evaluated exactly.
pub(crate) fn add_log_likelihood_on_grid(
    item: &Logistic,
    nodes: &[f64],
    step: f64,
    correct: bool,
    out: &mut [f64],
) {
    let down = (-item.a * step).exp(); // factor of exp(−z) per step where z ≥ 0
    let up = (item.a * step).exp(); // factor of exp(z) per step where z < 0
    let log_lik = |core: Core| {
        if correct {
            core.log_p(item)
        } else {
            core.log_q(item)
        }
    };
    for (block, acc) in nodes.chunks(GRID_BLOCK).zip(out.chunks_mut(GRID_BLOCK)) {
        let (Some(&first), Some(&last)) = (block.first(), block.last()) else {
            continue;
        };
        let z_first = item.a * (first - item.b);
        let z_last = item.a * (last - item.b);
        let factor = if z_first >= 0.0 { down } else { up };
        let mut e = (-z_first.abs()).exp();
        let recurrence = (z_first >= 0.0) == (z_last >= 0.0)
            && e >= f64::MIN_POSITIVE
            && factor.is_finite()
            && factor > 0.0;
        for (&t, o) in block.iter().zip(acc.iter_mut()) {
            let z = item.a * (t - item.b);
            if !recurrence {
                e = (-z.abs()).exp();
            }
            *o += log_lik(Core::from_exp(item, z, e));
            e *= factor;
        }
    }
}

/// Nodes per block of [`add_log_likelihood_on_grid`]'s recurrence.
pub(crate) const GRID_BLOCK: usize = 16;

/// The response function of a dichotomous item, its derivatives in θ, its Fisher
/// information and Warm's J term with their derivatives, all at one θ.
///
/// One struct so that the quantities catR tabulates (`Pi`, `Ii`, `Ji`) come from a
/// single evaluation; see [`Logistic::derivatives`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogisticDerivatives {
    /// `P(θ)`, probability of a correct answer.
    pub p: f64,
    /// `Q(θ) = 1 − P(θ)`, computed without cancellation.
    pub q: f64,
    /// `P'(θ)`.
    pub dp: f64,
    /// `P''(θ)`.
    pub d2p: f64,
    /// `P'''(θ)`.
    pub d3p: f64,
    /// Fisher information `I = P'²/(PQ)`.
    pub information: f64,
    /// `I'(θ)`.
    pub dinformation: f64,
    /// `I''(θ)`.
    pub d2information: f64,
    /// Warm's term `J = P'P''/(PQ)`.
    pub j: f64,
    /// `J'(θ)`.
    pub dj: f64,
}

impl Logistic {
    /// Probability of a correct answer, `c + (d − c)/(1 + exp(−a(θ − b)))` (D = 1).
    #[inline]
    pub fn p(&self, theta: f64) -> f64 {
        Core::new(self, theta).p()
    }

    /// Probability of a wrong answer, `1 − P(θ)`, without cancellation when `P ≈ 1`.
    #[inline]
    pub fn q(&self, theta: f64) -> f64 {
        Core::new(self, theta).q()
    }

    /// First derivative `P'(θ) = a(d − c)L(1 − L)`.
    #[inline]
    pub fn dp(&self, theta: f64) -> f64 {
        Core::new(self, theta).dp()
    }

    /// Second derivative `P''(θ) = a(1 − 2L)·P'(θ)`.
    #[inline]
    pub fn d2p(&self, theta: f64) -> f64 {
        self.derivatives(theta).d2p
    }

    /// Third derivative `P'''(θ) = a²(1 − 6L(1 − L))·P'(θ)`.
    #[inline]
    pub fn d3p(&self, theta: f64) -> f64 {
        self.derivatives(theta).d3p
    }

    /// Fisher information `P'²/(PQ)`: the hot path of item selection (one `exp`, one
    /// division, no allocation).
    ///
    /// With `e = exp(−|z|)`, `I = (a(d − c)e)² / ((1 + e)²·N_P·N_Q)` where `N_P` and `N_Q`
    /// are `P(1 + e)` and `Q(1 + e)` written as sums of positive terms (for z ≥ 0:
    /// `d + ce` and `(1 − d) + (1 − c)e`; for z < 0: `c + de` and `(1 − c) + (1 − d)e`).
    /// Far in the tails (`e ≤ 1e-100`, where `e²` could underflow) the bounded-ratio form
    /// of [`derivatives`](Logistic::derivatives) takes over.
    #[inline]
    pub fn information(&self, theta: f64) -> f64 {
        let z = self.a * (theta - self.b);
        let e = (-z.abs()).exp();
        if e > 1e-100 {
            let (c, d) = (self.c, self.d);
            let (np, nq) = if z >= 0.0 {
                (d + c * e, (1.0 - d) + (1.0 - c) * e)
            } else {
                (c + d * e, (1.0 - c) + (1.0 - d) * e)
            };
            let age = self.a * (d - c) * e;
            let one_e = 1.0 + e;
            age * age / (one_e * one_e * np * nq)
        } else {
            Core::new(self, theta).information()
        }
    }

    /// Warm's bias-correction term `J = P'P''/(PQ)`, used by the weighted likelihood
    /// estimator.
    #[inline]
    pub fn j(&self, theta: f64) -> f64 {
        let core = Core::new(self, theta);
        core.j_from_information(core.information())
    }

    /// `ln P(θ)`, finite for every finite θ (computed in log space where `P` would
    /// underflow), so no clamping of probabilities is needed.
    #[inline]
    pub fn log_p(&self, theta: f64) -> f64 {
        Core::new(self, theta).log_p(self)
    }

    /// `ln Q(θ)`, finite for every finite θ.
    #[inline]
    pub fn log_q(&self, theta: f64) -> f64 {
        Core::new(self, theta).log_q(self)
    }

    /// All derivatives catR tabulates (`P, P', P'', P''', I, I', I'', J, J'`) from one
    /// evaluation.
    pub fn derivatives(&self, theta: f64) -> LogisticDerivatives {
        Core::new(self, theta).derivatives()
    }
}
