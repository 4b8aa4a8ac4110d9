//! Item selection rules, each usable alone, and the pipeline that combines them.
//!
//! A selection step goes through three stages, in this order:
//!
//! 1. **Eligibility** (always): items not yet given, not an enemy of a given item, not
//!    needing what the person lacks (see [`Requirements`](crate::bank::Requirements)),
//!    not set aside by Sympson-Hetter earlier in the test.
//! 2. **Filters**, in the configured order ([`Filter`]): [`ContentBalancing`] keeps the
//!    items of one domain; [`Beginner`] keeps the items the person will probably
//!    succeed on. A filter never leaves the candidates empty (each has a fallback).
//! 3. **Ranking** ([`Ranking`]): [`MaxInfo`] (Fisher information at θ̂) or
//!    [`KullbackLeibler`] (posterior-weighted KL, Chang & Ying 1996), optionally
//!    blended with a random value early in the test ([`Progressive`], Revuelta &
//!    Ponsoda 1998), then
//!    [`Randomesque`] (uniform pick among the top k) and [`SympsonHetter`] exposure
//!    control (the picked item is administered with probability kᵢ; if refused it is set
//!    aside for the rest of the test and the pick is made again among the others; when
//!    the filtered list runs out, the filters are applied again to the items left).
//!
//! Everything works on a candidate list of bank indices and a parallel list of values
//! held in a [`Selector`]'s buffers, so a step allocates nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::bank::Bank;

/// Largest `k` accepted for [`Randomesque`] (a larger k is no longer adaptive).
pub const MAX_RANDOMESQUE: usize = 32;

/// Status of a bank item during one test: free to be chosen.
pub const AVAILABLE: u8 = 0;
/// Status: already given in this test.
pub const ADMINISTERED: u8 = 1;
/// Status: an enemy of an item already given.
pub const ENEMY: u8 = 2;
/// Status: needs something the person lacks (requirements).
pub const EXCLUDED: u8 = 3;
/// Status: refused by the Sympson-Hetter lottery earlier in this test.
pub const SET_ASIDE: u8 = 4;

/// Selection configuration (serde): filters in order, the ranking, randomesque and
/// exposure control.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectConfig {
    /// How candidates are ranked.
    pub ranking: Ranking,
    /// Filters applied in this order before the ranking.
    pub filters: Vec<Filter>,
    /// Randomesque: pick uniformly among the `randomesque` best (1: always the best).
    pub randomesque: usize,
    /// Sympson-Hetter exposure parameters, if exposure is controlled.
    pub exposure: Option<SympsonHetter>,
    /// The progressive method: the ranking's values blended with random ones, less
    /// and less as the test goes on (`None`: the ranking alone).
    pub progressive: Option<Progressive>,
}

/// Maximum information, no filter, no randomness: the textbook CAT.
impl Default for SelectConfig {
    fn default() -> Self {
        SelectConfig {
            ranking: Ranking::MaxInfo,
            filters: Vec::new(),
            randomesque: 1,
            exposure: None,
            progressive: None,
        }
    }
}

/// How the remaining candidates are ranked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// Fisher information at the current estimate ([`MaxInfo`]).
    #[default]
    MaxInfo,
    /// Posterior-weighted Kullback-Leibler information ([`KullbackLeibler`]).
    KullbackLeibler,
}

/// A filter of the candidate list, applied before the ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "filter", rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// Keep the items of the domain that most needs one.
    ContentBalancing(ContentBalancing),
    /// Keep the items with a high enough predicted success probability.
    Beginner(Beginner),
}

// ---------------------------------------------------------------------------------
// Filters

/// The Beginner rule: only items whose predicted success probability at the current
/// estimate is at least a target, so beginners are not put off by failing early
/// (Pix "flash" does the same; field reports say tests pitched at 50 % success feel
/// like failure).
///
/// The target follows a schedule: the first step whose `until` is above the number of
/// items already given applies; past the schedule, `then`. Success probability is
/// [`Item::success_prob`](crate::irt::Item::success_prob) (expected proportion of the maximum score) at
/// `θ̂ − caution·SE`, so `caution > 0` protects against an optimistic estimate early in
/// the test. If no candidate qualifies, the easiest one (highest success probability)
/// is kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beginner {
    /// Targets for the first items.
    pub schedule: Vec<BeginnerStep>,
    /// Target after the schedule (0 turns the rule off from there).
    pub then: f64,
    /// Number of standard errors subtracted from θ̂ before predicting success.
    #[serde(default)]
    pub caution: f64,
    /// When no candidate reaches the target, keep this many of the easiest (1: the
    /// easiest alone). More than one lets the ranking and the randomesque draw
    /// choose among them, so the easiest item is not everyone's first item.
    #[serde(default = "one")]
    pub fallback: usize,
}

fn one() -> usize {
    1
}

/// One step of a [`Beginner`] schedule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginnerStep {
    /// The step applies while fewer than `until` items have been given.
    pub until: usize,
    /// Minimum predicted success probability.
    pub min_success: f64,
}

/// 0.8 for the first five items, then 0.65 (the figures of Pix "flash"), predicted at
/// `θ̂ − 0.5·SE`: in simulation (see `tests/session_rules.rs`) the half-SE caution is
/// what lifts the success rate of the first five items of people far below the start
/// from about 0.6 to above 0.75, for about two more items per test.
impl Default for Beginner {
    fn default() -> Self {
        Beginner {
            schedule: vec![BeginnerStep {
                until: 5,
                min_success: 0.8,
            }],
            then: 0.65,
            caution: 0.5,
            fallback: 1,
        }
    }
}

impl Beginner {
    /// Target success probability for the item at `position` (0-based).
    pub fn target(&self, position: usize) -> f64 {
        self.schedule
            .iter()
            .find(|s| position < s.until)
            .map_or(self.then, |s| s.min_success)
    }

    /// Keeps the candidates with `success_prob(θ) ≥ target`; if none, keeps the
    /// `fallback` easiest ones.
    pub fn filter(&self, bank: &Bank, theta: f64, position: usize, cands: &mut Vec<u32>) {
        self.filter_with(position, cands, |i| {
            bank.get(i).map_or(0.0, |it| it.item.success_prob(theta))
        });
    }

    /// [`filter`](Beginner::filter) with the success probability of item `i` given by
    /// `prob(i)` (the pipeline reads it from an [`ItemTable`]).
    pub fn filter_with(&self, position: usize, cands: &mut Vec<u32>, prob: impl Fn(usize) -> f64) {
        let target = self.target(position);
        if target <= 0.0 || cands.is_empty() {
            return;
        }
        let mut easiest = (f64::NEG_INFINITY, 0u32);
        let mut kept = 0;
        for r in 0..cands.len() {
            let i = cands[r];
            let p = prob(i as usize);
            if p > easiest.0 {
                easiest = (p, i);
            }
            if p >= target {
                cands[kept] = i;
                kept += 1;
            }
        }
        if kept > 0 {
            cands.truncate(kept);
        } else if self.fallback <= 1 {
            cands.clear();
            cands.push(easiest.1);
        } else {
            // The `fallback` easiest, ties broken by bank order (stable sort).
            cands.sort_by(|&a, &b| prob(b as usize).total_cmp(&prob(a as usize)));
            cands.truncate(self.fallback);
        }
    }

