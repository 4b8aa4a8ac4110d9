//! Item fit at the estimates.
//!
//! - **S-X²** (Orlando & Thissen, 2000): for a dichotomous item, observed and
//!   model-expected proportions correct in each summed-score group, the expected ones
//!   from the Lord–Wingersky recursion over the other items (so the statistic does
//!   not depend on a θ estimate); adjacent groups are merged until the expected
//!   counts of both responses reach `min_cell` (1 by default, as mirt), and
//!   `df = groups − free parameters`. Needs a complete design: computed only when
//!   every person answered every item of the fit.
//! - **PX²** (any design): for each answer, the posterior-predictive distribution of
//!   the score *given the person's other answers* (the person's posterior with this
//!   item's likelihood divided out). Under the model, each answer is a draw from it,
//!   so grouping the answers to an item by the rest-of-test EAP into `groups`
//!   equal-size groups, `Σ_g (O_g − E_g)²/V_g` (observed and expected score sums and
//!   the sum of predictive variances) is approximately χ² with `groups` degrees of
//!   freedom (the leave-one-out predictions are not fitted to the item's answers, so
//!   its estimated parameters use up almost none; by simulation the null mean is
//!   ≈ `groups` in complete designs and a little below in sparse ones). This is the idea of S-X²
//!   (condition on the rest of the test) for sparse adaptive designs, where summed
//!   scores mean nothing.
//! - **Infit/outfit** mean squares at each person's EAP (Wright & Masters): the usual
//!   Rasch-tradition screens, biased towards 1 − something when the EAP is shrunk by
//!   a short test; flagged only outside `mnsq_range` (0.5–1.5 by default, Linacre's
//!   "productive for measurement").

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::estep::{chunk_posteriors, Layout, Plan, INACTIVE};
use super::linalg::dot;
use super::{CalibrationError, Flag, Param, Responses, State};

/// Settings of the item fit statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitConfig {
    /// Number of θ groups of PX² (default 10).
    pub groups: usize,
    /// Significance level of the misfit flags (default 0.01).
    pub alpha: f64,
    /// Infit/outfit mean squares outside this range are flagged (default 0.5–1.5).
    pub mnsq_range: (f64, f64),
    /// Smallest expected count of an S-X² cell before merging (default 1).
    pub min_cell: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            groups: 10,
            alpha: 0.01,
            mnsq_range: (0.5, 1.5),
            min_cell: 1.0,
        }
    }
}

impl FitConfig {
    pub(crate) fn check(&self) -> Result<(), CalibrationError> {
        let ok = self.groups >= 2
            && self.alpha > 0.0
            && self.alpha < 1.0
            && self.mnsq_range.0.is_finite()
            && self.mnsq_range.1.is_finite()
            && self.mnsq_range.0 < self.mnsq_range.1
            && self.min_cell.is_finite()
            && self.min_cell > 0.0;
        if ok {
            Ok(())
        } else {
            Err(CalibrationError::Config(format!(
                "invalid fit settings: {self:?}"
            )))
        }
    }
}

/// A chi-square statistic with its degrees of freedom and upper-tail p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiSquare {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
}

impl ChiSquare {
    fn new(statistic: f64, df: usize) -> Option<ChiSquare> {
        if df == 0 || !statistic.is_finite() {
            return None;
        }
        let p_value = ChiSquared::new(df as f64).ok()?.sf(statistic.max(0.0));
        p_value.is_finite().then_some(ChiSquare {
            statistic,
            df,
            p_value,
        })
    }
}

/// Fit statistics of one item.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFit {
    /// Infit (information-weighted) mean square at the EAP.
    pub infit: f64,
    /// Outfit (unweighted) mean square at the EAP.
    pub outfit: f64,
    /// Posterior-predictive grouped residual statistic (any design).
    pub px2: Option<ChiSquare>,
    /// S-X² (dichotomous items, complete designs).
    pub sx2: Option<ChiSquare>,
}

impl ItemFit {
    pub(crate) fn flags(&self, cfg: &FitConfig, flags: &mut Vec<Flag>) {
        if self.sx2.is_some_and(|s| s.p_value < cfg.alpha) {
            flags.push(Flag::MisfitSx2);
        }
        if self.px2.is_some_and(|s| s.p_value < cfg.alpha) {
            flags.push(Flag::MisfitPx2);
        }
        let (lo, hi) = cfg.mnsq_range;
        if !(lo..=hi).contains(&self.infit) || !(lo..=hi).contains(&self.outfit) {
            flags.push(Flag::MeanSquare);
        }
    }

