//! The item bank, fetched once from the server and decoded.
//!
//! `build.rs` loads and validates `items/data/` natively and computes the checked
//! bank in its compact form (`repere_items::Bank::for_delivery`, then `to_compact`)
//! and its name, [`FILE`] (a hash of the bytes). The server serves the very same
//! bytes at `/bank/<FILE>` (`repere serve`), the service worker keeps them for
//! offline use, and the app fetches them at start ([`load`]) instead of carrying
//! them in its wasm: the bank is a third of the self-test's download and changes
//! more often than the code. `Bank::from_compact` rebuilds every engine item with
//! the engine's checked constructors; a bank that cannot be fetched or decoded
//! gives a calm screen, never a panic.

use std::sync::OnceLock;

use js_sys::Uint8Array;
use leptos::prelude::*;
use repere_items::{Bank, BankItem};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The name of this build's bank on the server (`bank-<hash>.bin`).
pub const FILE: &str = env!("REPERE_BANK_FILE");

/// Where the server serves it.
pub fn url() -> String {
    format!("/bank/{FILE}")
}

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();

/// The bank, once [`load`] has fetched it; before, or if it could not be fetched
/// or decoded, a description of why (for the console; the person sees a calm
/// message).
pub fn bank() -> Result<&'static Bank, &'static str> {
    match BANK.get() {
        Some(Ok(b)) => Ok(b),
        Some(Err(e)) => Err(e.as_str()),
        None => Err("the item bank is not loaded yet"),
    }
}

/// Fetches and decodes the bank. A bank that does not decode stays refused; a
/// fetch that failed (no network yet) is tried again at the next call.
pub async fn load() -> Result<&'static Bank, String> {
    if let Some(done) = BANK.get() {
        return done.as_ref().map_err(Clone::clone);
    }
    let bytes = fetch_bytes(&url()).await?;
    let decoded = Bank::from_compact(&bytes).map_err(|e| e.to_string());
    BANK.get_or_init(|| decoded).as_ref().map_err(Clone::clone)
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|_| format!("{url}: network error"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = response
        .array_buffer()
        .map_err(|_| format!("{url}: unreadable body"))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| format!("{url}: body not received"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// An id usable in HTML `id` attributes and CSS (dots replaced).
pub fn dom_id(item: &BankItem, suffix: &str) -> String {
    format!("{}-{suffix}", item.id.replace('.', "-"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The bytes `build.rs` computed, which the server serves under [`FILE`].
    static COMPACT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bank.bin"));

    /// The invariant "the app's bank and the bank loaded from `items/data/` are the
    /// same" (less retired items and reviewers' notes), for the bytes the app gets,
    /// and their name.
    #[test]
    fn the_fetched_bank_is_the_bank_of_items_data() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../items/data");
        let all = repere_items::load_dir(&data).expect("items/data loads");
        let loaded = all.for_delivery();
        let bytes = loaded.to_compact().expect("encodes");
        assert_eq!(bytes, COMPACT);
        assert_eq!(FILE, repere_items::delivery_file_name(COMPACT));
        assert_eq!(url(), format!("/bank/{FILE}"));
        let fetched = Bank::from_compact(COMPACT).expect("the compact bank decodes");
        assert_eq!(fetched, loaded);
        assert_eq!(
            fetched.items().len(),
            all.items()
                .iter()
                .filter(|i| i.status != repere_items::Status::Retired)
                .count()
        );
        // Every engine item was rebuilt: the item information and the score range
        // are those of the loader's items.
        for (e, l) in fetched.items().iter().zip(loaded.items()) {
            assert_eq!(e.engine_item(), l.engine_item(), "{}", e.id);
            assert_eq!(e.max_score(), l.max_score(), "{}", e.id);
        }
    }
}