    fn validate(&self) -> Result<(), SelectError> {
        let ok = |p: f64| (0.0..=1.0).contains(&p);
        if !ok(self.then) || self.schedule.iter().any(|s| !ok(s.min_success)) {
            return Err(SelectError::Invalid(
                "beginner: success targets must be in [0, 1]".into(),
            ));
        }
        if !(self.caution.is_finite() && self.caution >= 0.0) {
            return Err(SelectError::Invalid(
                "beginner: caution must be finite and >= 0".into(),
            ));
        }
        Ok(())
    }
}

/// Content balancing across the référentiel's domains.
///
/// Each step keeps the candidates of one domain, chosen among the domains that still
/// have candidates:
///
/// 1. **minimum first**: a domain given fewer items than its minimum, the largest
///    shortfall first;
/// 2. then, if target proportions are given, the domain most below its target
///    (largest `target − given/total`; Kingsbury & Zara's constrained CAT);
/// 3. otherwise no restriction.
///
/// Ties go to the larger target, then to the domain listed first in the bank.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentBalancing {
    /// Minimum number of items of every domain.
    pub min_per_domain: usize,
    /// Per-domain minimums overriding `min_per_domain` (domain id → count).
    pub minimum: BTreeMap<String, usize>,
    /// Target proportions (domain id → weight; normalised to sum to 1; a domain not
    /// listed has target 0).
    pub targets: BTreeMap<String, f64>,
    /// Ties between domains are broken at random (from the session's seed) instead
    /// of by bank order, so that tests do not all begin with the same domain.
    pub random_ties: bool,
}

/// [`ContentBalancing`] resolved against a bank: per-domain vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentPlan {
    minimum: Vec<u32>,
    target: Vec<f64>,
    has_targets: bool,
    random_ties: bool,
}

impl ContentBalancing {
    /// Resolves domain ids against the bank (an unknown domain is an error: it is a
    /// typo, or the configuration is for another bank).
    pub fn plan(&self, bank: &Bank) -> Result<ContentPlan, SelectError> {
        let n = bank.domains().len();
        let mut minimum = vec![self.min_per_domain as u32; n];
        for (d, &m) in &self.minimum {
            let ix = bank
                .domain_index(d)
                .ok_or_else(|| SelectError::UnknownDomain(d.clone()))?;
            minimum[ix] = m as u32;
        }
        let mut target = vec![0.0; n];
        let mut total = 0.0;
        for (d, &w) in &self.targets {
            let ix = bank
                .domain_index(d)
                .ok_or_else(|| SelectError::UnknownDomain(d.clone()))?;
            if !(w.is_finite() && w >= 0.0) {
                return Err(SelectError::Invalid(format!(
                    "content balancing: target of `{d}` must be finite and >= 0"
                )));
            }
            target[ix] = w;
            total += w;
        }
        let has_targets = total > 0.0;
        if has_targets {
            for t in &mut target {
                *t /= total;
            }
        }
        Ok(ContentPlan {
            minimum,
            target,
            has_targets,
            random_ties: self.random_ties,
        })
    }
}

impl ContentPlan {
    /// Minimum number of items of domain `d`.
    pub fn minimum(&self, d: usize) -> usize {
        self.minimum.get(d).copied().unwrap_or(0) as usize
    }

    /// The domain the next item should come from, among those flagged in `present`,
    /// given the items already given per domain (`None`: no restriction). Ties go to
    /// the larger target, then to the domain listed first.
    pub fn choose(&self, present: &[bool], given: &[u32]) -> Option<usize> {
        self.choose_with(present, given, None)
    }

    /// [`choose`](ContentPlan::choose), with the last tie broken by a uniform draw
    /// from `rng` instead of bank order when one is given.
    pub fn choose_with(
        &self,
        present: &[bool],
        given: &[u32],
        rng: Option<&mut ChaCha8Rng>,
    ) -> Option<usize> {
        let total: u32 = given.iter().sum();
        let key = |d: usize| -> Option<f64> {
            let g = given.get(d).copied().unwrap_or(0);
            let m = self.minimum.get(d).copied().unwrap_or(0);
            (g < m).then(|| f64::from(m - g))
        };
        let share_key = |d: usize| -> f64 {
            let share = if total == 0 {
                0.0
            } else {
                f64::from(given.get(d).copied().unwrap_or(0)) / f64::from(total)
            };
            self.target.get(d).copied().unwrap_or(0.0) - share
        };
        let mut best: Option<(f64, f64, usize)> = None;
        let mut by_minimum = false;
        for (d, &p) in present.iter().enumerate() {
            if let (true, Some(k)) = (p, key(d)) {
                self.consider(&mut best, k, d);
                by_minimum = true;
            }
        }
        if best.is_none() && self.has_targets {
            for (d, &p) in present.iter().enumerate() {
                if p {
                    self.consider(&mut best, share_key(d), d);
                }
            }
        }
        let (k, t, d) = best?;
        let Some(rng) = rng else {
            return Some(d);
        };
        // Every domain tied with the best, drawn uniformly.
        let tied = |x: usize| -> bool {
            present.get(x) == Some(&true)
                && self.target.get(x).copied().unwrap_or(0.0) == t
                && if by_minimum {
                    key(x) == Some(k)
                } else {
                    share_key(x) == k
                }
        };
        let n = (0..present.len()).filter(|&x| tied(x)).count();
        if n <= 1 {
            return Some(d);
        }
        let pick = rng.random_range(0..n);
        (0..present.len()).filter(|&x| tied(x)).nth(pick)
    }

    /// Keeps `d` in `best` if its key is larger (ties: larger target, then the domain
    /// seen first).
    fn consider(&self, best: &mut Option<(f64, f64, usize)>, key: f64, d: usize) {
        let t = self.target.get(d).copied().unwrap_or(0.0);
        let better = match *best {
            None => true,
            Some((k, bt, _)) => key > k || (key == k && t > bt),
        };
        if better {
            *best = Some((key, t, d));
        }
    }

    /// Keeps the candidates of the chosen domain. `present` is scratch space of the
    /// number of domains; `rng` breaks ties when the plan asks for random ties.
    pub fn filter(
        &self,
        bank: &Bank,
        given: &[u32],
        present: &mut [bool],
        cands: &mut Vec<u32>,
        rng: &mut ChaCha8Rng,
    ) {
        present.iter_mut().for_each(|p| *p = false);
        for &i in cands.iter() {
            if let Some(p) = present.get_mut(bank.domain_of(i as usize)) {
                *p = true;
            }
        }
        let rng = if self.random_ties { Some(rng) } else { None };
        if let Some(d) = self.choose_with(present, given, rng) {
            cands.retain(|&i| bank.domain_of(i as usize) == d);
        }
    }
}