    pub(crate) fn is_finite(&self) -> bool {
        let chi = |c: &Option<ChiSquare>| {
            c.is_none_or(|c| c.statistic.is_finite() && c.p_value.is_finite())
        };
        self.infit.is_finite() && self.outfit.is_finite() && chi(&self.px2) && chi(&self.sx2)
    }
}

/// Free parameters of an item (0 for an anchor).
fn free_parameters(p: &Param) -> usize {
    match p {
        Param::Free(f) => f.len(),
        Param::Fixed(_) => 0,
    }
}

/// One answer seen from the rest of the test.
#[derive(Clone, Copy)]
struct Record {
    theta_rest: f64,
    x: f64,
    expected: f64,
    variance: f64,
}

pub(crate) fn item_fit(
    data: &Responses,
    plan: &Plan,
    layout: &Layout,
    state: &State,
    logw: &[f64],
    params: &[Option<Param>],
    cfg: &FitConfig,
) -> Vec<Option<ItemFit>> {
    let nq = layout.nodes;
    let n_items = params.len();
    // Conditional mean and second moment of each active item at each node.
    let mut mean_tab = vec![0.0; layout.total];
    let mut sq_tab = vec![0.0; layout.total];
    for j in 0..n_items {
        let off = layout.offset[j];
        if off == INACTIVE {
            continue;
        }
        for q in 0..nq {
            let (mut m, mut s) = (0.0, 0.0);
            for k in 0..layout.categories[j] {
                let p = state.logtab[off + k * nq + q].exp();
                m += k as f64 * p;
                s += (k * k) as f64 * p;
            }
            // Store in category-0 row slots (one value per node).
            mean_tab[off + q] = m;
            sq_tab[off + q] = s;
        }
    }
    // 1/P, capped so that a probability below 1e-300 (whose node carries no
    // posterior mass anyway) cannot overflow.
    let invp: Vec<f64> = state.logtab.iter().map(|v| (-v).min(690.0).exp()).collect();
    let mut records: Vec<Vec<Record>> = vec![Vec::new(); n_items];
    let mut res2 = vec![0.0; n_items];
    let mut var_sum = vec![0.0; n_items];
    let mut z2 = vec![0.0; n_items];
    let mut n = vec![0usize; n_items];
    let mut post = Vec::new();
    let mut window = Vec::new();
    let mut probs = Vec::new();
    let active: usize = (0..n_items)
        .filter(|j| layout.offset[*j] != INACTIVE)
        .count();
    let mut complete = true;
    for c in 0..plan.chunks() {
        let persons = chunk_posteriors(
            plan,
            c,
            layout,
            &state.logtab,
            logw,
            false,
            &mut post,
            &mut window,
        );
        for person in persons.clone() {
            let i = person - persons.start;
            if window[i].0 == window[i].1 {
                continue;
            }
            let post = &post[i * nq..(i + 1) * nq];
            let (items, scores) = data.row(person);
            let theta_hat = dot(post, &state.nodes);
            let mut seen = 0;
            for (j, x) in items.iter().zip(scores) {
                let (j, x) = (*j as usize, *x as usize);
                let off = layout.offset[j];
                let Some(p) = &params[j] else { continue };
                seen += 1;
                // Plug-in residual at the EAP.
                probs.resize(layout.categories[j], 0.0);
                p.probs(theta_hat, &mut probs);
                let (mut e, mut s) = (0.0, 0.0);
                for (k, pk) in probs.iter().enumerate() {
                    e += k as f64 * pk;
                    s += (k * k) as f64 * pk;
                }
                let w = (s - e * e).max(1e-12);
                let r = x as f64 - e;
                res2[j] += r * r;
                var_sum[j] += w;
                z2[j] += r * r / w;
                n[j] += 1;
                // Rest-of-test posterior: divide this answer's likelihood out.
                let inv = &invp[off + x * nq..off + (x + 1) * nq];
                let [tot, th, me, sq] = rest_sums(
                    post,
                    inv,
                    &state.nodes,
                    &mean_tab[off..off + nq],
                    &sq_tab[off..off + nq],
                );
                if tot > 0.0 {
                    let (th, me, sq) = (th / tot, me / tot, sq / tot);
                    records[j].push(Record {
                        theta_rest: th,
                        x: x as f64,
                        expected: me,
                        variance: (sq - me * me).max(0.0),
                    });
                }
            }
            if seen != active {
                complete = false;
            }
        }
    }
    let sx2 = if complete {
        s_x2(data, layout, state, logw, params, cfg)
    } else {
        vec![None; n_items]
    };
    let mut out = vec![None; n_items];
    for j in 0..n_items {
        let Some(p) = &params[j] else { continue };
        if n[j] == 0 {
            continue;
        }
        let px2 = px2(&mut records[j], cfg.groups, free_parameters(p));
        out[j] = Some(ItemFit {
            infit: if var_sum[j] > 0.0 {
                res2[j] / var_sum[j]
            } else {
                1.0
            },
            outfit: z2[j] / n[j] as f64,
            px2,
            sx2: sx2[j],
        });
    }
    out
}

