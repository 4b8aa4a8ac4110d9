//! The screens, one module each. A screen reads and changes the shared
//! [`crate::state::AppState`]; it never scores or picks questions itself.
//!
//! `staff` holds the staff screens: only `crate::staff_areas` names them, so they
//! reach the staff bundle only. What both bundles use sits in `common`.

mod common;
mod context;
mod hand_back;
mod not_found;
mod pairing;
mod preview;
mod print;
mod question;
mod result;
pub(crate) mod staff;
mod welcome;

pub use context::ContextScreen;
pub use hand_back::AgentExit;
pub use not_found::{BankLoading, BankUnavailable, NotFound, Unavailable};
pub use pairing::PairingArea;
pub use preview::Preview;
pub use print::PrintScreen;
pub use question::QuestionScreen;
pub use result::ResultScreen;
pub use welcome::Welcome;
