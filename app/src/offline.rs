//! Working without the network: the service worker, and the queue of results
//! waiting to be sent (the outbox).
//!
//! - `sw.js` (copied into `dist/` by Trunk, stamped by `cargo xtask build`)
//!   caches the app shell so that a test started online finishes offline, and a
//!   reload offline still shows the app. At install it keeps the page that
//!   registered it (the staff page at an agent's first visit, even if the agent
//!   starts a test before the worker is active), then precaches every picture
//!   of the bank (and, on a kiosk, the recorded voice) from `/precache.txt`, so
//!   a test started offline shows them all. Once it is active, the page tells it
//!   every same-origin file it has loaded, so the app's own files (wasm, js,
//!   css, fonts) are cached even though they were fetched before the worker
//!   existed (the worker keeps only those: pictures come from its precache, so
//!   its caches never tell what a person was shown), and, when the worker did
//!   not control this page's load, the page's path, so it keeps that page too.
//! - A finished result is put in the outbox with where it goes ([`Destination`]):
//!   `POST /api/results` (self-test, kiosk: a paired kiosk's cookie goes with it),
//!   or `POST /api/screenings/<id>/result` (agent mode, with the agent's session
//!   and CSRF token). A 2xx answer means sent; a 4xx means rejected (kept aside
//!   with its status, never retried), except 404, 405, 408, 421 and 429 which
//!   say nothing against the result, and, for a screening, 401 and 403 (the agent's
//!   session ended: the result waits for the next login); those, no answer within
//!   [`SEND_TIMEOUT_MS`] or a 5xx mean "try again later" (at start, when the
//!   browser comes back online, and every 30 seconds while something waits). A
//!   result sent twice is stored once: the server recognises its id.
//! - A screening the server no longer has (purged after a day) still takes its
//!   result. A 404 from a screening's endpoint then means it is not the logged-in
//!   agent's structure's (or a deployment problem): after [`MAX_NOT_FOUND`] such
//!   answers the result stops being sent, and is kept aside with its log (it is
//!   the person's result), so the outbox does not retry it forever; the agent's
//!   screen says so.
//! - Where the outbox lives: `localStorage` on a personal device or the agent's
//!   tablet (a result survives a closed tab or a restart), `sessionStorage` on a
//!   kiosk (a kiosk visit is one tab; nothing of a person may outlive it, not even
//!   after a power cut). The kiosk reset gives a waiting result one last short
//!   attempt, then wipes it with the rest: the result screen has told the person
//!   it was not sent and offered the print view ([`Delivery`]).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::{api, storage};

/// Where results are sent.
pub const RESULTS_ENDPOINT: &str = "/api/results";
/// How long one attempt may take before it counts as "no answer" (the request may
/// still arrive: the server then stores the result once, by its id).
pub const SEND_TIMEOUT_MS: i32 = 15_000;
/// 404 answers from a screening's endpoint after which its result stops being
/// sent (kept aside with its log).
pub const MAX_NOT_FOUND: u32 = 3;
const OUTBOX_KEY: &str = "repere.outbox";
const REJECTED_KEY: &str = "repere.outbox.rejected";

/// Where a result goes. Stored as `{"kind":"results"}` or
/// `{"kind":"screening","id":"…"}`, read back through [`DestinationRepr`] (serde's
/// decoder of an internally tagged enum costs 1.4 KB gzip of wasm).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "DestinationRepr")]
pub enum Destination {
    /// `POST /api/results`: a self-test or a kiosk.
    #[default]
    Results,
    /// `POST /api/screenings/<id>/result`: the screening an agent started.
    Screening {
        /// The screening's id.
        id: String,
    },
}

/// A stored [`Destination`], as read.
#[derive(Deserialize)]
struct DestinationRepr {
    kind: String,
    #[serde(default)]
    id: Option<String>,
}

impl TryFrom<DestinationRepr> for Destination {
    type Error = String;

    fn try_from(stored: DestinationRepr) -> Result<Self, String> {
        match (stored.kind.as_str(), stored.id) {
            ("results", _) => Ok(Destination::Results),
            ("screening", Some(id)) => Ok(Destination::Screening { id }),
            ("screening", None) => Err("a screening destination without its id".into()),
            (kind, _) => Err(format!("unknown destination `{kind}`")),
        }
    }
}