// ---------------------------------------------------------------------------------
// Ranking

/// Maximum Fisher information at the current estimate (Lord 1980): the most precise
/// item for the person as currently estimated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MaxInfo;

impl MaxInfo {
    /// Information of each candidate at `theta`, into `values` (cleared first).
    pub fn rank(bank: &Bank, theta: f64, cands: &[u32], values: &mut Vec<f64>) {
        values.clear();
        let items = bank.items();
        values.extend(cands.iter().map(|&i| {
            items
                .get(i as usize)
                .map_or(0.0, |it| it.item.information(theta))
        }));
    }
}

/// Posterior-weighted Kullback-Leibler information (Chang & Ying 1996; van der Linden
/// 1998): `KLᵢ = ∫ KL(Pᵢ(θ̂) ‖ Pᵢ(θ)) π(θ | answers) dθ`, which accounts for the
/// uncertainty of θ̂ early in the test where Fisher information at a point estimate is
/// a poor guide.
///
/// The log-probabilities of every category of every item at every grid node are
/// tabulated once ([`KullbackLeibler::new`]), so
/// `KLᵢ = Σₓ P̂ₓ ln P̂ₓ − Σₓ P̂ₓ Σⱼ wⱼ ln Pₓ(θⱼ)` costs two short dot products per
/// dichotomous item; nodes whose posterior weight is below 10⁻⁸ of the largest are
/// skipped.
///
/// Three shortcuts keep a step on a 1,000-item bank to a few µs:
/// - **The sum over the posterior takes every s-th node** when the posterior is wide
///   enough: the integrand is smooth (analytic in a strip around the real axis whose
///   width `δ = min π/(k·a)` is set by the bank's steepest item, `k` its highest
///   score), so the node sum converges geometrically in the spacing (trapezoid rule);
///   [`stride`](KullbackLeibler::stride) takes the largest spacing whose estimated
///   error, `exp(−2π²σ²/H²)` for a posterior of SD σ (or `exp(δ²/2σ² − 2πδ/H)` when
///   the strip is the limit), is below 10⁻⁷. The thinned weights are normalised again.
///   A posterior narrower than 1.5 grid steps, or not faded out at the grid's ends
///   (below 10⁻⁷ of its peak), is summed node by node. In all, a thinned sum is the
///   full one within 10⁻⁶.
/// - **`P̂` and `Σₓ P̂ₓ ln P̂ₓ` of dichotomous items are read from a table** on the
///   [`ItemTable`] grid (step [`TABLE_STEP`]) by three-point (quadratic)
///   interpolation, instead of one `exp` and two logarithms per item and step; the
///   error is below 10⁻⁴ (`a ≤ 2.5`), far below the differences the ranking acts on.
///   Polytomous items are computed exactly.
/// - **Node-major sums.** A dot product is a chain of dependent additions, one item at
///   a time. The dichotomous items are also tabulated node-major (the values of all
///   items at one node contiguous), so that when most of the bank is a candidate the
///   sums of all items advance together, node after node: independent additions the
///   processor runs side by side (SIMD), each item's sum still taken in the same order
///   (ascending nodes), so the values are the same to the bit as the item-by-item
///   sums.
#[derive(Clone, Debug, PartialEq)]
pub struct KullbackLeibler {
    table: Arc<LogLikTable>,
    /// `ln P₀(θⱼ)` then `ln P₁(θⱼ)` of every item, node-major:
    /// `by_node[(x·g + j)·n + i]` (0 for polytomous items, which are summed from
    /// `table`).
    by_node: Vec<f64>,
    /// `P(θₖ)` of every item on the [`ItemTable`] grid, node-major (`p_hat[k·n + i]`;
    /// 0 for polytomous items).
    p_hat: Vec<f64>,
    /// `P ln P + Q ln Q` at the same nodes, same layout.
    neg_entropy: Vec<f64>,
    /// Whether item `i` is read from `by_node`.
    dichotomous: Vec<bool>,
    /// Number of dichotomous items.
    dichotomous_count: usize,
    /// Spacing of the grid if it is equally spaced (else node sums are never thinned).
    spacing: Option<f64>,
    /// Half-width of the strip where every item's log-probabilities are analytic:
    /// `min π/(k·a)` over the bank.
    strip: f64,
}

/// Largest node spacing factor of [`KullbackLeibler::stride`].
pub const MAX_KL_STRIDE: usize = 8;
/// Largest estimated error of a thinned node sum (relative to the integrand's size).
const KL_THINNING_ERROR: f64 = 1e-7;

/// `ln Pₓ(θⱼ)` of every category of every item at every node of a grid, tabulated once
/// so that what is summed over the grid at every step (the KL index, the likelihood of
/// a new answer) is a row read instead of a logarithm per node.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLikTable {
    nodes: Vec<f64>,
    /// Item by item, category by category, node by node.
    log_p: Vec<f64>,
    /// Start of each item's block in `log_p`.
    offset: Vec<usize>,
}

impl LogLikTable {
    /// Tabulates the bank on `nodes`, node by node ([`Item::log_likelihood`]).
    ///
    /// [`Item::log_likelihood`]: crate::irt::Item::log_likelihood
    pub fn new(bank: &Bank, nodes: &[f64]) -> Self {
        Self::build(bank, nodes, false)
    }

    /// Tabulates the bank on the nodes of an equally spaced grid (first node `lo`, last
    /// `hi`) with the kernel of [`EapPosterior`](crate::estimate::EapPosterior)'s update
    /// for dichotomous items, so that adding a row gives exactly what that update adds.
    pub fn on_grid(bank: &Bank, nodes: &[f64]) -> Self {
        Self::build(bank, nodes, nodes.len() >= 2)
    }

    fn build(bank: &Bank, nodes: &[f64], eap_kernel: bool) -> Self {
        let g = nodes.len();
        let step = match (nodes.first(), nodes.last()) {
            (Some(&lo), Some(&hi)) if g >= 2 => (hi - lo) / (g - 1) as f64,
            _ => 0.0,
        };
        let mut log_p = Vec::new();
        let mut offset = Vec::with_capacity(bank.len());
        for it in bank.items() {
            offset.push(log_p.len());
            for x in 0..=it.item.max_score() {
                match &it.item {
                    crate::irt::Item::Logistic(l) if eap_kernel => {
                        let start = log_p.len();
                        log_p.resize(start + g, 0.0);
                        crate::irt::logistic_log_lik_on_grid(
                            l,
                            nodes,
                            step,
                            x != 0,
                            &mut log_p[start..],
                        );
                    }
                    item => {
                        for &t in nodes {
                            log_p.push(item.log_likelihood(t, x).unwrap_or(f64::NEG_INFINITY));
                        }
                    }
                }
            }
        }
        LogLikTable {
            nodes: nodes.to_vec(),
            log_p,
            offset,
        }
    }

