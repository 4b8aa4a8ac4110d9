//! E-step: each person's posterior over the quadrature nodes, from their own
//! answers only, accumulated into expected counts per item, category and node.
//!
//! Work per person is `O(answers × nodes)`; the log-probability table of every
//! item at every node is computed once per E-step. Persons are processed in
//! fixed-size chunks, in two passes that only *read* long runs of memory and keep
//! their sums in registers:
//!
//! 1. person by person, the log-posterior node block by node block (16 nodes held
//!    in registers while the person's answer rows are added), then the normalised
//!    posterior, kept in a chunk-sized table;
//! 2. table row by table row (item, category), the sum of the posteriors of the
//!    chunk's persons who gave that answer (the chunk's index lists them), node
//!    block by node block.
//!
//! Each sum is formed in the same order as a person-by-person accumulation would
//! (persons ascending), chunks are added in chunk order: the result is bitwise the
//! same whatever the number of threads.
//!
//! Posterior values below `e^LOG_CUT` times the largest are set to zero (and their
//! exponentials skipped): with 30 or more answers, half the grid carries less than
//! `10⁻¹⁷` of a person's posterior.

use super::data::Responses;
use super::num::{exp_neg, sum4};

/// Persons per chunk (the unit of parallel work and of summation order).
pub(crate) const CHUNK: usize = 512;

/// Chunks per thread and per wave: chunks are summed wave by wave, so at most
/// `threads × WAVE` chunk-sized tables are alive at once.
const WAVE: usize = 4;

/// Marks an item that takes no part in the fit.
pub(crate) const INACTIVE: usize = usize::MAX;

/// Nodes per register block.
const BLOCK: usize = 16;

/// Posterior values below `e^LOG_CUT` (≈ 4·10⁻¹⁸) times the largest one are taken
/// as zero by the E-step: they change no expected count by more than the rounding
/// of the larger terms.
pub(crate) const LOG_CUT: f64 = -40.0;

/// Where each active item's rows start in the per-(item, category, node) tables.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// `offset[j]`: start of item j's block (`categories × nodes`), or [`INACTIVE`].
    pub(crate) offset: Vec<usize>,
    /// Number of categories of item j.
    pub(crate) categories: Vec<usize>,
    /// Total length of a table.
    pub(crate) total: usize,
    /// Number of nodes.
    pub(crate) nodes: usize,
}

/// The data rearranged for the E-step, built once per calibration.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    persons: usize,
    /// `at[start[p]..start[p + 1]]`: table offsets `offset_j + x·Q` of person p's
    /// answers to active items.
    start: Vec<usize>,
    at: Vec<usize>,
    /// Per chunk, the persons (chunk-local) behind each table row.
    chunks: Vec<ChunkIndex>,
}

#[derive(Clone, Debug)]
struct ChunkIndex {
    /// Rows with at least one answer in the chunk, ascending.
    rows: Vec<u32>,
    /// `members[row_start[i]..row_start[i + 1]]`: local persons of `rows[i]`, ascending.
    row_start: Vec<u32>,
    members: Vec<u16>,
}

impl Plan {
    pub(crate) fn new(data: &Responses, layout: &Layout) -> Plan {
        let nq = layout.nodes;
        let n = data.persons();
        let mut start = Vec::with_capacity(n + 1);
        let mut at = Vec::with_capacity(data.len());
        start.push(0);
        for p in 0..n {
            let (items, scores) = data.row(p);
            for (j, x) in items.iter().zip(scores) {
                let off = layout.offset[*j as usize];
                if off != INACTIVE {
                    at.push(off + *x as usize * nq);
                }
            }
            start.push(at.len());
        }
        let n_rows = layout.total / nq.max(1);
        let mut count = vec![0u32; n_rows + 1];
        let chunks = (0..n.div_ceil(CHUNK))
            .map(|c| {
                let (p0, p1) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
                count.iter_mut().for_each(|v| *v = 0);
                for a in &at[start[p0]..start[p1]] {
                    count[a / nq] += 1;
                }
                let rows: Vec<u32> = (0..n_rows)
                    .filter(|r| count[*r] > 0)
                    .map(|r| r as u32)
                    .collect();
                let mut row_start = Vec::with_capacity(rows.len() + 1);
                let mut next = vec![0u32; n_rows];
                let mut s = 0u32;
                row_start.push(0);
                for r in &rows {
                    next[*r as usize] = s;
                    s += count[*r as usize];
                    row_start.push(s);
                }
                let mut members = vec![0u16; s as usize];
                for p in p0..p1 {
                    for a in &at[start[p]..start[p + 1]] {
                        let r = a / nq;
                        members[next[r] as usize] = (p - p0) as u16;
                        next[r] += 1;
                    }
                }
                ChunkIndex {
                    rows,
                    row_start,
                    members,
                }
            })
            .collect();
        Plan {
            persons: n,
            start,
            at,
            chunks,
        }
    }
}