/// A result waiting to be sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Identifier of the result (the test's UUID), so the server can recognise a
    /// result sent twice.
    pub id: String,
    /// The JSON body: the answer log, as the text it was written as. It is stored
    /// and sent as that text, so its numbers (a hotspot point) reach the server
    /// bit for bit (entries of older versions held it as an object: read back as
    /// its text).
    #[serde(deserialize_with = "body_text")]
    pub body: String,
    /// Where it goes (absent in entries queued by older versions: `/api/results`).
    #[serde(default)]
    pub to: Destination,
    /// 404 answers so far (a screening's endpoint only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_found: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A result the server refused (4xx): kept as a note, never sent again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// Identifier of the result.
    pub id: String,
    /// The HTTP status the server answered.
    pub status: u16,
    /// Where it was going.
    #[serde(default)]
    pub to: Destination,
    /// The log itself, kept when the server said it did not know the screening
    /// (404): it is the person's result.
    #[serde(
        default,
        deserialize_with = "optional_body_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub body: Option<String>,
}

/// A body stored as JSON text, or as an object by older versions.
fn body_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(text) => text,
        object => object.to_string(),
    })
}

fn optional_body_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    body_text(d).map(Some)
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
            // The endpoint is missing (404, 405), the server does not answer to
            // this name yet (421): a deployment problem, not a bad result; the
            // request timed out (408) or too many were sent (429).
            Some(404 | 405 | 408 | 421 | 429) => Outcome::Retry,
            Some(s) if (400..500).contains(&s) => Outcome::Rejected(s),
            _ => Outcome::Retry,
        }
    }

    /// The outcome of an attempt to send to `to` that got `status`, after
    /// `not_found` earlier 404 answers. A screening's result needs the agent's
    /// session: 401 (logged out, session expired) and 403 (stale CSRF token) say
    /// nothing against the result, it waits for a login. A screening's endpoint
    /// takes the result of a screening it no longer has: its 404 is tried
    /// [`MAX_NOT_FOUND`] times in all, then the result is set aside.
    pub fn of_attempt(to: &Destination, status: Option<u16>, not_found: u32) -> Outcome {
        match (to, status) {
            (Destination::Screening { .. }, Some(401 | 403)) => Outcome::Retry,
            (Destination::Screening { .. }, Some(404)) if not_found + 1 >= MAX_NOT_FOUND => {
                Outcome::Rejected(404)
            }
            _ => Outcome::of(status),
        }
    }
}

/// Where a result stands, as the result screens tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Not tried yet, or the first attempt is under way.
    Sending,
    /// The server has it (with the code it gave, when this tab saw the answer).
    Sent(Option<String>),
    /// Tried without success: it waits in the outbox for the network.
    Waiting,
    /// The server refused it (4xx): it will not be sent.
    Refused,
}