    /// The grid.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// `ln P_score(θⱼ)` for every node `j` (empty for an unknown item or score).
    pub fn row(&self, item: usize, score: usize) -> &[f64] {
        let g = self.nodes.len();
        let Some(&base) = self.offset.get(item) else {
            return &[];
        };
        let end = self
            .offset
            .get(item + 1)
            .copied()
            .unwrap_or(self.log_p.len());
        let start = base + score * g;
        if start + g > end {
            return &[];
        }
        self.log_p.get(start..start + g).unwrap_or(&[])
    }
}

impl KullbackLeibler {
    /// Tabulates the bank on the grid `nodes` (the posterior's grid).
    pub fn new(bank: &Bank, nodes: &[f64]) -> Self {
        let table = bank.log_lik_table(nodes, true);
        let (n, g) = (bank.len(), nodes.len());
        let dichotomous: Vec<bool> = bank
            .items()
            .iter()
            .map(|it| matches!(it.item, crate::irt::Item::Logistic(_)))
            .collect();
        let mut by_node = vec![0.0; 2 * g * n];
        for (i, _) in dichotomous.iter().enumerate().filter(|(_, &d)| d) {
            for x in 0..2 {
                for (j, &v) in table.row(i, x).iter().enumerate() {
                    if let Some(slot) = by_node.get_mut((x * g + j) * n + i) {
                        *slot = v;
                    }
                }
            }
        }
        let grid = ItemTable::nodes();
        let mut p_hat = vec![0.0; grid * n];
        let mut neg_entropy = vec![0.0; grid * n];
        for k in 0..grid {
            let theta = ItemTable::node(k);
            for (i, it) in bank.items().iter().enumerate() {
                if let crate::irt::Item::Logistic(l) = &it.item {
                    let core = crate::irt::logistic::Core::new(l, theta);
                    p_hat[k * n + i] = core.p();
                    neg_entropy[k * n + i] = [core.p(), core.q()]
                        .iter()
                        .filter(|&&p| p > 0.0)
                        .map(|&p| p * p.ln())
                        .sum();
                }
            }
        }
        let spacing = match (nodes.first(), nodes.last()) {
            (Some(&lo), Some(&hi)) if g >= 3 => {
                let h = (hi - lo) / (g - 1) as f64;
                let even = nodes
                    .iter()
                    .enumerate()
                    .all(|(j, &t)| (t - (lo + j as f64 * h)).abs() <= 1e-9 * h.abs().max(1.0));
                (even && h > 0.0).then_some(h)
            }
            _ => None,
        };
        let strip = bank
            .items()
            .iter()
            .map(|it| {
                let a = match &it.item {
                    crate::irt::Item::Logistic(l) => l.a,
                    crate::irt::Item::Gpcm(p) => p.a,
                    crate::irt::Item::Grm(p) => p.a,
                };
                std::f64::consts::PI / (it.item.max_score().max(1) as f64 * a)
            })
            .fold(f64::INFINITY, f64::min);
        KullbackLeibler {
            table,
            by_node,
            p_hat,
            neg_entropy,
            dichotomous_count: dichotomous.iter().filter(|&&d| d).count(),
            dichotomous,
            spacing,
            strip,
        }
    }

    /// The grid the table was built on.
    pub fn nodes(&self) -> &[f64] {
        self.table.nodes()
    }

    /// The node spacing factor used for the posterior `weights` (normalised) on nodes
    /// `lo..hi`: 1 sums every node; `s` sums every s-th node (see the type's notes).
    pub fn stride(&self, weights: &[f64], (lo, hi): (usize, usize)) -> usize {
        let Some(h) = self.spacing else { return 1 };
        let nodes = self.table.nodes();
        let hi = hi.min(nodes.len()).min(weights.len());
        let lo = lo.min(hi);
        let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for (&w, &t) in weights[lo..hi].iter().zip(&nodes[lo..hi]) {
            m0 += w;
            m1 += w * t;
            m2 += w * t * t;
        }
        // The spacing rule holds for a posterior that fades out inside the grid: one
        // cut by the grid's ends is summed node by node.
        let top = weights[lo..hi].iter().copied().fold(0.0, f64::max);
        let fades = |j: usize| weights.get(j).is_some_and(|&w| w <= 1e-7 * top);
        if m0 <= 0.0 || hi <= lo || !fades(lo) || !fades(hi - 1) {
            return 1;
        }
        let mean = m1 / m0;
        let sd = (m2 / m0 - mean * mean).max(0.0).sqrt();
        if sd.is_nan() || sd < 1.5 * h {
            return 1;
        }
        let delta = self.strip;
        let error = |big_h: f64| {
            let pi = std::f64::consts::PI;
            if 2.0 * pi * sd * sd / big_h <= delta {
                (-2.0 * pi * pi * sd * sd / (big_h * big_h)).exp()
            } else {
                (delta * delta / (2.0 * sd * sd) - 2.0 * pi * delta / big_h).exp()
            }
        };
        (2..=MAX_KL_STRIDE)
            .take_while(|&s| error(s as f64 * h) <= KL_THINNING_ERROR)
            .last()
            .unwrap_or(1)
    }

    /// The three rows of the [`ItemTable`] grid around `theta` (from `m − 1`) and the
    /// position `u ∈ [−½, ½]` of `theta` from the middle one, in steps.
    fn around(theta: f64) -> (usize, f64) {
        let last = ItemTable::nodes() - 1;
        let x = ((theta - TABLE_RANGE.0) / TABLE_STEP).clamp(0.0, last as f64);
        let m = (x.round() as usize).clamp(1, last - 1);
        (m - 1, x - m as f64)
    }

    /// KL index of each candidate into `values`, given θ̂ and the normalised posterior
    /// weights `weights` on the table's nodes, restricted to nodes `lo..hi`.
    pub fn rank(
        &self,
        bank: &Bank,
        theta: f64,
        weights: &[f64],
        range: (usize, usize),
        cands: &[u32],
        values: &mut Vec<f64>,
    ) {
        let mut sums = Vec::new();
        self.rank_with(bank, theta, weights, range, cands, values, &mut sums);
    }