/// `[Σ u, Σ u·θ, Σ u·mean, Σ u·sq]` with `u = post·inv`, four lanes per sum
/// combined in a fixed order.
#[inline]
#[allow(clippy::needless_range_loop)] // four explicit lanes
fn rest_sums(post: &[f64], inv: &[f64], theta: &[f64], mean: &[f64], sq: &[f64]) -> [f64; 4] {
    let n = post.len();
    let (inv, theta, mean, sq) = (&inv[..n], &theta[..n], &mean[..n], &sq[..n]);
    let mut acc = [[0.0f64; 4]; 4];
    let full = n / 4 * 4;
    for q0 in (0..full).step_by(4) {
        for l in 0..4 {
            let q = q0 + l;
            let u = post[q] * inv[q];
            acc[0][l] += u;
            acc[1][l] += u * theta[q];
            acc[2][l] += u * mean[q];
            acc[3][l] += u * sq[q];
        }
    }
    let mut out = [0.0; 4];
    for (o, a) in out.iter_mut().zip(&acc) {
        *o = (a[0] + a[1]) + (a[2] + a[3]);
    }
    for q in full..n {
        let u = post[q] * inv[q];
        out[0] += u;
        out[1] += u * theta[q];
        out[2] += u * mean[q];
        out[3] += u * sq[q];
    }
    out
}

fn px2(records: &mut [Record], groups: usize, free: usize) -> Option<ChiSquare> {
    let n = records.len();
    // At least 20 answers per group.
    let g = groups.min(n / 20);
    if g < 2 {
        return None;
    }
    records.sort_by(|a, b| a.theta_rest.total_cmp(&b.theta_rest));
    let mut stat = 0.0;
    let mut used: usize = 0;
    for k in 0..g {
        let part = &records[k * n / g..(k + 1) * n / g];
        let (o, e, v) = part.iter().fold((0.0, 0.0, 0.0), |(o, e, v), r| {
            (o + r.x, e + r.expected, v + r.variance)
        });
        if v > 1e-9 {
            stat += (o - e) * (o - e) / v;
            used += 1;
        }
    }
    // The leave-one-out predictions do not satisfy the estimating equations of the
    // item, so its parameters use up (almost) no degree of freedom: under the model
    // the statistic's mean is close to the number of groups in complete designs and
    // a little below it in sparse ones (checked by simulation).
    let _ = free;
    ChiSquare::new(stat, used)
}

