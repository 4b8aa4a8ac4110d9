//! M-step: one item at a time, Newton–Raphson (Fisher scoring for the 3PL) on the
//! expected complete-data log-posterior
//!
//! `f(ψ) = Σ_q Σ_k r_{kq} ln P_k(θ_q; ψ) + ln prior(ψ)`,
//!
//! where `r_{kq}` is the expected number of persons at node `q` who scored `k` on
//! the item (from the E-step). Gradients and information are analytic; each Newton
//! step is halved until `f` does not decrease and the parameters stay inside their
//! box, so the M-step never diverges.

use super::linalg::solve_spd_ridge;
use super::model::{sigmoid_pair, Free};
use super::{ItemModel, Priors};

/// Reusable buffers (no allocation per item once warmed up).
#[derive(Default)]
pub(crate) struct Scratch {
    g: Vec<f64>,
    h: Vec<f64>,
    step: Vec<f64>,
    work: Vec<f64>,
    probs: Vec<f64>,
    trial: Vec<f64>,
}

/// Log-prior of the item's parameters (0 without priors).
pub(crate) fn log_prior(free: &Free, priors: &Priors) -> f64 {
    let mut f = 0.0;
    let (a, d, c) = free.adc();
    let has_a = !matches!(free.model, ItemModel::Rasch);
    if let (true, Some(p)) = (has_a, priors.a) {
        let u = a.ln() - p.meanlog;
        f += -a.ln() - u * u / (2.0 * p.sdlog * p.sdlog);
    }
    if !matches!(free.model, ItemModel::Gpcm { .. }) {
        if let Some(p) = priors.b {
            let u = -d / a - p.mean;
            f -= u * u / (2.0 * p.sd * p.sd);
        }
    }
    if let (ItemModel::ThreePl, Some(p)) = (free.model, priors.c) {
        f += (p.alpha - 1.0) * c.ln() + (p.beta - 1.0) * (1.0 - c).ln();
    }
    f
}

/// The prior's gradient and (positive, approximate) curvature added to `g`, `h`.
pub(crate) fn prior_curvature(free: &Free, priors: &Priors, g: &mut [f64], h: &mut [f64]) {
    add_prior(free, priors, g, h);
}

/// Adds the prior's gradient and (positive) curvature to `g` and `h` (`n × n`).
fn add_prior(free: &Free, priors: &Priors, g: &mut [f64], h: &mut [f64]) {
    let n = free.len();
    let (a, d, c) = free.adc();
    match free.model {
        ItemModel::Rasch => {
            if let Some(p) = priors.b {
                // b = −d.
                let u = -d - p.mean;
                let s2 = p.sd * p.sd;
                g[0] += u / s2;
                h[0] += 1.0 / s2;
            }
        }
        _ => {
            if let Some(p) = priors.a {
                let s2 = p.sdlog * p.sdlog;
                g[0] += -1.0 / a - (a.ln() - p.meanlog) / (s2 * a);
                h[0] += 1.0 / (s2 * a * a);
            }
            if !matches!(free.model, ItemModel::Gpcm { .. }) {
                if let Some(p) = priors.b {
                    let b = -d / a;
                    let s2 = p.sd * p.sd;
                    let fb = -(b - p.mean) / s2;
                    let (ja, jd) = (-b / a, -1.0 / a);
                    g[0] += fb * ja;
                    g[1] += fb * jd;
                    h[0] += ja * ja / s2;
                    h[1] += ja * jd / s2;
                    h[n] += ja * jd / s2;
                    h[n + 1] += jd * jd / s2;
                }
            }
            if let (ItemModel::ThreePl, Some(p)) = (free.model, priors.c) {
                g[2] += (p.alpha - 1.0) / c - (p.beta - 1.0) / (1.0 - c);
                h[2 * n + 2] +=
                    (p.alpha - 1.0) / (c * c) + (p.beta - 1.0) / ((1.0 - c) * (1.0 - c));
            }
        }
    }
}

/// `f(ψ)`: expected complete-data log-likelihood plus log-prior.
pub(crate) fn objective(
    free: &Free,
    r: &[f64],
    nodes: &[f64],
    priors: &Priors,
    probs: &mut Vec<f64>,
) -> f64 {
    let q_len = nodes.len();
    let k_len = free.categories();
    probs.resize(k_len, 0.0);
    let mut f = 0.0;
    for (q, &theta) in nodes.iter().enumerate() {
        free.log_probs(theta, probs);
        for (k, lp) in probs.iter().enumerate() {
            let rk = r[k * q_len + q];
            if rk > 0.0 {
                f += rk * lp;
            }
        }
    }
    f + log_prior(free, priors)
}

