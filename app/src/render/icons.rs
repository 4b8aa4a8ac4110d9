//! Small line icons drawn inline (no files, no fonts), always beside a text label
//! and hidden from screen readers.

use leptos::prelude::*;
use repere_items::{FileKind, Icon};

fn svg(paths: &'static str) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            aria-hidden="true"
            focusable="false"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            inner_html=paths
        ></svg>
    }
}

/// The icon of a phone setting.
pub fn setting(icon: Icon) -> impl IntoView {
    svg(match icon {
        Icon::Wifi => {
            r#"<path d="M2 8.5a15 15 0 0 1 20 0"/><path d="M5 12a10 10 0 0 1 14 0"/><path d="M8.5 15.5a5 5 0 0 1 7 0"/><circle cx="12" cy="19" r="1.2" fill="currentColor"/>"#
        }
        Icon::Bluetooth => r#"<path d="M7 7l10 10-5 4V3l5 4L7 17"/>"#,
        Icon::Airplane => {
            r#"<path d="M21 15l-8-4V5a1 1 0 0 0-2 0v6l-8 4v2l8-2v4l-2 1.5V22l3-1 3 1v-1.5L13 19v-4l8 2z"/>"#
        }
        Icon::Data => r#"<path d="M8 20V5M4 9l4-4 4 4"/><path d="M16 4v15M12 15l4 4 4-4"/>"#,
        Icon::Location => {
            r#"<path d="M12 22s7-6.5 7-12a7 7 0 0 0-14 0c0 5.5 7 12 7 12z"/><circle cx="12" cy="10" r="2.5"/>"#
        }
        Icon::Sound => r#"<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16.5 8.5a5 5 0 0 1 0 7"/>"#,
        Icon::Brightness => {
            r#"<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>"#
        }
    })
}

/// The icon of a file on the simulated device.
pub fn file(kind: FileKind) -> impl IntoView {
    svg(match kind {
        FileKind::Pdf | FileKind::Document => {
            r#"<path d="M6 2h8l5 5v15H6z"/><path d="M14 2v5h5"/><path d="M9 13h7M9 17h7"/>"#
        }
        FileKind::Image => {
            r#"<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M21 17l-5-5-9 8"/>"#
        }
    })
}

/// A padlock (a secured Wi-Fi network, a password field).
pub fn padlock() -> impl IntoView {
    svg(r#"<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>"#)
}

/// A paper clip (attach a file).
pub fn paper_clip() -> impl IntoView {
    svg(
        r#"<path d="M20 11.5l-8.5 8.5a5 5 0 0 1-7-7L13 4.5a3.5 3.5 0 0 1 5 5L9.5 18a2 2 0 0 1-3-3L14 7.5"/>"#,
    )
}

/// A paper plane (send).
pub fn paper_plane() -> impl IntoView {
    svg(r#"<path d="M22 2L11 13"/><path d="M22 2l-7 20-4-9-9-4z"/>"#)
}

/// An arrow pointing left (back).
pub fn back() -> impl IntoView {
    svg(r#"<path d="M19 12H5M11 6l-6 6 6 6"/>"#)
}

/// A curved arrow (reply).
pub fn reply() -> impl IntoView {
    svg(r#"<path d="M10 8L4 13l6 5"/><path d="M4 13h10a6 6 0 0 1 6 6"/>"#)
}

/// A straight arrow (forward).
pub fn forward() -> impl IntoView {
    svg(r#"<path d="M14 8l6 5-6 5"/><path d="M20 13H10a6 6 0 0 0-6 6"/>"#)
}

/// A bin (delete).
pub fn bin() -> impl IntoView {
    svg(r#"<path d="M4 7h16M9 7V4h6v3M6 7l1 14h10l1-14"/>"#)
}

/// A pencil (write).
pub fn pencil() -> impl IntoView {
    svg(r#"<path d="M4 20l1-5L16 4l4 4L9 19z"/><path d="M14 6l4 4"/>"#)
}

/// A magnifying glass (search).
pub fn magnifier() -> impl IntoView {
    svg(r#"<circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5L21 21"/>"#)
}

/// An eye (show a password).
pub fn eye() -> impl IntoView {
    svg(
        r#"<path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>"#,
    )
}

/// A check mark (a switch that is on, a network connected).
pub fn check() -> impl IntoView {
    svg(r#"<path d="M5 12.5l4.5 4.5L19 7.5"/>"#)
}

/// A person's outline (a sender known only by a number).
pub fn person() -> impl IntoView {
    svg(r#"<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>"#)
}

/// The bars of the mobile network (status bar).
pub fn signal() -> impl IntoView {
    svg(r#"<path d="M4 20v-3M9 20v-7M14 20v-11M19 20V4"/>"#)
}

/// A battery (status bar).
pub fn battery() -> impl IntoView {
    svg(
        r#"<rect x="2" y="7" width="18" height="10" rx="2"/><path d="M22 11v2"/><rect x="4.5" y="9.5" width="10" height="5" fill="currentColor" stroke="none"/>"#,
    )
}