    /// [`rank`](KullbackLeibler::rank) with `sums` as scratch space (kept by the
    /// caller from step to step: no allocation).
    #[allow(clippy::too_many_arguments)]
    pub fn rank_with<'a>(
        &'a self,
        bank: &Bank,
        theta: f64,
        weights: &[f64],
        (lo, hi): (usize, usize),
        cands: &[u32],
        values: &mut Vec<f64>,
        sums: &mut Vec<f64>,
    ) {
        values.clear();
        let g = self.table.nodes.len();
        let hi = hi.min(g).min(weights.len());
        let lo = lo.min(hi);
        let n = self.dichotomous.len();
        let stride = self.stride(weights, (lo, hi));
        // The summed nodes: lo, lo + s, …; their weights normalised again, kept after
        // the 2n sums.
        let picked = (hi - lo).div_ceil(stride);
        sums.clear();
        sums.resize(2 * n + picked, 0.0);
        let (s, w) = sums.split_at_mut(2 * n);
        for (k, slot) in w.iter_mut().enumerate() {
            *slot = weights[lo + k * stride];
        }
        let total: f64 = w.iter().sum();
        if stride > 1 && total > 0.0 {
            w.iter_mut().for_each(|v| *v /= total);
        }
        let w: &[f64] = w;
        let node = |k: usize| lo + k * stride;
        // The node-major pass costs every dichotomous item of the bank: worth it when
        // most of them are candidates.
        let by_node = 3 * cands.len() >= self.dichotomous_count && self.by_node.len() == 2 * g * n;
        if by_node {
            let (s0, s1) = s.split_at_mut(n);
            // Up to four nodes per pass over the sums (each sum still adds its nodes one
            // after the other, in ascending order).
            let block = |x: usize, j: usize| self.by_node.get((x * g + j) * n..(x * g + j + 1) * n);
            let mut k = 0;
            while k < picked {
                let c = (picked - k).min(4);
                for (x, s) in [(0, &mut *s0), (1, &mut *s1)] {
                    let mut rows: [&[f64]; 4] = [&[]; 4];
                    let mut found = 0;
                    for (slot, q) in rows.iter_mut().zip(k..k + c) {
                        if let Some(r) = block(x, node(q)) {
                            *slot = r;
                            found += 1;
                        }
                    }
                    if found == c {
                        accumulate(s, &rows[..c], &w[k..k + c]);
                    }
                }
                k += c;
            }
        }
        let (first, u) = Self::around(theta);
        let rows = |t: &'a [f64]| -> Option<[&'a [f64]; 3]> {
            Some([
                t.get(first * n..(first + 1) * n)?,
                t.get((first + 1) * n..(first + 2) * n)?,
                t.get((first + 2) * n..(first + 3) * n)?,
            ])
        };
        let (Some(p_rows), Some(h_rows)) = (rows(&self.p_hat), rows(&self.neg_entropy)) else {
            values.extend(cands.iter().map(|_| 0.0));
            return;
        };
        let (s0, s1) = s.split_at_mut(n);
        if by_node {
            // The index of every dichotomous item at once (into `s0`): one branch-free
            // pass the processor runs side by side.
            let [p0, p1, p2] = p_rows;
            let [h0, h1, h2] = h_rows;
            for (k, (a, &b)) in s0.iter_mut().zip(s1.iter()).enumerate() {
                *a = binary_kl(
                    quadratic(p0[k], p1[k], p2[k], u),
                    quadratic(h0[k], h1[k], h2[k], u),
                    *a,
                    b,
                );
            }
        }
        let dot = |i: usize, x: usize| -> f64 {
            let row = self.table.row(i, x);
            let mut d = 0.0;
            for (k, &wk) in w.iter().enumerate() {
                d += wk * row.get(node(k)).copied().unwrap_or(0.0);
            }
            d
        };
        for &i in cands {
            let i = i as usize;
            let Some(it) = bank.get(i) else {
                values.push(0.0);
                continue;
            };
            if self.dichotomous.get(i) == Some(&true) {
                if by_node {
                    values.push(s0.get(i).copied().unwrap_or(0.0));
                    continue;
                }
                let at = |r: [&[f64]; 3]| quadratic(r[0][i], r[1][i], r[2][i], u);
                values.push(binary_kl(at(p_rows), at(h_rows), dot(i, 0), dot(i, 1)));
                continue;
            }
            let mut kl = 0.0;
            for x in 0..=it.item.max_score() {
                let p = it.item.prob(theta, x);
                if p > 0.0 {
                    kl += p * (p.ln() - dot(i, x));
                }
            }
            values.push(kl);
        }
    }
}

/// Adds `Σ_q w[q]·rows[q][i]` to `sums[i]` for every `i`, node after node (up to four
/// rows in one pass).
#[inline]
fn accumulate(sums: &mut [f64], rows: &[&[f64]], w: &[f64]) {
    match (rows, w) {
        ([r0, r1, r2, r3], &[w0, w1, w2, w3]) => {
            for ((((a, &l0), &l1), &l2), &l3) in sums.iter_mut().zip(*r0).zip(*r1).zip(*r2).zip(*r3)
            {
                *a = (((*a + w0 * l0) + w1 * l1) + w2 * l2) + w3 * l3;
            }
        }
        ([r0, r1, r2], &[w0, w1, w2]) => {
            for (((a, &l0), &l1), &l2) in sums.iter_mut().zip(*r0).zip(*r1).zip(*r2) {
                *a = ((*a + w0 * l0) + w1 * l1) + w2 * l2;
            }
        }
        ([r0, r1], &[w0, w1]) => {
            for ((a, &l0), &l1) in sums.iter_mut().zip(*r0).zip(*r1) {
                *a = (*a + w0 * l0) + w1 * l1;
            }
        }
        _ => {
            for (r, &wq) in rows.iter().zip(w) {
                for (a, &l) in sums.iter_mut().zip(*r) {
                    *a += wq * l;
                }
            }
        }
    }
}

/// The KL index of a dichotomous item from its interpolated `P̂` and
/// `P̂ ln P̂ + Q̂ ln Q̂` and its posterior means `d0 = E[ln Q]`, `d1 = E[ln P]`: one
/// expression for the node-major and the item-by-item paths, which must agree to the
/// bit.
#[inline]
fn binary_kl(p_hat: f64, neg_entropy: f64, d0: f64, d1: f64) -> f64 {
    let p = p_hat.clamp(0.0, 1.0);
    neg_entropy - d0 - p * (d1 - d0)
}

/// Three-point interpolation of `f` at `u` steps from the middle node (`f0`, `f1`,
/// `f2` at −1, 0, 1).
#[inline]
fn quadratic(f0: f64, f1: f64, f2: f64, u: f64) -> f64 {
    f1 + u * 0.5 * (f2 - f0) + u * u * 0.5 * (f2 - 2.0 * f1 + f0)
}

/// Fisher information and success probability of every dichotomous item tabulated on
/// a fine θ grid ([`TABLE_STEP`] on [`TABLE_RANGE`]), read by linear interpolation.
///
/// Why: a selection step evaluates every eligible item at the current estimate; with
/// the table, that is two contiguous rows of the table instead of one `exp` and two
/// divisions per item, which keeps a step on a 1,000-item bank to a few µs. The
/// interpolation error is below 0.3 % of the information for `a ≤ 2.5` (it can only
/// change the choice between items whose information differs by less than that).
/// Polytomous items are computed exactly. Rows are node-major, so the values of all
/// items at one node are contiguous.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemTable {
    items: usize,
    /// `information[k · items + i]`: information of item `i` at node `k`.
    information: Vec<f64>,
    /// Success probability, same layout (empty when not needed).
    success: Vec<f64>,
    /// Whether item `i` is tabulated (dichotomous) or computed exactly.
    tabulated: Vec<bool>,
    /// Whether every item is tabulated (the fast path).
    all_tabulated: bool,
}

