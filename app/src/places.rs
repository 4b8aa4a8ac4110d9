//! The mediation places shown with a result: the same card on the self-test's
//! result and print screens, the kiosk, the agent's screen and its printed sheet.
//!
//! - A kiosk keeps its structure's places for offline use: at each start online it
//!   asks `GET /api/kiosk/places` and keeps the answer in the Cache Storage cache
//!   [`CACHE`] (app data, no personal data: the kiosk reset and the service worker
//!   keep it). Its result screen ranks them with the person's needs
//!   (`repere_items::places::rank_by`, the server's own ranking, on the traits and
//!   distances the server computed), network or not.
//! - On a person's own device, the result links to the server's page of places
//!   near a postcode (`GET /api/places/page`); the postcode is sent, not stored.
//! - The staff screens get them with the result (`ResultView::place_cards`).
//!
//! The app receives each place as a [`Card`]: the HTML the server wrote (text
//! escaped; name, distance, relation to the structure, address, opening hours in
//! words, phone, how to go, the booking link with its QR code, cost, the
//! accessibility sheet; a kiosk's cards open nothing outside the test) and what
//! the read-aloud button says ([`read_aloud`]). The app decodes no place and
//! formats nothing: the self-test's wasm stays small.

use leptos::prelude::*;
use repere_engine::profile::Orientation;
use repere_items::places::{rank_by, Card, KioskPlace, Needs};
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The Cache Storage cache of a kiosk's places: the kiosk reset
/// (`kiosk::KEPT_CACHES`) and the service worker (`sw.js`, `PLACES`) keep it.
pub const CACHE: &str = "repere-places";
/// The request a kiosk's places are kept under.
const KIOSK_PLACES: &str = "/api/kiosk/places";
/// Places shown with a result.
pub const SHOWN: usize = 3;

/// What a kiosk keeps: its structure's places, each with its card, its traits
/// and its distance from the structure (computed by the server).
#[derive(Clone, Debug, Deserialize)]
pub struct KioskSet {
    /// The places.
    pub places: Vec<KioskPlace>,
}

/// Asks the server for this kiosk's places and keeps them (nothing changes when
/// it cannot: the kept copy stays). Offline it does not ask: the request could
/// only fail.
pub async fn refresh_kiosk_set() {
    if !window().navigator().on_line() {
        return;
    }
    let Ok(caches) = window().caches() else {
        return;
    };
    let init = web_sys::RequestInit::new();
    let _ = js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into());
    let _ = js_sys::Reflect::set(&init, &"credentials".into(), &"same-origin".into());
    let Ok(response) = JsFuture::from(window().fetch_with_str_and_init(KIOSK_PLACES, &init)).await
    else {
        return;
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return;
    };
    if !response.ok() {
        return;
    }
    if let Ok(cache) = JsFuture::from(caches.open(CACHE)).await {
        let cache: web_sys::Cache = cache.unchecked_into();
        let _ = JsFuture::from(cache.put_with_str(KIOSK_PLACES, &response)).await;
    }
}

/// The kiosk's kept places, if any.
pub async fn kiosk_set() -> Option<KioskSet> {
    let caches = window().caches().ok()?;
    let cache: web_sys::Cache = JsFuture::from(caches.open(CACHE))
        .await
        .ok()?
        .unchecked_into();
    let found = JsFuture::from(cache.match_with_str(KIOSK_PLACES))
        .await
        .ok()?;
    let response: web_sys::Response = found.dyn_into().ok()?;
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

/// The places a kiosk suggests for `orientation`, from its kept places.
pub fn suggest_offline(set: &KioskSet, orientation: &Orientation) -> Vec<Card> {
    rank_by(
        &set.places,
        &Needs::from_orientation(orientation),
        |k| Some((k.traits, k.km, false)),
        SHOWN,
    )
    .into_iter()
    .map(|b| b.item.card.clone())
    .collect()
}

/// What the read-aloud button says about the places.
pub fn read_aloud(places: &[Card]) -> String {
    let mut text = String::from("Où aller.");
    for (i, c) in places.iter().enumerate() {
        text.push_str(&format!(" Lieu {} : {}", i + 1, c.lecture));
    }
    text
}

/// The places, under the heading « Où aller »: the cards the server wrote, in
/// an ordered list (numbered on screen, on paper and by screen readers).
#[component]
pub fn PlacesList(places: Vec<Card>) -> impl IntoView {
    view! {
        <section class="places" aria-labelledby="places-title">
            <h2 id="places-title">"Où aller"</h2>
            <ol class="places-list">
                {places
                    .into_iter()
                    .map(|card| view! { <li inner_html=card.html></li> })
                    .collect_view()}
            </ol>
        </section>
    }
}
