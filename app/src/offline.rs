//! Working without the network: the service worker, and the queue of results
//! waiting to be sent.
//!
//! - `sw.js` (copied into `dist/` by Trunk) caches the app shell so that a test
//!   started online finishes offline, and a reload offline still shows the app.
//!   Once it is active, the page tells it every same-origin file it has loaded
//!   (the wasm, the js, the fonts, the pictures) so they are cached even though
//!   they were fetched before the worker existed.
//! - A finished result is put in a queue in `localStorage` and sent to
//!   `POST /api/results` as JSON: a 2xx answer means sent; a 4xx means rejected
//!   (kept aside with its status, never retried), except 404, 405, 408 and 429
//!   which say nothing against the result; those, a network error or a 5xx mean
//!   "try again later" (at start, when the browser comes back online, and every
//!   30 seconds while something waits).

use std::cell::Cell;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::storage;

/// Where results are sent.
pub const RESULTS_ENDPOINT: &str = "/api/results";
const OUTBOX_KEY: &str = "repere.outbox";
const REJECTED_KEY: &str = "repere.outbox.rejected";

/// A result waiting to be sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Identifier of the result (its short code), so the server can recognise a
    /// result sent twice.
    pub id: String,
    /// The JSON body of `POST /api/results`.
    pub body: serde_json::Value,
}

/// A result the server refused (4xx): kept as a note, never sent again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// Identifier of the result.
    pub id: String,
    /// The HTTP status the server answered.
    pub status: u16,
}

/// What to do with a result after one attempt to send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the server has it; drop it from the queue.
    Sent,
    /// 4xx: the server will never take it; note it and drop it from the queue.
    Rejected(u16),
    /// No answer (network error) or 5xx: keep it and try again later.
    Retry,
}

impl Outcome {
    /// The outcome of an attempt that got `status` (`None`: no answer at all).
    pub fn of(status: Option<u16>) -> Outcome {
        match status {
            Some(s) if (200..300).contains(&s) => Outcome::Sent,
            // The endpoint is missing (404, 405: a deployment problem, not a bad
            // result), the request timed out (408) or the server is busy (429).
            Some(404 | 405 | 408 | 429) => Outcome::Retry,
            Some(s) if (400..500).contains(&s) => Outcome::Rejected(s),
            _ => Outcome::Retry,
        }
    }
}

/// Puts a result in the queue and tries to send it at once.
pub fn enqueue(id: String, body: serde_json::Value) {
    let mut queue = pending();
    if !queue.iter().any(|p| p.id == id) {
        queue.push(Pending { id, body });
        storage::set_json(storage::local(), OUTBOX_KEY, &queue);
    }
    spawn_local(flush());
}

/// The results waiting to be sent.
pub fn pending() -> Vec<Pending> {
    storage::get_json(storage::local(), OUTBOX_KEY).unwrap_or_default()
}

thread_local! {
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
}

/// Tries to send every waiting result once.
pub async fn flush() {
    if FLUSHING.with(|f| f.replace(true)) {
        return;
    }
    for item in pending() {
        let (status, code) = match post_json(RESULTS_ENDPOINT, &item.body).await {
            Some((s, c)) => (Some(s), c),
            None => (None, None),
        };
        if let Some(code) = code {
            storage::set_json(storage::session(), &code_key(&item.id), &code);
        }
        let outcome = Outcome::of(status);
        if outcome == Outcome::Retry {
            continue;
        }
        // Re-read: the queue may have grown while we waited.
        let mut queue = pending();
        queue.retain(|p| p.id != item.id);
        storage::set_json(storage::local(), OUTBOX_KEY, &queue);
        if let Outcome::Rejected(status) = outcome {
            let mut rejected: Vec<Rejected> =
                storage::get_json(storage::local(), REJECTED_KEY).unwrap_or_default();
            rejected.push(Rejected {
                id: item.id,
                status,
            });
            storage::set_json(storage::local(), REJECTED_KEY, &rejected);
        }
    }
    if pending().is_empty() {
        storage::remove(storage::local(), OUTBOX_KEY);
    }
    FLUSHING.with(|f| f.set(false));
}

/// Where the result code the server gave for result `id` is kept (this tab only).
fn code_key(id: &str) -> String {
    format!("repere.code.{id}")
}

/// The result code the server gave for result `id`, once it was sent.
pub fn result_code(id: &str) -> Option<String> {
    storage::get_json(storage::session(), &code_key(id))
}

/// POSTs `body` as JSON; the HTTP status and the `code` of a JSON answer, or
/// `None` when nothing answered.
async fn post_json(url: &str, body: &serde_json::Value) -> Option<(u16, Option<String>)> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body.to_string()));
    let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    request
        .headers()
        .set("Content-Type", "application/json")
        .ok()?;
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    let status = response.status();
    let mut code = None;
    if response.ok() {
        if let Ok(json) = response.json() {
            if let Ok(value) = JsFuture::from(json).await {
                code = js_sys::Reflect::get(&value, &JsValue::from_str("code"))
                    .ok()
                    .and_then(|c| c.as_string());
            }
        }
    }
    Some((status, code))
}

/// Starts the sender: now, when the browser comes back online, and every 30 s
/// while something waits.
pub fn start_sender() {
    spawn_local(flush());
    let on_online = Closure::<dyn Fn()>::new(|| spawn_local(flush()));
    let _ = window().add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    on_online.forget();
    set_interval(
        || {
            if !pending().is_empty() {
                spawn_local(flush());
            }
        },
        Duration::from_secs(30),
    );
}

/// Registers `sw.js`, then hands it the list of files already loaded.
pub fn register_service_worker() {
    let navigator = window().navigator();
    if !js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    let registered = container.register("/sw.js");
    spawn_local(async move {
        if JsFuture::from(registered).await.is_err() {
            return;
        }
        let Ok(ready) = container.ready() else {
            return;
        };
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        let Some(worker) = registration.active() else {
            return;
        };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"cache-urls".into());
        let _ = js_sys::Reflect::set(&message, &"urls".into(), &loaded_files());
        let _ = worker.post_message(&message);
    });
}

/// The same-origin files this page has loaded (outside `/api/`).
fn loaded_files() -> js_sys::Array {
    let urls = js_sys::Array::new();
    let Some(performance) = window().performance() else {
        return urls;
    };
    let origin = location().origin().unwrap_or_default();
    for entry in performance.get_entries_by_type("resource").iter() {
        let Ok(entry) = entry.dyn_into::<web_sys::PerformanceEntry>() else {
            continue;
        };
        let name = entry.name();
        if let Some(path) = name.strip_prefix(&origin) {
            if path.starts_with('/') && !path.starts_with("/api/") && path != "/sw.js" {
                urls.push(&JsValue::from_str(path));
            }
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_status() {
        assert_eq!(Outcome::of(Some(200)), Outcome::Sent);
        assert_eq!(Outcome::of(Some(201)), Outcome::Sent);
        assert_eq!(Outcome::of(Some(204)), Outcome::Sent);
        assert_eq!(Outcome::of(Some(400)), Outcome::Rejected(400));
        assert_eq!(Outcome::of(Some(409)), Outcome::Rejected(409));
        assert_eq!(Outcome::of(Some(422)), Outcome::Rejected(422));
        assert_eq!(Outcome::of(Some(404)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(405)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(429)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(500)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(503)), Outcome::Retry);
        assert_eq!(Outcome::of(None), Outcome::Retry);
        // A redirect or an informational status is not a success either.
        assert_eq!(Outcome::of(Some(302)), Outcome::Retry);
    }
}
