//! The EM iterations: the plain Bock–Aitkin cycle, and the same cycle accelerated
//! by SQUAREM (Varadhan & Roland 2008).
//!
//! One *EM step* is an E-step at the current parameters (expected counts
//! `r_{jkq}` and the posterior mass at each node) followed by an M-step (each free
//! item's Newton–Raphson, then the latent moments). EM converges linearly, slowly
//! when much information is missing (sparse adaptive designs need hundreds of
//! steps). SQUAREM treats the EM step as a fixed-point map `F` and, from two steps
//! `x₁ = F(x₀)`, `x₂ = F(x₁)`, jumps to `x₀ + 2α·r + α²·v` with `r = x₁ − x₀`,
//! `v = x₂ − 2x₁ + x₀` and `α = ‖r‖/‖v‖` (their scheme S3), then applies `F` once
//! more to stabilise the jump. The safeguards are those of the authors' `SQUAREM`
//! package: `α ≥ 1` (α = 1 *is* `x₂`), an upper bound on `α` that starts at 1 and is
//! multiplied by 4 each time it is reached (divided by 4 after a failure), the
//! jump projected back inside the M-step's box, and **monotonicity**: if the
//! penalised marginal log-likelihood (log-likelihood plus the log-priors, which EM
//! never decreases) is lower after the jump than before it, the jump is dropped and
//! the cycle ends at the plain EM point `x₂`.
//!
//! Convergence is judged exactly as for plain EM, on an EM step: the cycle stops
//! when one EM step from the current point moves no parameter by more than
//! `tolerance` and changes the log-likelihood by less than `loglik_tolerance`; the
//! result is the point after that step, with its E-step already done (the one the
//! standard errors and fit start from). Everything is deterministic: the same
//! operations in the same order whatever the number of threads.

use super::estep::{self, Acc, Layout, Plan, Totals};
use super::mstep::{self, Scratch};
use super::{CalibrationError, Config, Param, State};

/// Bounds of the latent standard deviation.
const SD_MIN: f64 = 0.05;
const SD_MAX: f64 = 20.0;

/// A point of the parameter space: the items' parameters and the latent moments.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    pub(crate) params: Vec<Option<Param>>,
    pub(crate) mean: f64,
    pub(crate) sd: f64,
}

/// What the iterations end with.
pub(crate) struct Outcome {
    pub(crate) point: Point,
    /// E-step at `point` (also in the `State` given to [`run`]).
    pub(crate) totals: Totals,
    /// EM steps (M-steps) run.
    pub(crate) iterations: usize,
    /// E-steps run.
    pub(crate) e_steps: usize,
    pub(crate) converged: bool,
    /// Largest parameter change of the last EM step.
    pub(crate) max_change: f64,
}

/// The fixed data of a fit and reusable buffers.
pub(crate) struct Em<'a> {
    pub(crate) layout: &'a Layout,
    pub(crate) z: &'a [f64],
    pub(crate) logw: &'a [f64],
    pub(crate) threads: usize,
    pub(crate) config: &'a Config,
    pub(crate) mean_free: bool,
    pub(crate) sd_free: bool,
    plan: &'a Plan,
    accs: Vec<Acc>,
    scratch: Scratch,
    nodes: Vec<f64>,
    e_steps: usize,
}

