//! E-step: each person's posterior over the quadrature nodes, from their own
//! answers only, accumulated into expected counts per item, category and node.
//!
//! Work per person is `O(answers × nodes)`; the log-probability table of every
//! item at every node is computed once per iteration, so the inner loop is a run
//! of additions over contiguous rows. Persons are processed in fixed-size chunks
//! whose sums are added in chunk order: the result is bitwise the same whatever
//! the number of threads.

use super::data::Responses;

/// Persons per chunk (the unit of parallel work and of summation order).
pub(crate) const CHUNK: usize = 512;

/// Marks an item that takes no part in the fit.
pub(crate) const INACTIVE: usize = usize::MAX;

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

/// One chunk's sums.
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub(crate) counts: Vec<f64>,
    pub(crate) mass: Vec<f64>,
    pub(crate) loglik: f64,
    pub(crate) persons: usize,
    lp: Vec<f64>,
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

/// The posterior of one person over the nodes; returns `ln Σ_q w_q Π P`, or
/// `None` if the person answered no active item. `lp` receives the normalised
/// posterior.
#[inline]
pub(crate) fn posterior(
    items: &[u32],
    scores: &[u8],
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    lp: &mut [f64],
) -> Option<f64> {
    let nq = layout.nodes;
    lp.copy_from_slice(logw);
    let mut any = false;
    for (j, x) in items.iter().zip(scores) {
        let off = layout.offset[*j as usize];
        if off == INACTIVE {
            continue;
        }
        any = true;
        let row = &logtab[off + *x as usize * nq..off + (*x as usize + 1) * nq];
        for (l, v) in lp.iter_mut().zip(row) {
            *l += v;
        }
    }
    if !any {
        return None;
    }
    let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for l in lp.iter_mut() {
        *l = (*l - m).exp();
        s += *l;
    }
    let inv = 1.0 / s;
    for l in lp.iter_mut() {
        *l *= inv;
    }
    Some(m + s.ln())
}

fn chunk(
    data: &Responses,
    persons: std::ops::Range<usize>,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    acc: &mut Acc,
) {
    let nq = layout.nodes;
    acc.counts.clear();
    acc.counts.resize(layout.total, 0.0);
    acc.mass.clear();
    acc.mass.resize(nq, 0.0);
    acc.lp.resize(nq, 0.0);
    acc.loglik = 0.0;
    acc.persons = 0;
    let Acc {
        counts,
        mass,
        loglik,
        persons: used,
        lp,
    } = acc;
    for p in persons {
        let (items, scores) = data.row(p);
        let Some(ll) = posterior(items, scores, layout, logtab, logw, lp) else {
            continue;
        };
        *loglik += ll;
        *used += 1;
        for (j, x) in items.iter().zip(scores) {
            let off = layout.offset[*j as usize];
            if off == INACTIVE {
                continue;
            }
            let row = &mut counts[off + *x as usize * nq..off + (*x as usize + 1) * nq];
            for (c, w) in row.iter_mut().zip(lp.iter()) {
                *c += w;
            }
        }
        for (m, w) in mass.iter_mut().zip(lp.iter()) {
            *m += w;
        }
    }
}

/// Runs the E-step over every person, with up to `threads` threads.
pub(crate) fn run(
    data: &Responses,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    threads: usize,
    accs: &mut Vec<Acc>,
    out: &mut Totals,
) {
    let n = data.persons();
    let n_chunks = n.div_ceil(CHUNK).max(1);
    accs.resize_with(n_chunks, Acc::default);
    let range = |c: usize| (c * CHUNK).min(n)..((c + 1) * CHUNK).min(n);
    let threads = threads.clamp(1, n_chunks);
    if threads == 1 {
        for (c, acc) in accs.iter_mut().enumerate() {
            chunk(data, range(c), layout, logtab, logw, acc);
        }
    } else {
        parallel(data, layout, logtab, logw, threads, accs, &range);
    }
    out.counts.clear();
    out.counts.resize(layout.total, 0.0);
    out.mass.clear();
    out.mass.resize(layout.nodes, 0.0);
    out.loglik = 0.0;
    out.persons = 0;
    for acc in accs.iter() {
        for (o, v) in out.counts.iter_mut().zip(&acc.counts) {
            *o += v;
        }
        for (o, v) in out.mass.iter_mut().zip(&acc.mass) {
            *o += v;
        }
        out.loglik += acc.loglik;
        out.persons += acc.persons;
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn parallel(
    data: &Responses,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    threads: usize,
    accs: &mut [Acc],
    range: &(dyn Fn(usize) -> std::ops::Range<usize> + Sync),
) {
    let per = accs.len().div_ceil(threads);
    std::thread::scope(|s| {
        for (t, part) in accs.chunks_mut(per).enumerate() {
            s.spawn(move || {
                for (i, acc) in part.iter_mut().enumerate() {
                    chunk(data, range(t * per + i), layout, logtab, logw, acc);
                }
            });
        }
    });
}

/// No threads in the browser: the same chunks, one after the other.
#[cfg(target_arch = "wasm32")]
fn parallel(
    data: &Responses,
    layout: &Layout,
    logtab: &[f64],
    logw: &[f64],
    _threads: usize,
    accs: &mut [Acc],
    range: &(dyn Fn(usize) -> std::ops::Range<usize> + Sync),
) {
    for (c, acc) in accs.iter_mut().enumerate() {
        chunk(data, range(c), layout, logtab, logw, acc);
    }
}
