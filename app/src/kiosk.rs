//! Kiosk mode: the idle question and the full reset between two people.
//!
//! After `idle_secs` without a touch, click or key, a modal asks « Voulez-vous
//! continuer ? » with a visible countdown of `countdown_secs`, read aloud when
//! the person has each screen read (`spoken::idle`). At zero, or when the
//! person presses « Terminer », [`reset`] wipes everything the page and the browser
//! hold about the person, then reloads the start URL in place of the current
//! history entry. The watch only arms after a first touch: an untouched welcome
//! screen has nothing to wipe, so an idle kiosk does not reload in a loop.
//!
//! A paired kiosk (`/borne`) is in kiosk mode through the page the server sends
//! it; the reset keeps the pairing cookie, which it cannot reach (`HttpOnly`).
//!
//! A visit also ends on every other way out of the page: the back button or
//! gesture, a link, a typed address. So on a kiosk, every page load that is not a
//! reload of the same page starts by wiping what the browser holds
//! ([`begin_page`]): the next person who opens the test, or lands on `/borne`
//! with Back, finds nothing of the previous one. A page the browser brings back
//! from its back-forward cache (its screen as it was) is loaded again, wiped.
//! Only a reload keeps the visit (a person who pulls the page down to refresh it
//! goes on with their test), and then the idle watch is armed at once, since the
//! screen shows someone's test. A page outside kiosk mode that finds a kiosk
//! visit's data in the tab (a `?mode=kiosk` page left with Back for the same tab
//! without the parameter) wipes it too. A result still waiting for the network
//! when a visit ends this way gets one last attempt that outlives the page
//! (`offline::send_before_leaving`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::offline::{self, at_most};
use crate::spoken;
use crate::state::AppState;
use crate::storage;

/// The Cache Storage caches whose name starts with this hold the app itself
/// (no answers): the reset keeps them so the kiosk still works offline.
pub const SHELL_CACHE_PREFIX: &str = "repere-shell";

/// The reset keeps the shell's caches and the kiosk's mediation places
/// (`places::CACHE`: its structure's, the same for everyone).
fn kept_cache(name: &str) -> bool {
    name.starts_with(SHELL_CACHE_PREFIX) || name == crate::places::CACHE
}

#[wasm_bindgen]
extern "C" {
    /// `indexedDB`, seen through the one method web-sys lacks.
    type IdbFactoryWithList;
    /// `indexedDB.databases()`.
    #[wasm_bindgen(method, catch)]
    fn databases(this: &IdbFactoryWithList) -> Result<js_sys::Promise, JsValue>;
}

/// The user activity that keeps the kiosk awake.
const ACTIVITY_EVENTS: [&str; 5] = ["pointerdown", "keydown", "touchstart", "wheel", "input"];

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Starts watching for inactivity (kiosk mode only).
pub fn watch_idle(state: AppState) {
    let (idle, countdown) = state.config.with_value(|c| (c.idle_secs, c.countdown_secs));
    let last_activity = Rc::new(Cell::new(now_ms()));
    // A page reloaded in the middle of a visit shows someone's test: the watch is
    // armed at once, or it would stay on screen until the next touch.
    let armed = Rc::new(Cell::new(state.has_progress()));
    let warned_at: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));

    {
        let last_activity = last_activity.clone();
        let armed = armed.clone();
        let warned_at = warned_at.clone();
        let on_activity = Closure::<dyn Fn()>::new(move || {
            // While the question shows, only its buttons answer it.
            if warned_at.get().is_none() {
                last_activity.set(now_ms());
                armed.set(true);
            }
        });
        let doc = document();
        for name in ACTIVITY_EVENTS {
            let _ = doc.add_event_listener_with_callback_and_bool(
                name,
                on_activity.as_ref().unchecked_ref(),
                true,
            );
        }
        on_activity.forget();
    }

    // « Continuer »: the dialog sets `idle_countdown` back to None.
    {
        let last_activity = last_activity.clone();
        let warned_at = warned_at.clone();
        Effect::new(move |_| {
            if state.idle_countdown.get().is_none() && warned_at.get().is_some() {
                warned_at.set(None);
                last_activity.set(now_ms());
                state.speech.stop();
            }
        });
    }

    set_interval(
        move || {
            if state.resetting.get_untracked() || !armed.get() {
                return;
            }
            let now = now_ms();
            match warned_at.get() {
                None => {
                    if now - last_activity.get() >= f64::from(idle) * 1000.0 {
                        warned_at.set(Some(now));
                        state.settings_open.set(false);
                        state.speech.stop();
                        state.idle_countdown.set(Some(countdown));
                        // Whoever has each screen read hears the question too.
                        if state.settings.get_untracked().read_aloud {
                            state.speech.speak(&spoken::idle(countdown));
                        }
                    }
                }
                Some(start) => {
                    let elapsed = ((now - start) / 1000.0).floor();
                    let left = (f64::from(countdown) - elapsed).max(0.0) as u32;
                    if left == 0 {
                        start_reset(state);
                    } else if state.idle_countdown.get_untracked() != Some(left) {
                        state.idle_countdown.set(Some(left));
                    }
                }
            }
        },
        Duration::from_millis(250),
    );
}

