//! Linking: putting the parameters of a new calibration on the scale of an old one
//! through items common to both.
//!
//! A linear change of scale `θ_old = A·θ_new + B` maps new item parameters to the
//! old scale as `a* = a/A`, `b* = A·b + B` (and every step or threshold likewise),
//! `c` and `d` unchanged. Two classical ways of finding `(A, B)` from the common
//! items are offered:
//!
//! - [`mean_sigma`] (Marco 1977): `A = sd(b_old)/sd(b_new)`,
//!   `B = mean(b_old) − A·mean(b_new)`, over every location parameter of the common
//!   items (difficulties, GPCM steps, GRM thresholds);
//! - [`stocking_lord`] (Stocking & Lord 1983): `(A, B)` minimising
//!   `Σ_q w_q [Σ_j E_j^old(θ_q) − Σ_j E_j^new*(θ_q)]²`, the squared distance between
//!   the two test characteristic curves over a N(0, 1) grid on the old scale
//!   (Gauss–Newton with step halving, started from mean/sigma).
//!
//! When old parameters can simply be held fixed, anchoring during the calibration
//! ([`super::ItemSetup::anchor`]) is the simpler way to the same end.

use crate::irt::{Item, ParamError};

/// A linear change of the θ scale, `θ_old = slope·θ_new + intercept`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Linking {
    /// `A`.
    pub slope: f64,
    /// `B`.
    pub intercept: f64,
}

/// Why the linking constants could not be found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LinkError {
    /// Not enough common items.
    #[error("linking needs at least {min} common items (got {n})")]
    TooFewItems {
        /// Items given.
        n: usize,
        /// Minimum.
        min: usize,
    },
    /// An old/new pair does not have the same model and number of locations.
    #[error("common item {0}: old and new parameters are not of the same model")]
    ModelMismatch(usize),
    /// The locations do not vary (mean/sigma is undefined).
    #[error("the common items' locations do not vary: the scale cannot be linked")]
    NoSpread,
    /// The minimisation failed or gave a non-finite or non-positive slope.
    #[error("linking failed: {0}")]
    Failed(String),
    /// Applying the constants gave invalid parameters.
    #[error("transformed parameters are invalid: {0}")]
    Param(#[from] ParamError),
}

impl Linking {
    /// No change.
    pub const IDENTITY: Linking = Linking {
        slope: 1.0,
        intercept: 0.0,
    };

    /// θ on the old scale.
    pub fn theta(&self, theta_new: f64) -> f64 {
        self.slope * theta_new + self.intercept
    }

    /// An item's parameters moved to the old scale.
    pub fn item(&self, item: &Item) -> Result<Item, LinkError> {
        let (a_, b_) = (self.slope, self.intercept);
        if !(a_.is_finite() && a_ > 0.0 && b_.is_finite()) {
            return Err(LinkError::Failed(format!(
                "invalid constants A = {a_}, B = {b_}"
            )));
        }
        Ok(match item {
            Item::Logistic(l) => Item::logistic(l.a / a_, a_ * l.b + b_, l.c, l.d)?,
            Item::Gpcm(g) => Item::gpcm(g.a / a_, g.steps.iter().map(|s| a_ * s + b_).collect())?,
            Item::Grm(g) => {
                Item::grm(g.a / a_, g.thresholds.iter().map(|s| a_ * s + b_).collect())?
            }
        })
    }
}

fn locations(item: &Item) -> Vec<f64> {
    match item {
        Item::Logistic(l) => vec![l.b],
        Item::Gpcm(g) => g.steps.clone(),
        Item::Grm(g) => g.thresholds.clone(),
    }
}

fn same_shape(old: &Item, new: &Item) -> bool {
    match (old, new) {
        (Item::Logistic(_), Item::Logistic(_)) => true,
        (Item::Gpcm(a), Item::Gpcm(b)) => a.steps.len() == b.steps.len(),
        (Item::Grm(a), Item::Grm(b)) => a.thresholds.len() == b.thresholds.len(),
        _ => false,
    }
}

fn check_pairs(pairs: &[(Item, Item)], min: usize) -> Result<(), LinkError> {
    if pairs.len() < min {
        return Err(LinkError::TooFewItems {
            n: pairs.len(),
            min,
        });
    }
    for (i, (o, n)) in pairs.iter().enumerate() {
        if !same_shape(o, n) {
            return Err(LinkError::ModelMismatch(i));
        }
    }
    Ok(())
}

/// Mean/sigma linking constants from `(old, new)` parameters of common items.
pub fn mean_sigma(pairs: &[(Item, Item)]) -> Result<Linking, LinkError> {
    check_pairs(pairs, 2)?;
    let old: Vec<f64> = pairs.iter().flat_map(|(o, _)| locations(o)).collect();
    let new: Vec<f64> = pairs.iter().flat_map(|(_, n)| locations(n)).collect();
    let moments = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let s = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt();
        (m, s)
    };
    let (mo, so) = moments(&old);
    let (mn, sn) = moments(&new);
    if !(so > 1e-12 && sn > 1e-12) {
        return Err(LinkError::NoSpread);
    }
    let slope = so / sn;
    let l = Linking {
        slope,
        intercept: mo - slope * mn,
    };
    if l.slope.is_finite() && l.intercept.is_finite() {
        Ok(l)
    } else {
        Err(LinkError::Failed("non-finite mean/sigma constants".into()))
    }
}

