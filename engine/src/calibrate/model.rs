//! The free parameters of one item during a calibration, in the parametrisation
//! the M-step works in, with the analytic derivatives it needs.
//!
//! Dichotomous items use the slope–intercept form `z = aθ + d` (so `b = −d/a`) and
//! `P = c + (1 − c)σ(z)`; GPCM items use `z_k = a·k·θ + c_k` with `c_0 = 0` (so
//! `b_k = −(c_k − c_{k−1})/a`). In these forms the 2PL and GPCM expected
//! complete-data log-likelihoods are concave, and the Newton steps are well
//! conditioned even for very easy or very hard items.

use crate::irt::{Item, ParamError};

use super::ItemModel;

/// Discrimination bounds kept by the M-step (an item reaching one is flagged).
pub(crate) const A_MIN: f64 = 0.01;
pub(crate) const A_MAX: f64 = 30.0;
/// Bound on intercepts (`|d|`, `|c_k|`).
pub(crate) const INTERCEPT_MAX: f64 = 300.0;
/// Bounds of the lower asymptote during the M-step.
pub(crate) const C_MIN: f64 = 1e-6;
pub(crate) const C_MAX: f64 = 0.95;

// The logistic helpers of the response models, shared rather than restated.
pub(crate) use crate::irt::logistic::{log_sigmoid, sigmoid_pair};

/// One item's free parameters: `[d]` (Rasch), `[a, d]` (2PL), `[a, d, c]` (3PL),
/// `[a, c_1, …, c_K]` (GPCM).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Free {
    pub(crate) model: ItemModel,
    pub(crate) psi: Vec<f64>,
}

impl Free {
    /// Number of score categories (`max_score + 1`).
    pub(crate) fn categories(&self) -> usize {
        match self.model {
            ItemModel::Gpcm { steps } => steps + 1,
            _ => 2,
        }
    }

    /// Number of free parameters.
    pub(crate) fn len(&self) -> usize {
        self.psi.len()
    }

    /// `(a, d, c)` of a dichotomous item.
    #[inline]
    pub(crate) fn adc(&self) -> (f64, f64, f64) {
        match self.model {
            ItemModel::Rasch => (1.0, self.psi[0], 0.0),
            ItemModel::TwoPl => (self.psi[0], self.psi[1], 0.0),
            ItemModel::ThreePl => (self.psi[0], self.psi[1], self.psi[2]),
            ItemModel::Gpcm { .. } => (self.psi[0], 0.0, 0.0),
        }
    }

    /// Whether the parameters are inside the M-step's box (and finite).
    pub(crate) fn valid(&self) -> bool {
        if self.psi.iter().any(|v| !v.is_finite()) {
            return false;
        }
        match self.model {
            ItemModel::Rasch => self.psi[0].abs() <= INTERCEPT_MAX,
            ItemModel::TwoPl | ItemModel::ThreePl => {
                let ok =
                    (A_MIN..=A_MAX).contains(&self.psi[0]) && self.psi[1].abs() <= INTERCEPT_MAX;
                if self.model == ItemModel::ThreePl {
                    ok && (C_MIN..=C_MAX).contains(&self.psi[2])
                } else {
                    ok
                }
            }
            ItemModel::Gpcm { .. } => {
                (A_MIN..=A_MAX).contains(&self.psi[0])
                    && self.psi[1..].iter().all(|c| c.abs() <= INTERCEPT_MAX)
            }
        }
    }

    /// `ln P_k(θ)` for every category, into `out` (length `categories()`).
    #[inline]
    pub(crate) fn log_probs(&self, theta: f64, out: &mut [f64]) {
        match self.model {
            ItemModel::Gpcm { .. } => {
                let a = self.psi[0];
                let mut m = 0.0f64;
                out[0] = 0.0;
                for (k, (o, c)) in out.iter_mut().zip(&self.psi).enumerate().skip(1) {
                    *o = a * k as f64 * theta + c;
                    m = m.max(*o);
                }
                let mut s = 0.0;
                for v in out.iter() {
                    s += (v - m).exp();
                }
                let lse = m + s.ln();
                for v in out.iter_mut() {
                    *v -= lse;
                }
            }
            _ => {
                let (a, d, c) = self.adc();
                let z = a * theta + d;
                if c == 0.0 {
                    out[1] = log_sigmoid(z);
                    out[0] = log_sigmoid(-z);
                } else {
                    let (l, _) = sigmoid_pair(z);
                    out[1] = (c + (1.0 - c) * l).ln();
                    out[0] = (1.0 - c).ln() + log_sigmoid(-z);
                }
            }
        }
    }

    /// `P_k(θ)` for every category, into `out`.
    #[inline]
    pub(crate) fn probs(&self, theta: f64, out: &mut [f64]) {
        self.log_probs(theta, out);
        for v in out.iter_mut() {
            *v = v.exp();
        }
    }