/// Range of the [`ItemTable`] grid (θ outside is clamped: the information of a test
/// item at |θ| > 6 is of no use for selection).
pub const TABLE_RANGE: (f64, f64) = (-6.0, 6.0);
/// Step of the [`ItemTable`] grid.
pub const TABLE_STEP: f64 = 0.05;

impl ItemTable {
    /// Tabulates the bank; `success` also tabulates success probabilities (for the
    /// Beginner rule).
    pub fn new(bank: &Bank, success: bool) -> Self {
        let n = bank.len();
        let nodes = Self::nodes();
        let tabulated: Vec<bool> = bank
            .items()
            .iter()
            .map(|it| matches!(it.item, crate::irt::Item::Logistic(_)))
            .collect();
        let mut information = vec![0.0; nodes * n];
        let mut prob = if success {
            vec![0.0; nodes * n]
        } else {
            Vec::new()
        };
        for k in 0..nodes {
            let theta = Self::node(k);
            for (i, it) in bank.items().iter().enumerate() {
                if tabulated[i] {
                    information[k * n + i] = it.item.information(theta);
                    if success {
                        prob[k * n + i] = it.item.success_prob(theta);
                    }
                }
            }
        }
        ItemTable {
            items: n,
            information,
            success: prob,
            all_tabulated: tabulated.iter().all(|&t| t),
            tabulated,
        }
    }

    fn nodes() -> usize {
        ((TABLE_RANGE.1 - TABLE_RANGE.0) / TABLE_STEP).round() as usize + 1
    }

    fn node(k: usize) -> f64 {
        TABLE_RANGE.0 + k as f64 * TABLE_STEP
    }

    /// Lower node and interpolation weight for `theta`.
    fn locate(theta: f64) -> (usize, f64) {
        let last = Self::nodes() - 1;
        let x = ((theta - TABLE_RANGE.0) / TABLE_STEP).clamp(0.0, last as f64);
        let k = (x.floor() as usize).min(last - 1);
        (k, x - k as f64)
    }

    fn read(&self, table: &[f64], k: usize, t: f64, i: usize) -> Option<f64> {
        let lo = *table.get(k * self.items + i)?;
        let hi = *table.get((k + 1) * self.items + i)?;
        Some(lo + t * (hi - lo))
    }

    /// Information of each candidate at `theta` into `values` (cleared first).
    pub fn information(&self, bank: &Bank, theta: f64, cands: &[u32], values: &mut Vec<f64>) {
        values.clear();
        let (k, t) = Self::locate(theta);
        let n = self.items;
        if self.all_tabulated {
            let lo = self.information.get(k * n..(k + 1) * n).unwrap_or(&[]);
            let hi = self
                .information
                .get((k + 1) * n..(k + 2) * n)
                .unwrap_or(&[]);
            if lo.len() == n && hi.len() == n {
                values.extend(cands.iter().map(|&i| {
                    let i = i as usize;
                    match (lo.get(i), hi.get(i)) {
                        (Some(&a), Some(&b)) => a + t * (b - a),
                        _ => 0.0,
                    }
                }));
                return;
            }
        }
        for &i in cands {
            let i = i as usize;
            let v = if self.tabulated.get(i) == Some(&true) {
                self.read(&self.information, k, t, i)
            } else {
                None
            };
            values.push(
                v.unwrap_or_else(|| bank.get(i).map_or(0.0, |it| it.item.information(theta))),
            );
        }
    }

    /// The most informative item at `theta` among those with status [`AVAILABLE`] (the
    /// first of equals), in one pass without a candidate list: the plain
    /// maximum-information step. `None` if some item is not tabulated (the caller then
    /// takes the general path) or none is available.
    pub fn best_available(&self, theta: f64, status: &[u8]) -> Option<Option<u32>> {
        if !self.all_tabulated || status.len() != self.items {
            return None;
        }
        let n = self.items;
        let (k, t) = Self::locate(theta);
        let lo = self.information.get(k * n..(k + 1) * n)?;
        let hi = self.information.get((k + 1) * n..(k + 2) * n)?;
        let mut best: Option<(f64, u32)> = None;
        for (i, ((&st, &a), &b)) in status.iter().zip(lo).zip(hi).enumerate() {
            if st == AVAILABLE {
                let v = a + t * (b - a);
                let v = if v.is_nan() { f64::NEG_INFINITY } else { v };
                if best.is_none_or(|(bv, _)| v > bv) {
                    best = Some((v, i as u32));
                }
            }
        }
        Some(best.map(|(_, i)| i))
    }

    /// Success probability of item `i` at `theta` (tabulated when possible).
    pub fn success_prob(&self, bank: &Bank, theta: f64, i: usize) -> f64 {
        let v = if self.tabulated.get(i) == Some(&true) && !self.success.is_empty() {
            let (k, t) = Self::locate(theta);
            self.read(&self.success, k, t, i)
        } else {
            None
        };
        v.unwrap_or_else(|| bank.get(i).map_or(0.0, |it| it.item.success_prob(theta)))
    }
}

/// Randomesque exposure control (Kingsbury & Zara 1989): the item is drawn uniformly
/// among the `k` best, so the very best items are not given to everybody.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Randomesque {
    /// Number of best items to draw from (1: always the best).
    pub k: usize,
}

impl Randomesque {
    /// Position in `values` of the drawn item (ties between equal values go to the
    /// earlier position, so the order is deterministic), or `None` if `values` is
    /// empty. Draws from `rng` only when there is a choice.
    pub fn pick(&self, values: &[f64], rng: &mut ChaCha8Rng) -> Option<usize> {
        let k = self.k.clamp(1, MAX_RANDOMESQUE).min(values.len());
        if k == 0 {
            return None;
        }
        if k == 1 {
            // The best (first of equals): no draw.
            let mut best = (f64::NEG_INFINITY, 0);
            for (pos, &v) in values.iter().enumerate() {
                if v > best.0 {
                    best = (v, pos);
                }
            }
            return Some(best.1);
        }
        // The k best positions, best first, in a fixed array (no allocation).
        let mut top = [(f64::NEG_INFINITY, usize::MAX); MAX_RANDOMESQUE];
        let mut filled = 0;
        for (pos, &v) in values.iter().enumerate() {
            let v = if v.is_nan() { f64::NEG_INFINITY } else { v };
            if filled == k && v <= top[k - 1].0 {
                continue;
            }
            let mut j = if filled < k { filled } else { k - 1 };
            while j > 0 && top[j - 1].0 < v {
                top[j] = top[j - 1];
                j -= 1;
            }
            top[j] = (v, pos);
            if filled < k {
                filled += 1;
            }
        }
        let r = if filled > 1 {
            rng.random_range(0..filled as u32) as usize
        } else {
            0
        };
        Some(top[r].1)
    }
}