/// Gradient `g` and Fisher information `h` (positive definite: minus the expected
/// Hessian) of `f` at `free`.
pub(crate) fn gradient_information(
    free: &Free,
    r: &[f64],
    nodes: &[f64],
    priors: &Priors,
    g: &mut [f64],
    h: &mut [f64],
    probs: &mut Vec<f64>,
) {
    let n = free.len();
    let q_len = nodes.len();
    g.iter_mut().for_each(|v| *v = 0.0);
    h.iter_mut().for_each(|v| *v = 0.0);
    match free.model {
        ItemModel::Gpcm { steps } => {
            let k_len = steps + 1;
            probs.resize(k_len, 0.0);
            let a = free.psi[0];
            let _ = a;
            for (q, &theta) in nodes.iter().enumerate() {
                let mut nq = 0.0;
                let mut sum_kr = 0.0;
                for k in 0..k_len {
                    let rk = r[k * q_len + q];
                    nq += rk;
                    sum_kr += k as f64 * rk;
                }
                if nq <= 0.0 {
                    continue;
                }
                free.probs(theta, probs);
                let mut mean = 0.0;
                let mut second = 0.0;
                for (k, p) in probs.iter().enumerate() {
                    mean += k as f64 * p;
                    second += (k * k) as f64 * p;
                }
                let var = (second - mean * mean).max(0.0);
                g[0] += theta * (sum_kr - nq * mean);
                h[0] += nq * theta * theta * var;
                for k in 1..k_len {
                    let pk = probs[k];
                    g[k] += r[k * q_len + q] - nq * pk;
                    let hak = nq * theta * pk * (k as f64 - mean);
                    h[k] += hak;
                    h[k * n] += hak;
                    for l in 1..k_len {
                        let kron = if k == l { pk } else { 0.0 };
                        h[k * n + l] += nq * (kron - pk * probs[l]);
                    }
                }
            }
        }
        _ => {
            let (a, d, c) = free.adc();
            for (q, &theta) in nodes.iter().enumerate() {
                let r0 = r[q];
                let r1 = r[q_len + q];
                let nq = r0 + r1;
                if nq <= 0.0 {
                    continue;
                }
                let (l, m) = sigmoid_pair(a * theta + d);
                let p = c + (1.0 - c) * l;
                let res = r1 - nq * p;
                let gz = res * l / p;
                let izz = nq * (1.0 - c) * l * l * m / p;
                match free.model {
                    ItemModel::Rasch => {
                        g[0] += gz;
                        h[0] += izz;
                    }
                    _ => {
                        g[0] += gz * theta;
                        g[1] += gz;
                        h[0] += izz * theta * theta;
                        h[1] += izz * theta;
                        h[n + 1] += izz;
                        if free.model == ItemModel::ThreePl {
                            let gc = res / (p * (1.0 - c));
                            let izc = nq * l * m / p;
                            let icc = nq * m / (p * (1.0 - c));
                            g[2] += gc;
                            h[2] += izc * theta;
                            h[n + 2] += izc;
                            h[2 * n + 2] += icc;
                        }
                    }
                }
            }
            // Symmetrise the lower triangle.
            for i in 0..n {
                for j in 0..i {
                    h[i * n + j] = h[j * n + i];
                }
            }
        }
    }
    add_prior(free, priors, g, h);
}

/// Maximises `f` for one item from its current parameters (at most `iterations`
/// Newton steps). Returns the largest absolute parameter change.
pub(crate) fn maximise(
    free: &mut Free,
    r: &[f64],
    nodes: &[f64],
    priors: &Priors,
    scratch: &mut Scratch,
    iterations: usize,
) -> f64 {
    let n = free.len();
    let start = free.psi.clone();
    let Scratch {
        g,
        h,
        step,
        work,
        probs,
        trial,
    } = scratch;
    g.resize(n, 0.0);
    h.resize(n * n, 0.0);
    step.resize(n, 0.0);
    let mut f0 = objective(free, r, nodes, priors, probs);
    for _ in 0..iterations {
        gradient_information(free, r, nodes, priors, g, h, probs);
        step.copy_from_slice(g);
        if !solve_spd_ridge(h, n, step, work) {
            break;
        }
        trial.clear();
        trial.extend_from_slice(&free.psi);
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            for i in 0..n {
                free.psi[i] = trial[i] + t * step[i];
            }
            if free.valid() {
                let f1 = objective(free, r, nodes, priors, probs);
                if f1.is_finite() && f1 >= f0 - 1e-12 * f0.abs().max(1.0) {
                    f0 = f1;
                    accepted = true;
                    break;
                }
            }
            t *= 0.5;
        }
        if !accepted {
            free.psi.copy_from_slice(trial);
            break;
        }
        let moved = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
        if moved < 1e-8 {
            break;
        }
    }
    free.psi
        .iter()
        .zip(&start)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
