//! The EAP posterior of a session, on the session grid, updated by adding a tabulated
//! row of log-likelihoods per answer.
//!
//! Why not [`EapPosterior`](crate::estimate::EapPosterior) itself: its update computes
//! logarithms (and exponentials) along the grid at every answer, which is most of a
//! step's cost, and more in wasm32 where `exp` and `ln` are software. The rows here
//! come from a [`LogLikTable`](crate::select::LogLikTable) built once with the same
//! kernel on the same nodes ([`LogLikTable::on_grid`](crate::select::LogLikTable::on_grid)),
//! and are added in the same order, so the log posterior is the same bit for bit, and
//! the estimate is `EapPosterior`'s own (`estimate::posterior_moments`).
//! `tests/session_replay.rs` checks that the session's EAP equals the batch
//! [`Eap`](crate::estimate::Eap) exactly.

use crate::estimate::{posterior_moments, Estimate};
use crate::irt::Item;

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
        posterior_moments(&self.log_post, nodes)
    }
}