thread_local! {
    static KIOSK: Cell<bool> = const { Cell::new(false) };
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// Results this page has tried to send at least once.
    static TRIED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// The storage of the outbox: the tab's on a kiosk, the device's elsewhere.
fn outbox_store() -> Option<web_sys::Storage> {
    if KIOSK.with(Cell::get) {
        storage::session()
    } else {
        storage::local()
    }
}

/// Puts a result in the queue and tries to send it at once.
pub fn enqueue(id: String, body: String, to: Destination) {
    let mut queue = pending();
    if !queue.iter().any(|p| p.id == id) {
        queue.push(Pending {
            id,
            body,
            to,
            not_found: 0,
        });
        storage::set_json(outbox_store(), OUTBOX_KEY, &queue);
    }
    spawn_local(flush());
}

/// The results waiting to be sent.
pub fn pending() -> Vec<Pending> {
    storage::get_json(outbox_store(), OUTBOX_KEY).unwrap_or_default()
}

fn rejected() -> Vec<Rejected> {
    storage::get_json(outbox_store(), REJECTED_KEY).unwrap_or_default()
}

/// Tries to send every waiting result once. A call while a flush runs makes that
/// flush go round once more (so a result queued meanwhile is not left for 30 s).
pub async fn flush() {
    if FLUSHING.with(|f| f.replace(true)) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    loop {
        AGAIN.with(|a| a.set(false));
        for item in pending() {
            let (status, code) = within(send(item.clone()), SEND_TIMEOUT_MS)
                .await
                .unwrap_or((None, None));
            TRIED.with(|t| t.borrow_mut().insert(item.id.clone()));
            if let Some(code) = code {
                storage::set_json(storage::session(), &code_key(&item.id), &code);
                if let Destination::Screening { id } = &item.to {
                    storage::set_json(storage::session(), &screening_code_key(id), &code);
                }
            }
            let outcome = Outcome::of_attempt(&item.to, status, item.not_found);
            // Re-read: the queue may have grown while we waited.
            let mut queue = pending();
            if outcome == Outcome::Retry {
                if status == Some(404) && matches!(item.to, Destination::Screening { .. }) {
                    if let Some(p) = queue.iter_mut().find(|p| p.id == item.id) {
                        p.not_found += 1;
                        storage::set_json(outbox_store(), OUTBOX_KEY, &queue);
                    }
                }
                continue;
            }
            queue.retain(|p| p.id != item.id);
            storage::set_json(outbox_store(), OUTBOX_KEY, &queue);
            if let Outcome::Rejected(status) = outcome {
                let mut list = rejected();
                list.push(Rejected {
                    id: item.id,
                    status,
                    body: (status == 404).then_some(item.body),
                    to: item.to,
                });
                storage::set_json(outbox_store(), REJECTED_KEY, &list);
            }
        }
        if pending().is_empty() {
            storage::remove(outbox_store(), OUTBOX_KEY);
        }
        if !AGAIN.with(|a| a.replace(false)) {
            break;
        }
    }
    FLUSHING.with(|f| f.set(false));
}

/// One attempt: the HTTP status (`None`: no answer) and the result code.
async fn send(item: Pending) -> (Option<u16>, Option<String>) {
    match &item.to {
        Destination::Results => match post_json(RESULTS_ENDPOINT, &item.body).await {
            Some((s, c)) => (Some(s), c),
            None => (None, None),
        },
        Destination::Screening { id } => match api::submit_screening(id, &item.body).await {
            Ok(view) => (Some(200), Some(view.code)),
            Err(e) => {
                if matches!(e.status, 401 | 403) {
                    // Ask for the session's token again at the next attempt.
                    api::forget_csrf();
                }
                ((e.status != 0).then_some(e.status), None)
            }
        },
    }
}

/// Where the result code the server gave for result `id` is kept (this tab only).
fn code_key(id: &str) -> String {
    format!("repere.code.{id}")
}

/// Where the result code of screening `id` is kept (this tab only).
fn screening_code_key(id: &str) -> String {
    format!("repere.code.screening.{id}")
}

/// The result code the server gave for result `id`, once it was sent.
pub fn result_code(id: &str) -> Option<String> {
    storage::get_json(storage::session(), &code_key(id))
}

/// Where result `id` stands.
pub fn delivery(id: &str) -> Delivery {
    if let Some(code) = result_code(id) {
        return Delivery::Sent(Some(code));
    }
    if rejected().iter().any(|r| r.id == id) {
        return Delivery::Refused;
    }
    if !pending().iter().any(|p| p.id == id) {
        // Neither waiting nor refused: sent (by another tab, or with no code).
        return Delivery::Sent(None);
    }
    if TRIED.with(|t| t.borrow().contains(id)) {
        Delivery::Waiting
    } else {
        Delivery::Sending
    }
}

/// The status the server refused the result of screening `screening` with, if
/// it did (404: the screening is not the logged-in agent's structure's).
pub fn screening_refusal(screening: &str) -> Option<u16> {
    let to = Destination::Screening {
        id: screening.to_string(),
    };
    rejected()
        .into_iter()
        .find(|r| r.to == to)
        .map(|r| r.status)
}

/// Puts the result of screening `screening` that was set aside after 404
/// answers back in the queue (the agent may have logged in with the right
/// account since); true if there was one.
pub fn requeue_screening(screening: &str) -> bool {
    let to = Destination::Screening {
        id: screening.to_string(),
    };
    let mut list = rejected();
    let Some(at) = list
        .iter()
        .position(|r| r.to == to && r.status == 404 && r.body.is_some())
    else {
        return false;
    };
    let r = list.remove(at);
    let mut queue = pending();
    if let Some(body) = r.body {
        if !queue.iter().any(|p| p.id == r.id) {
            queue.push(Pending {
                id: r.id,
                body,
                to,
                not_found: 0,
            });
        }
    }
    storage::set_json(outbox_store(), OUTBOX_KEY, &queue);
    storage::set_json(outbox_store(), REJECTED_KEY, &list);
    true
}

/// Where the result of screening `screening` stands, for the agent's screen of
/// this tab: `None` when this tab knows nothing of it.
pub fn screening_delivery(screening: &str) -> Option<Delivery> {
    if let Some(code) = storage::get_json(storage::session(), &screening_code_key(screening)) {
        return Some(Delivery::Sent(Some(code)));
    }
    let to = Destination::Screening {
        id: screening.to_string(),
    };
    if let Some(p) = pending().into_iter().find(|p| p.to == to) {
        return Some(delivery(&p.id));
    }
    rejected()
        .iter()
        .any(|r| r.to == to)
        .then_some(Delivery::Refused)
}

/// A promise that resolves after `ms` milliseconds.
pub(crate) fn sleep(ms: i32) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    })
}