impl<'a> Em<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        plan: &'a Plan,
        layout: &'a Layout,
        z: &'a [f64],
        logw: &'a [f64],
        threads: usize,
        config: &'a Config,
        mean_free: bool,
        sd_free: bool,
    ) -> Self {
        Em {
            layout,
            z,
            logw,
            threads,
            config,
            mean_free,
            sd_free,
            plan,
            accs: Vec::new(),
            scratch: Scratch::default(),
            nodes: Vec::new(),
            e_steps: 0,
        }
    }

    /// E-step at `point`: fills `state` and `totals`, returns the penalised
    /// log-likelihood (the objective EM does not decrease).
    fn expect(
        &mut self,
        point: &Point,
        state: &mut State,
        totals: &mut Totals,
    ) -> Result<f64, CalibrationError> {
        state.mean = point.mean;
        state.sd = point.sd;
        state.fill(self.z, self.layout, &point.params);
        estep::run(
            self.plan,
            self.layout,
            &state.logtab,
            self.logw,
            self.threads,
            &mut self.accs,
            totals,
        );
        self.e_steps += 1;
        if !totals.loglik.is_finite() {
            return Err(CalibrationError::Numerical(format!(
                "marginal log-likelihood is not finite at E-step {}",
                self.e_steps
            )));
        }
        let prior: f64 = point
            .params
            .iter()
            .map(|p| match p {
                Some(Param::Free(f)) => mstep::log_prior(f, &self.config.priors),
                _ => 0.0,
            })
            .sum();
        Ok(totals.loglik + prior)
    }

    /// M-step from the E-step `totals` made at `point`: moves `point`, returns the
    /// largest change of a parameter.
    fn maximise(&mut self, point: &mut Point, totals: &Totals) -> f64 {
        let nq = self.layout.nodes;
        self.nodes.clear();
        self.nodes
            .extend(self.z.iter().map(|z| point.mean + point.sd * z));
        let mut change: f64 = 0.0;
        for (j, p) in point.params.iter_mut().enumerate() {
            if let Some(Param::Free(free)) = p {
                let off = self.layout.offset[j];
                let r = &totals.counts[off..off + self.layout.categories[j] * nq];
                let moved = mstep::maximise(
                    free,
                    r,
                    &self.nodes,
                    &self.config.priors,
                    &mut self.scratch,
                    self.config.newton_steps,
                );
                change = change.max(moved);
            }
        }
        if self.mean_free || self.sd_free {
            let n: f64 = totals.mass.iter().sum();
            if n > 0.0 {
                let m1: f64 = totals
                    .mass
                    .iter()
                    .zip(&self.nodes)
                    .map(|(w, t)| w * t)
                    .sum::<f64>()
                    / n;
                let new_mean = if self.mean_free { m1 } else { point.mean };
                let var: f64 = totals
                    .mass
                    .iter()
                    .zip(&self.nodes)
                    .map(|(w, t)| w * (t - new_mean) * (t - new_mean))
                    .sum::<f64>()
                    / n;
                let new_sd = if self.sd_free {
                    var.sqrt().clamp(SD_MIN, SD_MAX)
                } else {
                    point.sd
                };
                if new_mean.is_finite() && new_sd.is_finite() {
                    change = change
                        .max((new_mean - point.mean).abs())
                        .max((new_sd - point.sd).abs());
                    point.mean = new_mean;
                    point.sd = new_sd;
                }
            }
        }
        change
    }

    /// The free coordinates of `point` (items' free parameters, then the latent
    /// moments that are estimated), appended to `out`.
    fn pack(&self, point: &Point, out: &mut Vec<f64>) {
        out.clear();
        for p in &point.params {
            if let Some(Param::Free(f)) = p {
                out.extend_from_slice(&f.psi);
            }
        }
        if self.mean_free {
            out.push(point.mean);
        }
        if self.sd_free {
            out.push(point.sd);
        }
    }

    /// Writes the free coordinates `v` into `point`, projected inside the box.
    fn unpack(&self, v: &[f64], point: &mut Point) {
        let mut at = 0;
        for p in point.params.iter_mut() {
            if let Some(Param::Free(f)) = p {
                let n = f.psi.len();
                f.psi.copy_from_slice(&v[at..at + n]);
                f.project();
                at += n;
            }
        }
        if self.mean_free {
            point.mean = v[at].clamp(-1e3, 1e3);
            at += 1;
        }
        if self.sd_free {
            point.sd = v[at].clamp(SD_MIN, SD_MAX);
        }
    }
}

