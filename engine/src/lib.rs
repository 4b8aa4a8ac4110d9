//! The measurement core of Repère.
//!
//! This crate owns the psychometrics: item response models ([`irt`]), ability
//! estimators, the adaptive session and the autonomy profile. It does no I/O,
//! knows nothing of files, HTTP, storage or the browser, and gives the same numbers
//! natively and compiled to `wasm32-unknown-unknown` (plain `f64` arithmetic, no
//! platform-dependent random generators).
//!
//! Scaling constant: every logistic model uses D = 1 (the logistic metric), as catR
//! does with `D = 1`. Multiply `a` by 1.702 to move parameters from the normal-ogive
//! metric.

pub mod bank;
pub mod calibrate;
pub mod classify;
pub mod estimate;
pub mod irt;
pub mod profile;
pub mod select;
pub mod session;
pub mod simulate;
pub mod start;
pub mod stop;

/// Version of the engine, recorded with every stored session so that a result can
/// be recomputed by the same rules.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