/// One chunk's sums.
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    /// Sums of the chunk's rows (only the rows of its index are written).
    counts: Vec<f64>,
    mass: Vec<f64>,
    loglik: f64,
    persons: usize,
    /// Posteriors of the chunk's persons, `CHUNK × Q`.
    post: Vec<f64>,
    /// Posterior window of each person (`lo == hi`: no active answer).
    window: Vec<(u16, u16)>,
}

/// Sums over all persons.
#[derive(Clone, Debug, Default)]
pub(crate) struct Totals {
    /// Expected counts `r[offset_j + k·Q + q]`.
    pub(crate) counts: Vec<f64>,
    /// Posterior mass at each node, summed over persons.
    pub(crate) mass: Vec<f64>,
    /// Marginal log-likelihood of the data.
    pub(crate) loglik: f64,
    /// Persons with at least one answer to an active item.
    pub(crate) persons: usize,
}

/// From the unnormalised log-posterior `lp` (at least one answer): the normalised
/// posterior in place, `ln Σ_q exp(lp_q)` and the window outside which it was set to
/// zero (with `cut`; the whole grid without).
#[inline(always)]
fn normalise(lp: &mut [f64], cut: bool) -> (f64, usize, usize) {
    let nq = lp.len();
    let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if cut {
        let keep = |l: &f64| *l - m >= LOG_CUT;
        let lo = lp.iter().position(keep).unwrap_or(0);
        let hi = nq - lp.iter().rev().position(keep).unwrap_or(0);
        (lo, hi.max(lo + 1))
    } else {
        (0, nq)
    };
    for l in lp[lo..hi].iter_mut() {
        *l = exp_neg(*l - m);
    }
    let s = sum4(&lp[lo..hi]);
    let inv = 1.0 / s;
    for l in lp[lo..hi].iter_mut() {
        *l *= inv;
    }
    lp[..lo].iter_mut().for_each(|l| *l = 0.0);
    lp[hi..].iter_mut().for_each(|l| *l = 0.0);
    (m + s.ln(), lo, hi)
}

/// The posterior of one person over the nodes (used by the standard errors and
/// the fit, one person at a time).
///
/// Returns `(ln Σ_q w_q Π P, lo..hi)`, or `None` if the person answered no active
/// item. `lp` receives the normalised posterior; with `cut`, nodes outside
/// `lo..hi` are those whose posterior is below `e^LOG_CUT` times the largest (and are
/// set to 0); without it, `lo..hi` is the whole grid.
#[allow(dead_code)]
pub(crate) fn posterior(
    items: &[u32],
    scores: &[u8],
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    lp: &mut [f64],
    cut: bool,
) -> Option<(f64, std::ops::Range<usize>)> {
    let nq = layout.nodes;
    let lp = &mut lp[..nq];
    lp.copy_from_slice(&logw[..nq]);
    let mut any = false;
    for (j, x) in items.iter().zip(scores) {
        let off = layout.offset[*j as usize];
        if off == INACTIVE {
            continue;
        }
        any = true;
        let at = off + *x as usize * nq;
        let row = &logtab[at..at + nq];
        for (l, v) in lp.iter_mut().zip(row) {
            *l += v;
        }
    }
    if !any {
        return None;
    }
    let (ll, lo, hi) = normalise(lp, cut);
    Some((ll, lo..hi))
}