/// How the browser reached this page: `navigate`, `reload`, `back_forward` or
/// `prerender` (Navigation Timing); `None` if it does not say.
fn navigation_type() -> Option<String> {
    let entries = window().performance()?.get_entries_by_type("navigation");
    let entry = entries.get(0);
    js_sys::Reflect::get(&entry, &JsValue::from_str("type"))
        .ok()?
        .as_string()
}

/// The start of a page, before anything is read from the browser's storage.
///
/// On a kiosk, a page load that is not a reload begins a new visit: the waiting
/// results of the previous one get their last attempt, then every store is
/// wiped (see the module's documentation). Outside kiosk mode, the data a kiosk
/// visit left in this tab is wiped too. From then on, what this page stores is
/// marked as a kiosk visit's when it is one, and a page the browser restores from
/// its back-forward cache on a kiosk is loaded afresh.
pub fn begin_page(kiosk: bool) {
    let reload = navigation_type().as_deref() == Some("reload");
    if (kiosk && !reload) || (!kiosk && storage::kiosk_visit_left()) {
        offline::send_before_leaving();
        wipe_now();
        spawn_local(async {
            delete_databases().await;
            delete_answer_caches().await;
        });
    }
    storage::mark_kiosk_visits(kiosk);
    if !kiosk {
        return;
    }
    let on_pageshow = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let persisted = js_sys::Reflect::get(&event, &JsValue::from_str("persisted"))
            .ok()
            .and_then(|p| p.as_bool())
            .unwrap_or(false);
        if persisted {
            wipe_now();
            let location = location();
            if let Ok(here) = location.href() {
                let _ = location.replace(&here);
            }
        }
    });
    let _ =
        window().add_event_listener_with_callback("pageshow", on_pageshow.as_ref().unchecked_ref());
    on_pageshow.forget();
    let on_pagehide = Closure::<dyn Fn()>::new(offline::send_before_leaving);
    let _ =
        window().add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    on_pagehide.forget();
}

/// Wipes at once what can be wiped synchronously: both web storages and the
/// cookies scripts can reach.
fn wipe_now() {
    let window = window();
    if let Ok(Some(s)) = window.local_storage() {
        let _ = s.clear();
    }
    if let Ok(Some(s)) = window.session_storage() {
        let _ = s.clear();
    }
    wipe_cookies();
}

/// Starts the reset (once).
pub fn start_reset(state: AppState) {
    if state.resetting.get_untracked() {
        return;
    }
    state.resetting.set(true);
    spawn_local(reset(state));
}

/// Wipes everything about the person, then reloads the start URL.
async fn reset(state: AppState) {
    state.speech.stop();
    state.idle_countdown.set(None);
    state.settings_open.set(false);

    // A result still waiting for the network gets one last short attempt, then
    // goes with the rest: a shared device keeps nothing of a person, not even a
    // result to send later. The result screen has told the person it was not sent
    // and offered the print view (`screens::result::ResultCode`); ARCHITECTURE.md,
    // `app/`, states the rule.
    at_most(
        wasm_bindgen_futures::future_to_promise(async {
            offline::flush().await;
            Ok(JsValue::UNDEFINED)
        }),
        3000,
    )
    .await;

    wipe_now();
    delete_databases().await;
    delete_answer_caches().await;

    let start = state.config.with_value(|c| c.start_url.clone());
    let window = window();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&start));
    }
    let _ = window.location().replace(&start);
}