/// Runs EM from `start` (SQUAREM-accelerated when `accelerate`), leaving in
/// `state` the grid and log-probabilities at the returned point.
pub(crate) fn run(
    em: &mut Em<'_>,
    start: Point,
    state: &mut State,
    accelerate: bool,
) -> Result<Outcome, CalibrationError> {
    let config = em.config;
    let any_free = start
        .params
        .iter()
        .any(|p| matches!(p, Some(Param::Free(_))));
    let mut x0 = start;
    let mut t0 = Totals::default();
    let mut t1 = Totals::default();
    let mut obj0 = em.expect(&x0, state, &mut t0)?;
    let mut iterations = 0;
    let mut max_change = f64::INFINITY;
    let mut converged = false;
    if !(any_free || em.mean_free || em.sd_free) {
        // Only anchors: nothing to estimate, the E-step is the result.
        return Ok(Outcome {
            point: x0,
            totals: t0,
            iterations: 1,
            e_steps: em.e_steps,
            converged: true,
            max_change: 0.0,
        });
    }
    let (mut v0, mut v1, mut v2, mut ve) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Upper bound of the step length (SQUAREM's `step.max`, starting at 1).
    let mut step_max = 1.0f64;
    // The objective may not decrease by more than rounding.
    let slack = |obj: f64| 1e-10 * obj.abs().max(1.0);
    while iterations < config.max_iterations {
        // First EM step, x₀ → x₁; convergence is judged on it.
        let mut x1 = x0.clone();
        max_change = em.maximise(&mut x1, &t0);
        iterations += 1;
        let obj1 = em.expect(&x1, state, &mut t1)?;
        let ll_change = (t1.loglik - t0.loglik).abs();
        if max_change < config.tolerance && ll_change < config.loglik_tolerance {
            x0 = x1;
            std::mem::swap(&mut t0, &mut t1);
            converged = true;
            break;
        }
        if !accelerate || iterations >= config.max_iterations {
            x0 = x1;
            std::mem::swap(&mut t0, &mut t1);
            obj0 = obj1;
            continue;
        }
        // Second EM step, x₁ → x₂ (`t0` is free from here on).
        let mut x2 = x1.clone();
        max_change = em.maximise(&mut x2, &t1);
        iterations += 1;
        em.pack(&x0, &mut v0);
        em.pack(&x1, &mut v1);
        em.pack(&x2, &mut v2);
        let (mut sr2, mut sv2) = (0.0, 0.0);
        for ((a, b), c) in v0.iter().zip(&v1).zip(&v2) {
            let r = b - a;
            let v = c - 2.0 * b + a;
            sr2 += r * r;
            sv2 += v * v;
        }
        let alpha = if sv2 > 0.0 {
            (sr2 / sv2).sqrt().clamp(1.0, step_max)
        } else {
            step_max
        };
        let next = x2;
        if alpha > 1.01 && iterations < config.max_iterations {
            // The jump x₀ + 2α·r + α²·v, projected, then one stabilising EM step.
            ve.clear();
            ve.extend(
                v0.iter().zip(&v1).zip(&v2).map(|((a, b), c)| {
                    a + 2.0 * alpha * (b - a) + alpha * alpha * (c - 2.0 * b + a)
                }),
            );
            let mut jump = next.clone();
            em.unpack(&ve, &mut jump);
            em.expect(&jump, state, &mut t0)?;
            max_change = em.maximise(&mut jump, &t0);
            iterations += 1;
            let obj = em.expect(&jump, state, &mut t0)?;
            if obj >= obj0 - slack(obj0) {
                if alpha >= step_max {
                    step_max *= 4.0;
                }
                x0 = jump;
                obj0 = obj;
                continue;
            }
            // Not monotone: the cycle ends at plain EM's x₂.
            if alpha >= step_max {
                step_max = (step_max / 4.0).max(1.0);
            }
        } else if alpha >= step_max {
            step_max *= 4.0;
        }
        obj0 = em.expect(&next, state, &mut t0)?;
        x0 = next;
    }
    Ok(Outcome {
        point: x0,
        totals: t0,
        iterations,
        e_steps: em.e_steps,
        converged,
        max_change,
    })
}