/// Waits for `promise`, at most `ms` milliseconds; errors count as done.
pub(crate) async fn at_most(promise: js_sys::Promise, ms: i32) {
    let race = js_sys::Promise::race(&js_sys::Array::of2(&promise, &sleep(ms)));
    let _ = JsFuture::from(race).await;
}

/// The output of `fut`, or `None` if it takes more than `ms` milliseconds (it then
/// goes on in the background, its output dropped).
async fn within<T: 'static>(fut: impl Future<Output = T> + 'static, ms: i32) -> Option<T> {
    let slot: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let mut fut = Some(fut);
    let done = {
        let slot = slot.clone();
        js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(f) = fut.take() {
                let slot = slot.clone();
                spawn_local(async move {
                    let out = f.await;
                    *slot.borrow_mut() = Some(out);
                    let _ = resolve.call0(&JsValue::NULL);
                });
            }
        })
    };
    at_most(done, ms).await;
    slot.take()
}

/// POSTs `body` as JSON; the HTTP status and the `code` of a JSON answer, or
/// `None` when nothing answered.
async fn post_json(url: &str, body: &str) -> Option<(u16, Option<String>)> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
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

/// The last attempt for a kiosk visit's waiting results, when the visit ends
/// without « Terminer » (Back, a link, a closed tab): each is posted with
/// `keepalive`, so the request outlives the page, and nobody waits for the answer
/// (the server stores a result sent twice once). It reads the tab's storage, where
/// a kiosk's outbox lives; the wipe that follows removes it.
pub fn send_before_leaving() {
    let queue: Vec<Pending> = storage::get_json(storage::session(), OUTBOX_KEY).unwrap_or_default();
    for item in queue {
        if item.to != Destination::Results {
            continue;
        }
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&item.body));
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
        let Ok(request) = web_sys::Request::new_with_str_and_init(RESULTS_ENDPOINT, &init) else {
            continue;
        };
        if request
            .headers()
            .set("Content-Type", "application/json")
            .is_ok()
        {
            // Nobody waits: the promise is dropped.
            let _ = window().fetch_with_request(&request);
        }
    }
}

/// Starts the sender: now, when the browser comes back online, and every 30 s
/// while something waits. `kiosk`: the outbox lives in the tab's storage.
pub fn start_sender(kiosk: bool) {
    KIOSK.with(|k| k.set(kiosk));
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

/// Registers `sw.js`, then hands it the list of files already loaded (and this
/// page's path if the worker did not see it load).
pub fn register_service_worker() {
    let navigator = window().navigator();
    if !js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    let uncontrolled = container.controller().is_none();
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
        // The item bank, whether or not its fetch had ended: the test needs it offline.
        let urls = loaded_files();
        urls.push(&JsValue::from_str(&crate::bank::url()));
        let _ = js_sys::Reflect::set(&message, &"urls".into(), &urls);
        if uncontrolled {
            let page = location().pathname().unwrap_or_default();
            let _ = js_sys::Reflect::set(&message, &"page".into(), &page.into());
        }
        let _ = worker.post_message(&message);
    });
}

