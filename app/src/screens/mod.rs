//! The screens of the self-test, one module each. A screen reads and changes the
//! shared [`crate::state::AppState`]; it never scores or picks questions itself.

mod not_found;
mod placeholder;
mod preview;
mod staff;
mod welcome;

pub use not_found::NotFound;
pub use placeholder::{ContextScreen, PrintScreen, QuestionScreen, ResultScreen};
pub use preview::Preview;
pub use staff::{AgentArea, LoginArea, MediatorArea};
pub use welcome::Welcome;
