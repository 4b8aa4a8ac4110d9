//! The item bank compiled into the app, parsed once on first use.
//!
//! Parsing happens lazily (the welcome screen does not need it), and a bank that
//! does not load gives a calm screen, never a panic.

use std::sync::OnceLock;

use repere_items::{Bank, BankItem};

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();

/// The embedded bank, or a description of why it did not load (for the console;
/// the person sees a calm message).
pub fn bank() -> Result<&'static Bank, &'static str> {
    BANK.get_or_init(|| {
        repere_items::embedded().map_err(|problems| {
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    })
    .as_ref()
    .map_err(String::as_str)
}

/// An id usable in HTML `id` attributes and CSS (dots replaced).
pub fn dom_id(item: &BankItem, suffix: &str) -> String {
    format!("{}-{suffix}", item.id.replace('.', "-"))
}