    /// `∂ ln P_x(θ)/∂ψ` into `out` (length `len()`); `probs` is scratch of length
    /// `categories()`.
    pub(crate) fn grad_log_prob(&self, theta: f64, x: usize, probs: &mut [f64], out: &mut [f64]) {
        match self.model {
            ItemModel::Gpcm { .. } => {
                self.probs(theta, probs);
                let mean: f64 = probs.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
                out[0] = theta * (x as f64 - mean);
                for k in 1..probs.len() {
                    out[k] = if k == x { 1.0 } else { 0.0 } - probs[k];
                }
            }
            _ => {
                let (a, d, c) = self.adc();
                let (l, m) = sigmoid_pair(a * theta + d);
                let p = c + (1.0 - c) * l;
                let (dz, dc) = if x == 1 {
                    ((1.0 - c) * l * m / p, m / p)
                } else {
                    (-l, -1.0 / (1.0 - c))
                };
                match self.model {
                    ItemModel::Rasch => out[0] = dz,
                    ItemModel::TwoPl => {
                        out[0] = dz * theta;
                        out[1] = dz;
                    }
                    _ => {
                        out[0] = dz * theta;
                        out[1] = dz;
                        out[2] = dc;
                    }
                }
            }
        }
    }

    /// The checked engine item.
    pub(crate) fn to_item(&self) -> Result<Item, ParamError> {
        match self.model {
            ItemModel::Gpcm { .. } => {
                let a = self.psi[0];
                let mut prev = 0.0;
                let mut steps = Vec::with_capacity(self.psi.len() - 1);
                for c in &self.psi[1..] {
                    steps.push(-(c - prev) / a);
                    prev = *c;
                }
                Item::gpcm(a, steps)
            }
            _ => {
                let (a, d, c) = self.adc();
                Item::logistic(a, -d / a, c, 1.0)
            }
        }
    }

    /// Free parameters from a start item of the same model; `None` when the item's
    /// model does not match (a GRM start for a 2PL fit, a 4PL with `d < 1`, …).
    pub(crate) fn from_item(model: ItemModel, item: &Item) -> Option<Free> {
        let psi = match (model, item) {
            (ItemModel::Rasch, Item::Logistic(l)) if l.d == 1.0 => vec![-l.b],
            (ItemModel::TwoPl, Item::Logistic(l)) if l.d == 1.0 => vec![l.a, -l.a * l.b],
            (ItemModel::ThreePl, Item::Logistic(l)) if l.d == 1.0 => {
                vec![l.a, -l.a * l.b, l.c.max(C_MIN)]
            }
            (ItemModel::Gpcm { steps }, Item::Gpcm(g)) if g.steps.len() == steps => {
                let mut psi = Vec::with_capacity(steps + 1);
                psi.push(g.a);
                let mut c = 0.0;
                for b in &g.steps {
                    c -= g.a * b;
                    psi.push(c);
                }
                psi
            }
            _ => return None,
        };
        let mut free = Free { model, psi };
        // A start outside the M-step's box is pulled inside it.
        free.project();
        Some(free)
    }

    /// Pulls the parameters inside the M-step's box (a start given from outside,
    /// or an extrapolated EM point).
    pub(crate) fn project(&mut self) {
        let model = self.model;
        if let ItemModel::TwoPl | ItemModel::ThreePl | ItemModel::Gpcm { .. } = model {
            self.psi[0] = self.psi[0].clamp(A_MIN, A_MAX);
        }
        if model == ItemModel::ThreePl {
            self.psi[2] = self.psi[2].clamp(C_MIN, C_MAX);
        }
        for v in self.psi.iter_mut().skip(1) {
            *v = v.clamp(-INTERCEPT_MAX, INTERCEPT_MAX);
        }
        if model == ItemModel::Rasch {
            self.psi[0] = self.psi[0].clamp(-INTERCEPT_MAX, INTERCEPT_MAX);
        }
    }

    /// Default start from the category counts of the item (`counts[k]` answers in
    /// category k): slope 1 and intercepts from the observed proportions, rescaled
    /// by the usual logistic–normal approximation.
    pub(crate) fn start(model: ItemModel, counts: &[f64]) -> Free {
        let total: f64 = counts.iter().sum::<f64>().max(1.0);
        // Marginal logit ≈ intercept / sqrt(1 + π a²/8) for a N(0, 1) latent.
        let scale = (1.0 + std::f64::consts::PI / 8.0).sqrt();
        let logit = |p: f64| {
            let p = p.clamp(0.5 / total, 1.0 - 0.5 / total);
            (p / (1.0 - p)).ln()
        };
        match model {
            ItemModel::Rasch => Free {
                model,
                psi: vec![logit(counts[1] / total) * scale],
            },
            ItemModel::TwoPl => Free {
                model,
                psi: vec![1.0, logit(counts[1] / total) * scale],
            },
            ItemModel::ThreePl => {
                let c = 0.2;
                let p = ((counts[1] / total - c) / (1.0 - c)).clamp(0.05, 0.95);
                Free {
                    model,
                    psi: vec![1.0, logit(p) * scale, c],
                }
            }
            ItemModel::Gpcm { steps } => {
                let mut psi = vec![1.0];
                let floor = 0.5;
                let base = counts[0].max(floor);
                for c in &counts[1..=steps] {
                    psi.push((c.max(floor) / base).ln());
                }
                Free { model, psi }
            }
        }
    }
}
