//! Standard errors by the cross-product (XPD, "empirical information") method.
//!
//! At the estimates, each person's marginal score vector is
//! `s_i = Σ_q π_iq · Σ_{j answered} ∂ ln P_j(x_ij | θ_q)/∂ψ`, where `π_iq` is the
//! person's posterior at node q (Louis 1982: the marginal score is the posterior
//! expectation of the complete-data score). The information is approximated by
//! `Σ_i s_i s_iᵀ` plus the priors' curvature; its inverse is the covariance of the
//! estimates. The latent mean and standard deviation, when estimated, are in the
//! same vector: with the grid `θ_q = μ + σ z_q`, `∂/∂μ = Σ_q π_iq Σ_j ∂ ln P_j/∂θ`
//! and `∂/∂σ = Σ_q π_iq z_q Σ_j ∂ ln P_j/∂θ`.
//!
//! Each person only touches the parameters of the items they answered, so the cost
//! is `Σ_i (answers_i × parameters per item)²`, cheap for sparse designs.

use super::estep::{chunk_posteriors, Layout, Plan, INACTIVE};
use super::linalg::{dot, invert_spd};
use super::model::Free;
use super::{ItemModel, Param, ParamSe, Priors, Responses, State};

pub(crate) struct Ses {
    pub(crate) items: Vec<Option<ParamSe>>,
    pub(crate) mean: Option<f64>,
    pub(crate) sd: Option<f64>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn standard_errors(
    data: &Responses,
    plan: &Plan,
    layout: &Layout,
    state: &State,
    logw: &[f64],
    params: &[Option<Param>],
    priors: &Priors,
    mean_free: bool,
    sd_free: bool,
) -> Option<Ses> {
    let nq = layout.nodes;
    // Index of each free item's first parameter in the full vector.
    let mut start = vec![usize::MAX; params.len()];
    let mut dim = 0;
    for (j, p) in params.iter().enumerate() {
        if let Some(Param::Free(f)) = p {
            start[j] = dim;
            dim += f.len();
        }
    }
    let mean_at = dim;
    if mean_free {
        dim += 1;
    }
    let sd_at = dim;
    if sd_free {
        dim += 1;
    }
    if dim == 0 {
        return None;
    }
    let z: Vec<f64> = state
        .nodes
        .iter()
        .map(|t| (t - state.mean) / state.sd)
        .collect();

    // Gradient tables: for free item j, category k, node q: ∂ ln P/∂ψ (len_j values);
    // for every active item: d ln P/dθ.
    let mut goff = vec![usize::MAX; params.len()];
    let mut gtab = Vec::new();
    let mut dtheta = vec![0.0; layout.total];
    let mut probs = Vec::new();
    let mut g = Vec::new();
    for (j, p) in params.iter().enumerate() {
        let Some(p) = p else { continue };
        let k_len = layout.categories[j];
        probs.resize(k_len, 0.0);
        let off = layout.offset[j];
        if let Param::Free(f) = p {
            // Layout [category][parameter][node]: the person loop reads contiguous rows.
            let len = f.len();
            goff[j] = gtab.len();
            gtab.resize(gtab.len() + k_len * len * nq, 0.0);
            g.resize(len, 0.0);
            for k in 0..k_len {
                for (q, &theta) in state.nodes.iter().enumerate() {
                    f.grad_log_prob(theta, k, &mut probs, &mut g);
                    for (m, v) in g.iter().enumerate() {
                        gtab[goff[j] + (k * len + m) * nq + q] = *v;
                    }
                }
            }
        }
        for k in 0..k_len {
            for (q, &theta) in state.nodes.iter().enumerate() {
                dtheta[off + k * nq + q] = p.dlog_dtheta(theta, k, &mut probs);
            }
        }
    }

    let mut info = vec![0.0; dim * dim];
    let mut post = Vec::new();
    let mut window = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut val: Vec<f64> = Vec::new();
    let mut slope = vec![0.0; nq];
    let mut zslope = vec![0.0; nq];
    let latent = mean_free || sd_free;
    for c in 0..plan.chunks() {
        let persons = chunk_posteriors(
            plan,
            c,
            layout,
            &state.logtab,
            logw,
            true,
            &mut post,
            &mut window,
        );
        for person in persons.clone() {
            let i = person - persons.start;
            let (lo, hi) = (window[i].0 as usize, window[i].1 as usize);
            if lo == hi {
                continue;
            }
            let w = &post[i * nq + lo..i * nq + hi];
            let (items, scores) = data.row(person);
            idx.clear();
            val.clear();
            if latent {
                slope[lo..hi].iter_mut().for_each(|v| *v = 0.0);
            }
            for (j, x) in items.iter().zip(scores) {
                let (j, x) = (*j as usize, *x as usize);
                let off = layout.offset[j];
                if off == INACTIVE {
                    continue;
                }
                if latent {
                    let row = &dtheta[off + x * nq + lo..off + x * nq + hi];
                    for (s, v) in slope[lo..hi].iter_mut().zip(row) {
                        *s += v;
                    }
                }
                if let Some(Param::Free(f)) = &params[j] {
                    let len = f.len();
                    for m in 0..len {
                        let at = goff[j] + (x * len + m) * nq;
                        idx.push(start[j] + m);
                        val.push(dot(w, &gtab[at + lo..at + hi]));
                    }
                }
            }
            if mean_free {
                idx.push(mean_at);
                val.push(dot(w, &slope[lo..hi]));
            }
            if sd_free {
                for ((t, s), zq) in zslope[lo..hi]
                    .iter_mut()
                    .zip(&slope[lo..hi])
                    .zip(&z[lo..hi])
                {
                    *t = s * zq;
                }
                idx.push(sd_at);
                val.push(dot(w, &zslope[lo..hi]));
            }
            // Upper triangle (indices ascend); mirrored below once at the end.
            let n = idx.len();
            let contiguous = n > 0 && idx[n - 1] - idx[0] + 1 == n;
            for a in 0..n {
                let (ia, va) = (idx[a], val[a]);
                let row = &mut info[ia * dim..(ia + 1) * dim];
                if contiguous {
                    for (r, vb) in row[ia..ia + n - a].iter_mut().zip(&val[a..]) {
                        *r += va * vb;
                    }
                } else {
                    for (ib, vb) in idx[a..].iter().zip(&val[a..]) {
                        row[*ib] += va * vb;
                    }
                }
            }
        }
    }
    for a in 0..dim {
        for b in 0..a {
            info[a * dim + b] = info[b * dim + a];
        }
    }
    // Priors' curvature.
    let mut gd = Vec::new();
    let mut hd = Vec::new();
    for (j, p) in params.iter().enumerate() {
        if let Some(Param::Free(f)) = p {
            let len = f.len();
            gd.clear();
            gd.resize(len, 0.0);
            hd.clear();
            hd.resize(len * len, 0.0);
            super::mstep::prior_curvature(f, priors, &mut gd, &mut hd);
            for a in 0..len {
                for b in 0..len {
                    info[(start[j] + a) * dim + start[j] + b] += hd[a * len + b];
                }
            }
        }
    }
    let cov = invert_spd(&info, dim)?;
    let var = |a: usize, b: usize| cov[a * dim + b];
    let mut items = vec![None; params.len()];
    for (j, p) in params.iter().enumerate() {
        if let Some(Param::Free(f)) = p {
            items[j] = delta(f, start[j], &var);
        }
    }
    let sqrt = |v: f64| {
        if v > 0.0 && v.is_finite() {
            Some(v.sqrt())
        } else {
            None
        }
    };
    Some(Ses {
        items,
        mean: if mean_free {
            sqrt(var(mean_at, mean_at))
        } else {
            None
        },
        sd: if sd_free {
            sqrt(var(sd_at, sd_at))
        } else {
            None
        },
    })
}

/// Delta method from the slope–intercept covariance block to `(a, b, c, steps)`.
fn delta(f: &Free, s: usize, var: &dyn Fn(usize, usize) -> f64) -> Option<ParamSe> {
    let sqrt = |v: f64| {
        if v > 0.0 && v.is_finite() {
            Some(v.sqrt())
        } else {
            None
        }
    };
    match f.model {
        ItemModel::Rasch => Some(ParamSe {
            a: None,
            b: Some(sqrt(var(s, s))?),
            c: None,
            steps: Vec::new(),
        }),
        ItemModel::TwoPl | ItemModel::ThreePl => {
            let (a, d, _) = f.adc();
            // b = −d/a: ∂b/∂a = d/a², ∂b/∂d = −1/a.
            let (ja, jd) = (d / (a * a), -1.0 / a);
            let vb =
                ja * ja * var(s, s) + 2.0 * ja * jd * var(s, s + 1) + jd * jd * var(s + 1, s + 1);
            Some(ParamSe {
                a: Some(sqrt(var(s, s))?),
                b: Some(sqrt(vb)?),
                c: if f.model == ItemModel::ThreePl {
                    Some(sqrt(var(s + 2, s + 2))?)
                } else {
                    None
                },
                steps: Vec::new(),
            })
        }
        ItemModel::Gpcm { steps } => {
            let a = f.psi[0];
            let mut out = Vec::with_capacity(steps);
            for k in 1..=steps {
                // b_k = −(c_k − c_{k−1})/a.
                let prev = if k > 1 { f.psi[k - 1] } else { 0.0 };
                let bk = -(f.psi[k] - prev) / a;
                // Gradient over (a, c_{k−1}, c_k).
                let ga = -bk / a;
                let gk = -1.0 / a;
                let gp = 1.0 / a;
                let mut v = ga * ga * var(s, s)
                    + gk * gk * var(s + k, s + k)
                    + 2.0 * ga * gk * var(s, s + k);
                if k > 1 {
                    v += gp * gp * var(s + k - 1, s + k - 1)
                        + 2.0 * ga * gp * var(s, s + k - 1)
                        + 2.0 * gk * gp * var(s + k, s + k - 1);
                }
                out.push(sqrt(v)?);
            }
            Some(ParamSe {
                a: Some(sqrt(var(s, s))?),
                b: None,
                c: None,
                steps: out,
            })
        }
    }
}