/// Asks the service worker to fetch the app page again and keep it as its offline
/// copy (after pairing or unpairing a kiosk: the page's mode changed).
pub fn refresh_app_page() {
    let navigator = window().navigator();
    if !js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    spawn_local(async move {
        let Ok(ready) = container.ready() else {
            return;
        };
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        if let Some(worker) = registration.active() {
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &"type".into(), &"refresh-shell".into());
            let _ = worker.post_message(&message);
        }
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
        assert_eq!(Outcome::of(Some(421)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(500)), Outcome::Retry);
        assert_eq!(Outcome::of(Some(503)), Outcome::Retry);
        assert_eq!(Outcome::of(None), Outcome::Retry);
        // A redirect or an informational status is not a success either.
        assert_eq!(Outcome::of(Some(302)), Outcome::Retry);
    }

    #[test]
    fn a_screening_waits_for_the_agents_session() {
        let screening = Destination::Screening { id: "abc".into() };
        for status in [401, 403] {
            assert_eq!(
                Outcome::of_attempt(&screening, Some(status), 0),
                Outcome::Retry
            );
            assert_eq!(
                Outcome::of_attempt(&Destination::Results, Some(status), 0),
                Outcome::Rejected(status)
            );
        }
        assert_eq!(
            Outcome::of_attempt(&screening, Some(422), 0),
            Outcome::Rejected(422)
        );
        assert_eq!(Outcome::of_attempt(&screening, Some(201), 0), Outcome::Sent);
        assert_eq!(Outcome::of_attempt(&screening, None, 0), Outcome::Retry);
    }

    #[test]
    fn a_screening_the_server_does_not_know_is_tried_three_times_then_set_aside() {
        let screening = Destination::Screening { id: "abc".into() };
        let mut tries = 0;
        let mut not_found = 0;
        loop {
            tries += 1;
            match Outcome::of_attempt(&screening, Some(404), not_found) {
                Outcome::Retry => not_found += 1,
                other => {
                    assert_eq!(other, Outcome::Rejected(404));
                    break;
                }
            }
            assert!(tries < 100, "retried forever");
        }
        assert_eq!(tries, MAX_NOT_FOUND);
        assert_eq!(MAX_NOT_FOUND, 3);
        // Other destinations keep waiting on a 404 (a deployment problem).
        assert_eq!(
            Outcome::of_attempt(&Destination::Results, Some(404), 50),
            Outcome::Retry
        );
        // The counter is stored only when it counts; the log is kept aside.
        let p = Pending {
            id: "u".into(),
            body: r#"{"answers":[]}"#.into(),
            to: screening.clone(),
            not_found: 2,
        };
        let text = serde_json::to_string(&p).expect("json");
        assert!(text.ends_with(r#""not_found":2}"#), "{text}");
        let r = Rejected {
            id: "u".into(),
            status: 404,
            to: screening,
            body: Some(p.body.clone()),
        };
        let back: Rejected =
            serde_json::from_str(&serde_json::to_string(&r).expect("json")).expect("back");
        assert_eq!(back.body.as_deref(), Some(r#"{"answers":[]}"#));
    }

    #[test]
    fn entries_queued_by_older_versions_still_go_to_the_results_endpoint() {
        let old: Vec<Pending> =
            serde_json::from_str(r#"[{"id":"u1","body":{"answers":[]}}]"#).expect("old entry");
        assert_eq!(old[0].to, Destination::Results);
        assert_eq!(old[0].body, r#"{"answers":[]}"#);
        let old: Vec<Rejected> =
            serde_json::from_str(r#"[{"id":"u1","status":422}]"#).expect("old note");
        assert_eq!(old[0].to, Destination::Results);
    }

    #[test]
    fn destinations_round_trip_as_tagged_json() {
        let p = Pending {
            id: "u2".into(),
            body: "{}".into(),
            to: Destination::Screening { id: "s9".into() },
            not_found: 0,
        };
        let text = serde_json::to_string(&p).expect("json");
        assert_eq!(
            text,
            r#"{"id":"u2","body":"{}","to":{"kind":"screening","id":"s9"}}"#
        );
        assert_eq!(serde_json::from_str::<Pending>(&text).expect("back"), p);
        let r: Pending = serde_json::from_str(r#"{"id":"u3","body":null,"to":{"kind":"results"}}"#)
            .expect("results");
        assert_eq!(r.to, Destination::Results);
        for bad in [
            r#"{"kind":"screening"}"#,
            r#"{"kind":"elsewhere","id":"s9"}"#,
            r#"{"id":"s9"}"#,
            r#""results""#,
        ] {
            assert!(serde_json::from_str::<Destination>(bad).is_err(), "{bad}");
        }
    }
}