/// Starts of the node blocks of width `B` covering `0..nq` (`nq ≥ B`); the last
/// block may overlap the one before (its nodes are then computed twice, the same
/// way).
#[inline(always)]
fn blocks<const B: usize>(nq: usize) -> impl Iterator<Item = usize> {
    let full = nq / B;
    let tail = (!nq.is_multiple_of(B)).then_some(nq - B);
    (0..full).map(|b| b * B).chain(tail)
}

/// Pass 1 over chunk `c`: each person's normalised posterior into `post` (row
/// `p − p₀`, zeros for a person without active answers) and its window into
/// `window`; returns the log-likelihood and the number of persons with answers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pass1<const B: usize>(
    plan: &Plan,
    c: usize,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    cut: bool,
    post: &mut Vec<f64>,
    window: &mut Vec<(u16, u16)>,
) -> (f64, usize) {
    let nq = layout.nodes;
    let p0 = c * CHUNK;
    let p1 = ((c + 1) * CHUNK).min(plan.persons);
    post.resize(CHUNK * nq, 0.0);
    window.clear();
    let (mut loglik, mut used) = (0.0, 0);
    for p in p0..p1 {
        let rows = &plan.at[plan.start[p]..plan.start[p + 1]];
        let lp = &mut post[(p - p0) * nq..(p - p0 + 1) * nq];
        if rows.is_empty() {
            lp.iter_mut().for_each(|v| *v = 0.0);
            window.push((0, 0));
            continue;
        }
        for b0 in blocks::<B>(nq) {
            let mut sum = [0.0f64; B];
            sum.copy_from_slice(&logw[b0..b0 + B]);
            for &at in rows {
                if let Some(row) = logtab[at + b0..].first_chunk::<B>() {
                    for i in 0..B {
                        sum[i] += row[i];
                    }
                }
            }
            lp[b0..b0 + B].copy_from_slice(&sum);
        }
        let (ll, lo, hi) = normalise(lp, cut);
        loglik += ll;
        used += 1;
        window.push((lo as u16, hi as u16));
    }
    (loglik, used)
}

/// The posteriors of the persons of chunk `c` (`c·CHUNK..`), for the passes after
/// the fit (standard errors, item fit): `post` gets one row of `Q` per person of
/// the chunk (zeros for a person without active answers), `window` each person's
/// nonzero range (empty: no active answer). With `cut`, as in the E-step; without,
/// the exact posterior over the whole grid.
#[allow(clippy::too_many_arguments)]
pub(crate) fn chunk_posteriors(
    plan: &Plan,
    c: usize,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    cut: bool,
    post: &mut Vec<f64>,
    window: &mut Vec<(u16, u16)>,
) -> std::ops::Range<usize> {
    if layout.nodes >= BLOCK {
        pass1::<BLOCK>(plan, c, layout, logtab, logw, cut, post, window);
    } else {
        pass1::<1>(plan, c, layout, logtab, logw, cut, post, window);
    }
    c * CHUNK..((c + 1) * CHUNK).min(plan.persons)
}

impl Plan {
    /// Number of chunks.
    pub(crate) fn chunks(&self) -> usize {
        self.chunks.len()
    }
}