/// Expires every cookie JavaScript can read, for this path and for `/`.
///
/// It never touches the kiosk's pairing cookie (`repere_kiosk`), nor a staff
/// session: both are `HttpOnly`, so `document.cookie` does not list them and
/// this loop never sees their names (and a script may not overwrite an `HttpOnly`
/// cookie anyway). That is as it should be: the pairing cookie is the device's
/// identity, not the person's, and must survive every reset. Only
/// `POST /api/kiosk/unpair` (at `/borne`) removes it.
fn wipe_cookies() {
    let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() else {
        return;
    };
    let Ok(cookies) = doc.cookie() else {
        return;
    };
    let path = location().pathname().unwrap_or_else(|_| "/".into());
    for pair in cookies.split(';') {
        let name = pair.split('=').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        for p in ["/", path.as_str()] {
            let _ = doc.set_cookie(&format!(
                "{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; path={p}"
            ));
        }
    }
}

/// Deletes every IndexedDB database of the origin.
async fn delete_databases() {
    let Ok(Some(factory)) = window().indexed_db() else {
        return;
    };
    let Ok(list) = factory.unchecked_ref::<IdbFactoryWithList>().databases() else {
        return;
    };
    let Ok(list) = JsFuture::from(list).await else {
        return;
    };
    let list: js_sys::Array = list.unchecked_into();
    for info in list.iter() {
        let Some(name) = js_sys::Reflect::get(&info, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
        else {
            continue;
        };
        let Ok(request) = factory.delete_database(&name) else {
            continue;
        };
        let done = js_sys::Promise::new(&mut |resolve, _reject| {
            request.set_onsuccess(Some(&resolve));
            request.set_onerror(Some(&resolve));
            request.set_onblocked(Some(&resolve));
        });
        at_most(done, 2000).await;
    }
}

/// Deletes every Cache Storage cache except the app shell's.
async fn delete_answer_caches() {
    let Ok(caches) = window().caches() else {
        return;
    };
    let Ok(names) = JsFuture::from(caches.keys()).await else {
        return;
    };
    let names: js_sys::Array = names.unchecked_into();
    for name in names.iter().filter_map(|n| n.as_string()) {
        if !kept_cache(&name) {
            let _ = JsFuture::from(caches.delete(&name)).await;
        }
    }
}

/// The idle question: « Voulez-vous continuer ? » with its countdown.
#[component]
pub fn IdleDialog() -> impl IntoView {
    let state = expect_context::<AppState>();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let resume = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let open = state.idle_countdown.get().is_some();
        let Some(d) = dialog.get() else {
            return;
        };
        if open && !d.open() {
            let _ = d.show_modal();
            if let Some(b) = resume.get() {
                let _ = b.focus();
            }
        } else if !open && d.open() {
            d.close();
        }
    });
    let resume_click = move |_| state.idle_countdown.set(None);
    let finish_click = move |_| start_reset(state);
    // Escape means « Continuer » (the dialog must not close without telling us).
    let on_cancel = move |ev: web_sys::Event| {
        ev.prevent_default();
        state.idle_countdown.set(None);
    };
    view! {
        <dialog
            node_ref=dialog
            class="dialog idle-dialog"
            aria-labelledby="idle-title"
            aria-describedby="idle-text"
            on:cancel=on_cancel
        >
            <h2 id="idle-title">"Voulez-vous continuer ?"</h2>
            <p id="idle-text">"Vous n'avez rien touché depuis un moment."</p>
            <p class="countdown">
                "Sans réponse, tout sera effacé dans\u{a0}"
                <strong>{move || state.idle_countdown.get().unwrap_or(0)}</strong>
                {move || {
                    if state.idle_countdown.get().unwrap_or(0) > 1 {
                        "\u{a0}secondes."
                    } else {
                        "\u{a0}seconde."
                    }
                }}
            </p>
            <div class="actions">
                <button type="button" class="button" node_ref=resume on:click=resume_click>
                    "Continuer"
                </button>
                <button type="button" class="button secondary" on:click=finish_click>
                    "Terminer"
                </button>
            </div>
        </dialog>
    }
}