/// Stocking–Lord linking constants from `(old, new)` parameters of common items.
pub fn stocking_lord(pairs: &[(Item, Item)]) -> Result<Linking, LinkError> {
    check_pairs(pairs, 2)?;
    // Grid on the old scale: 41 points on [−4, 4], N(0, 1) weights.
    let nodes: Vec<f64> = (0..41).map(|i| -4.0 + 0.2 * i as f64).collect();
    let weights: Vec<f64> = {
        let w: Vec<f64> = nodes.iter().map(|t| (-0.5 * t * t).exp()).collect();
        let s: f64 = w.iter().sum();
        w.iter().map(|v| v / s).collect()
    };
    let target: Vec<f64> = nodes
        .iter()
        .map(|t| pairs.iter().map(|(o, _)| o.expected_score(*t)).sum())
        .collect();
    // Residuals r_q = √w_q (T_old − T_new*) for constants (A, B).
    let residuals = |a_: f64, b_: f64, out: &mut [f64]| -> bool {
        if !(a_ > 1e-6 && a_.is_finite() && b_.is_finite()) {
            return false;
        }
        for (q, t) in nodes.iter().enumerate() {
            // θ_old = A θ_new + B, so the new item at θ_old is evaluated at (θ − B)/A.
            let tn = (t - b_) / a_;
            let s: f64 = pairs.iter().map(|(_, n)| n.expected_score(tn)).sum();
            out[q] = weights[q].sqrt() * (target[q] - s);
        }
        out.iter().all(|v| v.is_finite())
    };
    let start = mean_sigma(pairs).unwrap_or(Linking::IDENTITY);
    let (mut a_, mut b_) = (start.slope, start.intercept);
    let nq = nodes.len();
    let mut r = vec![0.0; nq];
    let mut ra = vec![0.0; nq];
    let mut rb = vec![0.0; nq];
    let mut trial = vec![0.0; nq];
    if !residuals(a_, b_, &mut r) {
        return Err(LinkError::Failed("invalid starting constants".into()));
    }
    let ss = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
    let mut f = ss(&r);
    for _ in 0..200 {
        let h = 1e-6;
        if !(residuals(a_ + h, b_, &mut ra) && residuals(a_, b_ + h, &mut rb)) {
            break;
        }
        // Jacobian columns by forward differences.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for q in 0..nq {
            let da = (ra[q] - r[q]) / h;
            let db = (rb[q] - r[q]) / h;
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r[q];
            gb += db * r[q];
        }
        let det = jaa * jbb - jab * jab;
        if det.abs() <= 1e-300 || det.is_nan() {
            break;
        }
        // Gauss–Newton step: −(JᵀJ)⁻¹Jᵀr.
        let sa = -(jbb * ga - jab * gb) / det;
        let sb = -(jaa * gb - jab * ga) / det;
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..40 {
            let (na, nb) = (a_ + t * sa, b_ + t * sb);
            if residuals(na, nb, &mut trial) {
                let nf = ss(&trial);
                if nf <= f {
                    a_ = na;
                    b_ = nb;
                    f = nf;
                    r.copy_from_slice(&trial);
                    moved = true;
                    break;
                }
            }
            t *= 0.5;
        }
        if !moved || (t * sa).abs().max((t * sb).abs()) < 1e-10 {
            break;
        }
    }
    if a_.is_finite() && a_ > 0.0 && b_.is_finite() {
        Ok(Linking {
            slope: a_,
            intercept: b_,
        })
    } else {
        Err(LinkError::Failed(
            "non-finite Stocking-Lord constants".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_methods_recover_a_known_change_of_scale() {
        let truth = Linking {
            slope: 1.3,
            intercept: -0.4,
        };
        let old: Vec<Item> = (0..8)
            .map(|i| Item::two_pl(0.8 + 0.1 * i as f64, -1.5 + 0.4 * i as f64).unwrap())
            .collect();
        // new = old expressed on a scale where θ_old = A θ_new + B.
        let inverse = Linking {
            slope: 1.0 / truth.slope,
            intercept: -truth.intercept / truth.slope,
        };
        let pairs: Vec<(Item, Item)> = old
            .iter()
            .map(|o| (o.clone(), inverse.item(o).unwrap()))
            .collect();
        for l in [mean_sigma(&pairs).unwrap(), stocking_lord(&pairs).unwrap()] {
            assert!((l.slope - truth.slope).abs() < 1e-6, "{l:?}");
            assert!((l.intercept - truth.intercept).abs() < 1e-6, "{l:?}");
        }
        assert!(matches!(
            mean_sigma(&pairs[..1]),
            Err(LinkError::TooFewItems { .. })
        ));
    }
}