/// The progressive method (Revuelta & Ponsoda 1998): the value of each candidate is
/// `(1 − s)·Rᵢ + s·Iᵢ`, where `Iᵢ` is the ranking's value (information), `Rᵢ` a
/// uniform draw on `[0, maxⱼ Iⱼ]` and `s = min(1, (position / horizon)^power)` the
/// test's progress. The first item is drawn at random among the candidates (what the
/// filters kept), the items after `horizon` by the ranking alone: early in a test,
/// when θ̂ is a poor guide anyway, every candidate gets a chance, so the whole bank
/// is used (maximum information alone keeps choosing the few most discriminating
/// items); the precision comes from the items at the end. `power > 1` keeps the
/// random part longer (Barrada et al. 2008's acceleration).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progressive {
    /// Position (items already given) from which the ranking alone decides.
    pub horizon: usize,
    /// Acceleration of the progress (1: linear).
    #[serde(default = "one_f64")]
    pub power: f64,
}

fn one_f64() -> f64 {
    1.0
}

impl Progressive {
    /// Weight `s` of the ranking's value for the item at `position` (0-based).
    pub fn weight(&self, position: usize) -> f64 {
        if self.horizon == 0 || position >= self.horizon {
            return 1.0;
        }
        (position as f64 / self.horizon as f64)
            .powf(self.power)
            .clamp(0.0, 1.0)
    }

    /// Blends `values` in place (one uniform draw per value, in order, unless the
    /// weight is 1: then nothing is drawn).
    pub fn blend(&self, position: usize, values: &mut [f64], rng: &mut ChaCha8Rng) {
        let s = self.weight(position);
        if s >= 1.0 || values.is_empty() {
            return;
        }
        let max = values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        for v in values.iter_mut() {
            let r: f64 = rng.random::<f64>() * max;
            *v = (1.0 - s) * r + s * *v;
        }
    }

    fn validate(&self) -> Result<(), SelectError> {
        if self.power.is_finite() && self.power > 0.0 {
            Ok(())
        } else {
            Err(SelectError::Invalid(
                "progressive: power must be finite and > 0".into(),
            ))
        }
    }
}

/// Sympson-Hetter exposure control (Sympson & Hetter 1985): each item has an exposure
/// parameter `kᵢ ∈ [0, 1]`; when the item is selected it is administered with
/// probability `kᵢ`, otherwise it is set aside for the rest of the test and the
/// selection goes on among the others. Calibrated by simulation
/// ([`calibrate_sympson_hetter`](crate::simulate::calibrate_sympson_hetter)) so that no
/// item is given to more than a share `r_max` of the population.
///
/// A refused item is set aside and the selection step is made again, filters included,
/// on the items left (the same item is never offered twice to one person, so the
/// probability of administration is exactly `P(A) = kᵢ·P(S)`, the identity the
/// calibration rests on). Only the last eligible item of the bank is administered
/// whatever its `k`, so a test never runs out of items because of the lottery.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SympsonHetter {
    /// Exposure parameter per item id; items not listed have `k = 1`.
    pub k: BTreeMap<String, f64>,
}

impl SympsonHetter {
    /// The parameters as a vector in bank order.
    pub fn resolve(&self, bank: &Bank) -> Result<Vec<f64>, SelectError> {
        let mut k = vec![1.0; bank.len()];
        for (id, &v) in &self.k {
            let ix = bank
                .index_of(id)
                .ok_or_else(|| SelectError::UnknownItem(id.clone()))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(SelectError::Invalid(format!(
                    "sympson-hetter: k of `{id}` must be in [0, 1] (got {v})"
                )));
            }
            k[ix] = v;
        }
        Ok(k)
    }

    /// The lottery: whether an item with parameter `k` is administered. Draws from
    /// `rng` only when `0 < k < 1`.
    pub fn accept(k: f64, rng: &mut ChaCha8Rng) -> bool {
        if k >= 1.0 {
            true
        } else if k <= 0.0 {
            false
        } else {
            rng.random::<f64>() < k
        }
    }
}

/// Why a selection configuration was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SelectError {
    /// A number or combination is out of range.
    #[error("{0}")]
    Invalid(String),
    /// A domain id matches no domain of the bank.
    #[error("unknown domain `{0}`")]
    UnknownDomain(String),
    /// An item id matches no item of the bank.
    #[error("unknown item `{0}`")]
    UnknownItem(String),
}

// ---------------------------------------------------------------------------------
// The pipeline

/// A filter resolved against the bank.
#[derive(Clone, Debug, PartialEq)]
enum FilterPlan {
    Content(ContentPlan),
    Beginner(Beginner),
}

/// [`SelectConfig`] resolved against a bank, ready for many steps and many tests.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectPlan {
    filters: Vec<FilterPlan>,
    ranking: Ranking,
    randomesque: Randomesque,
    progressive: Option<Progressive>,
    /// Sympson-Hetter `k` in bank order (empty: no exposure control).
    exposure: Vec<f64>,
    kl: Option<Arc<KullbackLeibler>>,
    table: Arc<ItemTable>,
    domains: usize,
    /// No filter, maximum information, no randomesque, no exposure control: the
    /// one-pass path.
    plain: bool,
}

impl SelectPlan {
    /// Checks the configuration and resolves it against the bank; `nodes` is the
    /// posterior grid (tabulated for the Kullback-Leibler ranking).
    pub fn new(config: &SelectConfig, bank: &Bank, nodes: &[f64]) -> Result<Self, SelectError> {
        if !(1..=MAX_RANDOMESQUE).contains(&config.randomesque) {
            return Err(SelectError::Invalid(format!(
                "randomesque must be between 1 and {MAX_RANDOMESQUE} (got {})",
                config.randomesque
            )));
        }
        let mut filters = Vec::new();
        for f in &config.filters {
            filters.push(match f {
                Filter::ContentBalancing(c) => FilterPlan::Content(c.plan(bank)?),
                Filter::Beginner(b) => {
                    b.validate()?;
                    FilterPlan::Beginner(b.clone())
                }
            });
        }
        let exposure = match &config.exposure {
            Some(sh) => sh.resolve(bank)?,
            None => Vec::new(),
        };
        let kl = match config.ranking {
            Ranking::KullbackLeibler => Some(bank.kl_tables(nodes)),
            Ranking::MaxInfo => None,
        };
        let needs_success = filters.iter().any(|f| matches!(f, FilterPlan::Beginner(_)));
        if let Some(p) = &config.progressive {
            p.validate()?;
        }
        let plain = filters.is_empty()
            && kl.is_none()
            && config.randomesque == 1
            && exposure.is_empty()
            && config.progressive.is_none();
        Ok(SelectPlan {
            plain,
            table: bank.item_table(needs_success),
            filters,
            ranking: config.ranking,
            randomesque: Randomesque {
                k: config.randomesque,
            },
            progressive: config.progressive,
            exposure,
            kl,
            domains: bank.domains().len(),
        })
    }

