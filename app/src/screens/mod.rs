//! The screens of the self-test, one module each. A screen reads and changes the
//! shared [`crate::state::AppState`]; it never scores or picks questions itself.

mod context;
mod hand_back;
mod not_found;
mod pairing;
mod preview;
mod print;
mod question;
mod result;
mod staff;
mod welcome;

pub use context::ContextScreen;
pub use hand_back::AgentExit;
pub use not_found::NotFound;
pub use pairing::PairingArea;
pub use preview::Preview;
pub use print::PrintScreen;
pub use question::QuestionScreen;
pub use result::ResultScreen;
pub use staff::{AdminArea, AgentArea, LoginArea, MediatorArea};
pub use welcome::Welcome;