/// Both passes over one chunk, with node blocks of width `B` (`nq ≥ B`).
#[inline(always)]
fn chunk_blocked<const B: usize>(
    plan: &Plan,
    c: usize,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    acc: &mut Acc,
) {
    let nq = layout.nodes;
    let p0 = c * CHUNK;
    let p1 = ((c + 1) * CHUNK).min(plan.persons);
    let np = p1 - p0;
    acc.counts.resize(layout.total, 0.0);
    acc.mass.clear();
    acc.mass.resize(nq, 0.0);
    // Pass 1: posteriors, person by person.
    let (ll, used) = pass1::<B>(
        plan,
        c,
        layout,
        logtab,
        logw,
        true,
        &mut acc.post,
        &mut acc.window,
    );
    acc.loglik = ll;
    acc.persons = used;
    // Pass 2: sums over persons, node block by node block.
    let post = &acc.post[..np * nq];
    let window = &acc.window;
    let index = &plan.chunks[c];
    for b0 in blocks::<B>(nq) {
        let sum = sum_over::<B>(0..np, post, window, nq, b0);
        acc.mass[b0..b0 + B].copy_from_slice(&sum);
    }
    for (i, r) in index.rows.iter().enumerate() {
        let members = &index.members[index.row_start[i] as usize..index.row_start[i + 1] as usize];
        let at = *r as usize * nq;
        for b0 in blocks::<B>(nq) {
            let sum = sum_over::<B>(members.iter().map(|m| *m as usize), post, window, nq, b0);
            acc.counts[at + b0..at + b0 + B].copy_from_slice(&sum);
        }
    }
}

/// `Σ_p post_p[b0..b0 + B]` over `persons` (ascending), skipping the persons whose
/// posterior is zero on the whole block.
#[inline(always)]
fn sum_over<const B: usize>(
    persons: impl Iterator<Item = usize>,
    post: &[f64],
    window: &[(u16, u16)],
    nq: usize,
    b0: usize,
) -> [f64; B] {
    let mut sum = [0.0f64; B];
    for p in persons {
        let (lo, hi) = window[p];
        if (hi as usize) <= b0 || (lo as usize) >= b0 + B {
            continue;
        }
        if let Some(v) = post[p * nq + b0..].first_chunk::<B>() {
            for i in 0..B {
                sum[i] += v[i];
            }
        }
    }
    sum
}

fn chunk(plan: &Plan, c: usize, layout: &Layout, logtab: &[f64], logw: &[f64], acc: &mut Acc) {
    if layout.nodes >= BLOCK {
        chunk_blocked::<BLOCK>(plan, c, layout, logtab, logw, acc);
    } else {
        chunk_blocked::<1>(plan, c, layout, logtab, logw, acc);
    }
}

