//! The item bank compiled into the app, decoded once on first use.
//!
//! `build.rs` loads and validates `items/data/` natively and writes the checked bank
//! in its compact form (`repere_items::Bank::to_compact`); the app embeds those bytes
//! and decodes them here (`Bank::from_compact`, which rebuilds every engine item
//! with the engine's checked constructors). Decoding happens lazily (the welcome
//! screen does not need it), and a bank that does not decode gives a calm screen,
//! never a panic.

use std::sync::OnceLock;

use repere_items::{Bank, BankItem};

/// The checked bank, in its compact form, written by `build.rs`.
static COMPACT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bank.bin"));

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();

/// The embedded bank, or a description of why it did not load (for the console;
/// the person sees a calm message).
pub fn bank() -> Result<&'static Bank, &'static str> {
    BANK.get_or_init(|| Bank::from_compact(COMPACT).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(String::as_str)
}

/// An id usable in HTML `id` attributes and CSS (dots replaced).
pub fn dom_id(item: &BankItem, suffix: &str) -> String {
    format!("{}-{suffix}", item.id.replace('.', "-"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The invariant "the embedded bank and the bank loaded from `items/data/` are
    /// the same", for the bytes the app really embeds.
    #[test]
    fn the_embedded_bank_is_the_bank_of_items_data() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../items/data");
        let loaded = repere_items::load_dir(&data).expect("items/data loads");
        let embedded = bank().expect("the compact bank decodes");
        assert_eq!(embedded, &loaded);
        assert!(embedded.items().len() > 100, "{}", embedded.items().len());
        // Every engine item was rebuilt: the item information and the score range
        // are those of the loader's items.
        for (e, l) in embedded.items().iter().zip(loaded.items()) {
            assert_eq!(e.engine_item(), l.engine_item(), "{}", e.id);
            assert_eq!(e.max_score(), l.max_score(), "{}", e.id);
        }
    }
}
