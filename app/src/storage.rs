//! Small helpers over the browser's `sessionStorage` and `localStorage`.
//!
//! Every failure (storage disabled, quota, private mode, bad JSON left by another
//! version) is treated as "nothing stored": the app keeps working from memory.

use std::cell::Cell;

use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::Storage;

/// Set in `sessionStorage` beside whatever a kiosk page stores: the tab holds a
/// kiosk visit's data (see `kiosk::begin_page`).
const KIOSK_VISIT_KEY: &str = "repere.kiosk-visit";

thread_local! {
    static MARK_KIOSK_VISITS: Cell<bool> = const { Cell::new(false) };
}

/// From now on, every write of this page marks the tab as holding a kiosk
/// visit's data (`kiosk`) or not.
pub fn mark_kiosk_visits(kiosk: bool) {
    MARK_KIOSK_VISITS.with(|m| m.set(kiosk));
}

/// Whether a kiosk visit left data in this tab.
pub fn kiosk_visit_left() -> bool {
    session()
        .and_then(|s| s.get_item(KIOSK_VISIT_KEY).ok().flatten())
        .is_some()
}

/// Storage for the current person only: settings, the session in progress.
/// Wiped by the kiosk reset (and by the browser when the tab closes).
pub fn session() -> Option<Storage> {
    leptos::prelude::window().session_storage().ok().flatten()
}

/// Storage that survives the tab: only the queue of results waiting to be sent.
/// Wiped by the kiosk reset.
pub fn local() -> Option<Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// Reads a JSON value; `None` when absent, unreadable or of another shape.
pub fn get_json<T: DeserializeOwned>(store: Option<Storage>, key: &str) -> Option<T> {
    let text = store?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

/// Writes a JSON value; silently does nothing if the storage refuses.
pub fn set_json<T: Serialize>(store: Option<Storage>, key: &str, value: &T) {
    if let (Some(store), Ok(text)) = (store, serde_json::to_string(value)) {
        if MARK_KIOSK_VISITS.with(Cell::get) {
            if let Some(tab) = session() {
                let _ = tab.set_item(KIOSK_VISIT_KEY, "1");
            }
        }
        let _ = store.set_item(key, &text);
    }
}

/// Removes a key, if the storage is there.
pub fn remove(store: Option<Storage>, key: &str) {
    if let Some(store) = store {
        let _ = store.remove_item(key);
    }
}