/// S-X² for every active dichotomous item (complete designs only).
fn s_x2(
    data: &Responses,
    layout: &Layout,
    state: &State,
    logw: &[f64],
    params: &[Option<Param>],
    cfg: &FitConfig,
) -> Vec<Option<ChiSquare>> {
    let nq = layout.nodes;
    let n_items = params.len();
    let active: Vec<usize> = (0..n_items)
        .filter(|j| layout.offset[*j] != INACTIVE)
        .collect();
    let max_total: usize = active.iter().map(|j| layout.categories[*j] - 1).sum();
    let w: Vec<f64> = logw.iter().map(|v| v.exp()).collect();
    // Observed: persons per total score, and per dichotomous item the number correct.
    let mut n_s = vec![0.0; max_total + 1];
    let mut o_js: Vec<Vec<f64>> = vec![Vec::new(); n_items];
    for &j in &active {
        if layout.categories[j] == 2 {
            o_js[j] = vec![0.0; max_total + 1];
        }
    }
    for person in 0..data.persons() {
        let (items, scores) = data.row(person);
        let mut total = 0;
        let mut any = false;
        for (j, x) in items.iter().zip(scores) {
            if layout.offset[*j as usize] != INACTIVE {
                total += *x as usize;
                any = true;
            }
        }
        if !any {
            continue;
        }
        n_s[total] += 1.0;
        for (j, x) in items.iter().zip(scores) {
            let j = *j as usize;
            if *x == 1 && !o_js[j].is_empty() {
                o_js[j][total] += 1.0;
            }
        }
    }
    let ptab: Vec<f64> = state.logtab.iter().map(|v| v.exp()).collect();
    let prob = |j: usize, k: usize, q: usize| ptab[layout.offset[j] + k * nq + q];
    let mut out = vec![None; n_items];
    let mut f = vec![0.0; (max_total + 1) * nq];
    let mut next = vec![0.0; (max_total + 1) * nq];
    for &j in &active {
        if layout.categories[j] != 2 {
            continue;
        }
        // Lord–Wingersky over the other items: f[s·Q + q] = P(S₋ⱼ = s | θ_q).
        f.iter_mut().for_each(|v| *v = 0.0);
        f[..nq].iter_mut().for_each(|v| *v = 1.0);
        let mut top = 0;
        for &i in &active {
            if i == j {
                continue;
            }
            let kmax = layout.categories[i] - 1;
            next[..(top + kmax + 1) * nq]
                .iter_mut()
                .for_each(|v| *v = 0.0);
            let off = layout.offset[i];
            for s in 0..=top {
                let from = &f[s * nq..(s + 1) * nq];
                for k in 0..=kmax {
                    let p = &ptab[off + k * nq..off + (k + 1) * nq];
                    let to = &mut next[(s + k) * nq..(s + k + 1) * nq];
                    for ((t, x), y) in to.iter_mut().zip(from).zip(p) {
                        *t += x * y;
                    }
                }
            }
            top += kmax;
            std::mem::swap(&mut f, &mut next);
        }
        // Expected proportion correct at each total score s.
        let mut cells: Vec<(f64, f64, f64)> = Vec::new(); // (N, O, E)
        for s in 1..max_total {
            let (mut t1, mut t2) = (0.0, 0.0);
            for q in 0..nq {
                let p1 = prob(j, 1, q);
                let below = if s >= 1 && s - 1 <= top {
                    f[(s - 1) * nq + q]
                } else {
                    0.0
                };
                let here = if s <= top { f[s * nq + q] } else { 0.0 };
                t1 += w[q] * p1 * below;
                t2 += w[q] * (p1 * below + (1.0 - p1) * here);
            }
            let e = if t2 > 0.0 { t1 / t2 } else { 0.0 };
            cells.push((n_s[s], o_js[j][s], n_s[s] * e));
        }
        // Merge adjacent cells until both expected counts reach min_cell.
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        let mut cur = (0.0, 0.0, 0.0);
        for c in cells {
            cur = (cur.0 + c.0, cur.1 + c.1, cur.2 + c.2);
            if cur.2 >= cfg.min_cell && cur.0 - cur.2 >= cfg.min_cell {
                groups.push(cur);
                cur = (0.0, 0.0, 0.0);
            }
        }
        if cur.0 > 0.0 {
            match groups.last_mut() {
                Some(last) => *last = (last.0 + cur.0, last.1 + cur.1, last.2 + cur.2),
                None => groups.push(cur),
            }
        }
        let mut stat = 0.0;
        let mut used: usize = 0;
        for (nn, o, e) in &groups {
            let denom = e * (nn - e);
            if *nn > 0.0 && denom > 1e-12 {
                stat += (o - e) * (o - e) * nn / denom;
                used += 1;
            }
        }
        let free = params[j].as_ref().map_or(0, free_parameters);
        out[j] = ChiSquare::new(stat, used.saturating_sub(free));
    }
    out
}