    /// Whether the ranking needs the posterior on the grid.
    pub fn needs_posterior(&self) -> bool {
        self.kl.is_some()
    }

    /// The KL ranking's log-likelihood table (on the posterior grid), if any.
    pub fn kl_table(&self) -> Option<&LogLikTable> {
        self.kl.as_ref().map(|k| &*k.table)
    }

    /// The content-balancing plan, if any (the stopping rules read its minimums).
    pub fn content(&self) -> Option<&ContentPlan> {
        self.filters.iter().find_map(|f| match f {
            FilterPlan::Content(c) => Some(c),
            FilterPlan::Beginner(_) => None,
        })
    }
}

/// What a selection step needs to know about the test so far.
#[derive(Clone, Copy, Debug)]
pub struct StepInput<'s> {
    /// Current ability estimate.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// Number of items already given.
    pub position: usize,
    /// Items given per domain.
    pub given_per_domain: &'s [u32],
    /// Unnormalised log posterior on the grid (only read by the KL ranking).
    pub log_posterior: Option<&'s [f64]>,
}

/// The selection pipeline's scratch buffers: reused from step to step and test to
/// test, so a step allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    cands: Vec<u32>,
    values: Vec<f64>,
    weights: Vec<f64>,
    present: Vec<bool>,
    /// Times each item was selected (offered to the Sympson-Hetter lottery), when
    /// counting is on (non-empty): what the exposure calibration needs.
    selections: Vec<u32>,
    /// Items set aside by the last step.
    set_aside: Vec<u32>,
    /// Eligible items when the candidate list was last built.
    eligible: usize,
    /// Scratch of the Kullback-Leibler ranking.
    sums: Vec<f64>,
}

impl Selector {
    /// Empty buffers (they grow to the bank's size at the first step).
    pub fn new() -> Self {
        Selector::default()
    }

    /// Turns counting of selections on (for `items` items) or off (`0`); counts are
    /// kept across tests until counting is turned on again.
    pub fn count_selections(&mut self, items: usize) {
        self.selections.clear();
        self.selections.resize(items, 0);
    }

    /// Times each item was selected since counting was turned on (empty when off).
    pub fn selections(&self) -> &[u32] {
        &self.selections
    }

    /// Items the last step set aside (Sympson-Hetter refusals), so a caller keeping
    /// counts of available items can update them without a scan.
    pub fn set_aside(&self) -> &[u32] {
        &self.set_aside
    }

    /// One selection step. Items refused by Sympson-Hetter get status [`SET_ASIDE`] in
    /// `status`. Returns the bank index of the item to administer, or `None` if no item
    /// is available.
    pub fn select(
        &mut self,
        plan: &SelectPlan,
        bank: &Bank,
        input: &StepInput<'_>,
        status: &mut [u8],
        rng: &mut ChaCha8Rng,
    ) -> Option<u32> {
        self.set_aside.clear();
        if plan.plain {
            if let Some(best) = plan.table.best_available(input.theta, status) {
                if let Some(c) = best.and_then(|i| self.selections.get_mut(i as usize)) {
                    *c += 1;
                }
                return best;
            }
        }
        // Sympson-Hetter: a refused item is set aside and the whole step (filters
        // included) is made again on the items left, so a filter's choice never forces
        // an item past its lottery. Only the last eligible item of the bank is given
        // whatever its k, so a test never runs out of items because of the lottery.
        loop {
            self.candidates(plan, bank, input, status, rng);
            let mut eligible = self.eligible;
            if eligible == 0 {
                return None;
            }
            while !self.cands.is_empty() {
                let pos = plan.randomesque.pick(&self.values, rng)?;
                let ix = self.cands[pos];
                if let Some(c) = self.selections.get_mut(ix as usize) {
                    *c += 1;
                }
                let k = plan.exposure.get(ix as usize).copied().unwrap_or(1.0);
                if eligible == 1 || SympsonHetter::accept(k, rng) {
                    return Some(ix);
                }
                if let Some(s) = status.get_mut(ix as usize) {
                    *s = SET_ASIDE;
                }
                self.set_aside.push(ix);
                eligible -= 1;
                self.cands.swap_remove(pos);
                self.values.swap_remove(pos);
            }
        }
    }

    /// The eligible items (status [`AVAILABLE`]) through the filters, ranked: fills
    /// `cands`, `values` and `eligible` (the number of eligible items before the
    /// filters).
    fn candidates(
        &mut self,
        plan: &SelectPlan,
        bank: &Bank,
        input: &StepInput<'_>,
        status: &[u8],
        rng: &mut ChaCha8Rng,
    ) {
        self.cands.clear();
        self.cands.extend(
            status
                .iter()
                .enumerate()
                .filter(|(_, &s)| s == AVAILABLE)
                .map(|(i, _)| i as u32),
        );
        self.eligible = self.cands.len();
        self.values.clear();
        if self.cands.is_empty() {
            return;
        }
        self.present.resize(plan.domains, false);
        for f in &plan.filters {
            match f {
                FilterPlan::Content(c) => c.filter(
                    bank,
                    input.given_per_domain,
                    &mut self.present,
                    &mut self.cands,
                    rng,
                ),
                FilterPlan::Beginner(b) => {
                    let theta = input.theta - b.caution * input.se;
                    let table = &plan.table;
                    b.filter_with(input.position, &mut self.cands, |i| {
                        table.success_prob(bank, theta, i)
                    })
                }
            }
        }
        match (&plan.kl, input.log_posterior) {
            (Some(kl), Some(lp)) => {
                let range = normalised_weights(lp, &mut self.weights);
                kl.rank_with(
                    bank,
                    input.theta,
                    &self.weights,
                    range,
                    &self.cands,
                    &mut self.values,
                    &mut self.sums,
                );
            }
            _ => plan
                .table
                .information(bank, input.theta, &self.cands, &mut self.values),
        }
        if let Some(p) = &plan.progressive {
            p.blend(input.position, &mut self.values, rng);
        }
    }
}

/// Posterior weights `exp(lp − max)` normalised to sum to 1, into `weights`; returns
/// the range of nodes whose weight is at least 10⁻⁸ of the largest (what lies beyond
/// changes a Kullback-Leibler index by less than 10⁻⁷).
fn normalised_weights(log_post: &[f64], weights: &mut Vec<f64>) -> (usize, usize) {
    let max = log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    weights.clear();
    weights.extend(log_post.iter().map(|&lp| (lp - max).exp()));
    let sum: f64 = weights.iter().sum();
    if sum > 0.0 {
        weights.iter_mut().for_each(|w| *w /= sum);
    }
    let cut = 1e-8 * weights.iter().copied().fold(0.0, f64::max);
    let lo = weights.iter().position(|&w| w >= cut).unwrap_or(0);
    let hi = weights
        .iter()
        .rposition(|&w| w >= cut)
        .map_or(weights.len(), |p| p + 1);
    (lo, hi)
}
