//! Helpers shared by the screens of both bundles: page title, focus, the hints and
//! errors tied to form fields.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Sets the page title (WCAG 2.4.2).
pub fn set_title(title: &str) {
    document().set_title(&format!("{title} — Repère"));
}

/// Moves focus to the heading of the screen once it is drawn.
pub fn focus_heading_soon() {
    request_animation_frame(crate::frame::focus_heading);
}

/// Moves focus to the element `id` once it is drawn.
pub fn focus_soon(id: &'static str) {
    focus_id_soon(id.to_string());
}

/// Moves focus to the element `id` once it is drawn.
pub fn focus_id_soon(id: String) {
    request_animation_frame(move || {
        if let Some(e) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = e.focus();
        }
    });
}

/// A hint or error paragraph tied to a field: its id, for `aria-describedby`.
pub fn described_by(ids: &[(&str, bool)]) -> Option<String> {
    let list: Vec<&str> = ids
        .iter()
        .filter(|(_, shown)| *shown)
        .map(|(id, _)| *id)
        .collect();
    (!list.is_empty()).then(|| list.join(" "))
}

/// The mark before an error message (the text says it too: colour is never the
/// only sign).
pub fn error_mark() -> impl IntoView {
    view! {
        <span class="error-mark" aria-hidden="true">
            "!"
        </span>
    }
}
