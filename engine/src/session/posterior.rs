//! The EAP posterior of a session, on the session grid, updated by adding a tabulated
//! row of log-likelihoods per answer.
//!
//! Why not [`EapPosterior`](crate::estimate::EapPosterior) itself: its update computes
//! logarithms (and exponentials) along the grid at every answer, which is most of a
//! step's cost, and more in wasm32 where `exp` and `ln` are software. The rows here
//! come from a [`LogLikTable`](crate::select::LogLikTable) built once with the same
//! kernel on the same nodes ([`LogLikTable::on_grid`](crate::select::LogLikTable::on_grid)),
//! and are added in the same order, so the log posterior is the same bit for bit; the
//! estimate below is the same computation as `EapPosterior::estimate` (moments around
//! the modal node). `tests/session_replay.rs` checks that the session's EAP equals the
//! batch [`Eap`](crate::estimate::Eap) exactly. (Engine API wish: an `EapPosterior`
//! method adding a precomputed row would remove this copy.)

use crate::estimate::Estimate;
use crate::irt::Item;

/// Nodes below e⁻⁶⁰ of the mode are skipped, as in `EapPosterior::estimate` (its
/// private constant of the same value).
const NEGLIGIBLE_LOG_WEIGHT: f64 = -60.0;

/// Unnormalised log posterior at each node (trapezoid weight and prior included).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct GridPosterior {
    log_post: Vec<f64>,
}

impl GridPosterior {
    /// Back to the prior, reusing the buffer.
    pub(crate) fn reset(&mut self, prior: &[f64]) {
        self.log_post.clear();
        self.log_post.extend_from_slice(prior);
    }

    /// Adds one answer: the tabulated row when it fits, else computed node by node.
    pub(crate) fn add(&mut self, row: &[f64], nodes: &[f64], item: &Item, score: usize) {
        if row.len() == self.log_post.len() {
            for (lp, r) in self.log_post.iter_mut().zip(row) {
                *lp += r;
            }
        } else {
            for (lp, &t) in self.log_post.iter_mut().zip(nodes) {
                *lp += item.log_likelihood(t, score).unwrap_or(f64::NEG_INFINITY);
            }
        }
    }

    pub(crate) fn log_posterior(&self) -> &[f64] {
        &self.log_post
    }

    /// Posterior mean and SD, moments taken around the modal node.
    pub(crate) fn estimate(&self, nodes: &[f64]) -> Estimate {
        let mut mode = 0;
        let mut max = f64::NEG_INFINITY;
        for (i, &lp) in self.log_post.iter().enumerate() {
            if lp > max {
                max = lp;
                mode = i;
            }
        }
        let centre = nodes.get(mode).copied().unwrap_or(0.0);
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for (&lp, &t) in self.log_post.iter().zip(nodes) {
            let rel = lp - max;
            if rel > NEGLIGIBLE_LOG_WEIGHT {
                let w = rel.exp();
                let d = t - centre;
                s0 += w;
                s1 += w * d;
                s2 += w * d * d;
            }
        }
        let m1 = s1 / s0;
        let var = (s2 / s0 - m1 * m1).max(0.0);
        Estimate {
            theta: centre + m1,
            se: var.sqrt(),
        }
    }
}