/// Runs the E-step over every person, with up to `threads` threads.
pub(crate) fn run(
    plan: &Plan,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    threads: usize,
    accs: &mut Vec<Acc>,
    out: &mut Totals,
) {
    let nq = layout.nodes;
    let n_chunks = plan.chunks.len();
    let threads = threads.clamp(1, n_chunks.max(1));
    let wave = threads * WAVE;
    accs.resize_with(wave.min(n_chunks).max(1), Acc::default);
    out.counts.clear();
    out.counts.resize(layout.total, 0.0);
    out.mass.clear();
    out.mass.resize(nq, 0.0);
    out.loglik = 0.0;
    out.persons = 0;
    let mut first = 0;
    while first < n_chunks {
        let last = (first + wave).min(n_chunks);
        let slots = &mut accs[..last - first];
        if threads == 1 {
            for (i, acc) in slots.iter_mut().enumerate() {
                chunk(plan, first + i, layout, logtab, logw, acc);
            }
        } else {
            parallel(plan, first, layout, logtab, logw, threads, slots);
        }
        // Chunk order, whatever the threads.
        for (i, acc) in slots.iter().enumerate() {
            let index = &plan.chunks[first + i];
            for r in &index.rows {
                let at = *r as usize * nq;
                for (o, v) in out.counts[at..at + nq]
                    .iter_mut()
                    .zip(&acc.counts[at..at + nq])
                {
                    *o += v;
                }
            }
            for (o, v) in out.mass.iter_mut().zip(&acc.mass) {
                *o += v;
            }
            out.loglik += acc.loglik;
            out.persons += acc.persons;
        }
        first = last;
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn parallel(
    plan: &Plan,
    first: usize,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    threads: usize,
    slots: &mut [Acc],
) {
    let per = slots.len().div_ceil(threads);
    std::thread::scope(|s| {
        for (t, part) in slots.chunks_mut(per).enumerate() {
            s.spawn(move || {
                for (i, acc) in part.iter_mut().enumerate() {
                    chunk(plan, first + t * per + i, layout, logtab, logw, acc);
                }
            });
        }
    });
}

/// No threads in the browser: the same chunks, one after the other.
#[cfg(target_arch = "wasm32")]
fn parallel(
    plan: &Plan,
    first: usize,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    _threads: usize,
    slots: &mut [Acc],
) {
    for (i, acc) in slots.iter_mut().enumerate() {
        chunk(plan, first + i, layout, logtab, logw, acc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::data::Answer;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The E-step against a direct person-by-person sum over the whole grid, for
    /// both block widths, several chunks, threads, an inactive item, a person
    /// without answers and items with three categories.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn blocked_windowed_e_step_matches_the_direct_sums() {
        for nq in [61, 7] {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let (persons, items) = (1300, 9);
            let categories: Vec<usize> =
                (0..items).map(|j| if j % 3 == 0 { 3 } else { 2 }).collect();
            let mut offset = vec![INACTIVE; items];
            let mut total = 0;
            for j in 0..items {
                if j != 4 {
                    offset[j] = total;
                    total += categories[j] * nq;
                }
            }
            let layout = Layout {
                offset,
                categories: categories.clone(),
                total,
                nodes: nq,
            };
            let mut logtab = vec![0.0; total];
            for j in (0..items).filter(|j| *j != 4) {
                for q in 0..nq {
                    let w: Vec<f64> = (0..categories[j])
                        .map(|_| rng.random::<f64>() + 1e-3)
                        .collect();
                    let s: f64 = w.iter().sum();
                    for (k, v) in w.iter().enumerate() {
                        logtab[layout.offset[j] + k * nq + q] =
                            (v / s).ln() * (1.0 + q as f64 / 4.0);
                    }
                }
            }
            let logw: Vec<f64> = (0..nq)
                .map(|q| -0.5 * ((q as f64 - nq as f64 / 2.0) / 3.0).powi(2))
                .collect();
            let mut answers = Vec::new();
            for p in 0..persons {
                if p == 700 {
                    continue;
                }
                for j in 0..items {
                    if rng.random::<f64>() < 0.7 {
                        answers.push(Answer {
                            person: p,
                            item: j,
                            score: rng.random_range(0..categories[j]),
                        });
                    }
                }
            }
            let data = Responses::new(persons, items, answers).unwrap();
            let plan = Plan::new(&data, &layout);
            // Direct sums.
            let mut counts = vec![0.0; total];
            let mut mass = vec![0.0; nq];
            let mut loglik = 0.0;
            let mut used = 0;
            let mut lp = vec![0.0; nq];
            for p in 0..persons {
                let (it, sc) = data.row(p);
                let Some((ll, _)) = posterior(it, sc, &layout, &logtab, &logw, &mut lp, false)
                else {
                    continue;
                };
                loglik += ll;
                used += 1;
                for (j, x) in it.iter().zip(sc) {
                    let off = layout.offset[*j as usize];
                    if off != INACTIVE {
                        for q in 0..nq {
                            counts[off + *x as usize * nq + q] += lp[q];
                        }
                    }
                }
                for q in 0..nq {
                    mass[q] += lp[q];
                }
            }
            let mut runs = Vec::new();
            for threads in [1, 2, 3] {
                let mut accs = Vec::new();
                let mut out = Totals::default();
                run(&plan, &layout, &logtab, &logw, threads, &mut accs, &mut out);
                assert_eq!(out.persons, used);
                assert!((out.loglik - loglik).abs() < 1e-9 * loglik.abs());
                for (a, b) in out
                    .counts
                    .iter()
                    .zip(&counts)
                    .chain(out.mass.iter().zip(&mass))
                {
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                        "{a} vs {b} (nq {nq})"
                    );
                }
                runs.push(out);
            }
            for r in &runs[1..] {
                assert_eq!(r.counts, runs[0].counts);
                assert_eq!(r.mass, runs[0].mass);
                assert_eq!(r.loglik.to_bits(), runs[0].loglik.to_bits());
            }
        }
    }
}
