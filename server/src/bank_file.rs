//! `GET /bank/<name>`: the item bank as the browser app reads it.
//!
//! The app does not carry the bank in its wasm (it is a third of the self-test's
//! download): its build computes the bank's compact form
//! (`Bank::for_delivery`, then `to_compact`) and names it after a hash of the bytes
//! (`repere_items::delivery_file_name`); the server computes the same bytes from
//! its embedded copy of `items/data/` and serves them under that name, as a hashed
//! file (`public, max-age=31536000, immutable`); the service worker keeps them for
//! offline use. Any other name is 404: an app built from other data asks for
//! another name and gets told, rather than being handed a bank it was not built
//! with.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use repere_items::Bank;

use crate::static_cache::IMMUTABLE;

/// The bank's bytes and the name the app asks for.
#[derive(Clone, Debug)]
pub struct BankFile {
    /// `bank-<hash>.bin`.
    pub name: String,
    /// `Bank::for_delivery().to_compact()`.
    pub bytes: Bytes,
}

impl BankFile {
    /// The delivered form of `bank`.
    pub fn of(bank: &Bank) -> Result<BankFile, String> {
        let bytes = bank
            .for_delivery()
            .to_compact()
            .map_err(|e| e.to_string())?;
        Ok(BankFile {
            name: repere_items::delivery_file_name(&bytes),
            bytes: Bytes::from(bytes),
        })
    }

    /// The answer to `GET /bank/<name>`.
    pub fn answer(&self, name: &str) -> Response {
        if name != self.name {
            return (
                StatusCode::NOT_FOUND,
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                "unknown bank: reload the page to update the application",
            )
                .into_response();
        }
        (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
            self.bytes.clone(),
        )
            .into_response()
    }
}

async fn serve(State(file): State<BankFile>, Path(name): Path<String>) -> Response {
    file.answer(&name)
}

/// The route `/bank/{name}`.
pub fn router(file: BankFile) -> Router {
    Router::new()
        .route("/bank/{name}", get(serve))
        .with_state(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_bank_is_the_delivered_bank_under_its_hash() {
        let bank = crate::outcome::bank().expect("embedded bank");
        let file = BankFile::of(bank).expect("encodes");
        assert!(file.name.starts_with("bank-") && file.name.ends_with(".bin"));
        assert_eq!(file.name.len(), "bank-".len() + 16 + ".bin".len());
        let back = Bank::from_compact(&file.bytes).expect("decodes");
        assert_eq!(back, bank.for_delivery());
        // Deterministic: the app's build computes the same name from the same data.
        assert_eq!(BankFile::of(bank).expect("encodes").name, file.name);

        let ok = file.answer(&file.name);
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(
            ok.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
        let other = file.answer("bank-0000000000000000.bin");
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        assert_eq!(other.headers()[header::CACHE_CONTROL], "no-store");
    }
}
