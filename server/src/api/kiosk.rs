//! Kiosk identity: pairing a browser with a registered kiosk, and the app page that
//! puts a paired browser in kiosk mode.
//!
//! A kiosk is registered with `repere kiosk add` or `POST /api/admin/kiosks`, which
//! show its token once. Whoever installs the device types that token at `/borne`:
//! - `POST /api/kiosk/pair {"token": "..."}` checks it (hash lookup) and sets the
//!   cookie `repere_kiosk=<token>` (`HttpOnly; SameSite=Strict; Path=/`, `Secure`
//!   with `--secure-cookies`). Failed attempts are limited per client address.
//! - `POST /api/kiosk/unpair` clears the cookie; `GET /api/kiosk` says whether this
//!   browser is paired, and to which structure.
//! - `POST /api/results` takes the kiosk from `X-Kiosk-Token` or from the cookie
//!   (`api::results::submit`). A cookie of a removed kiosk never costs a result: it
//!   is stored as anonymous, and the answer clears the cookie.
//! - The app page (`index.html`, served for `/` and every app path) gets
//!   `<meta name="repere-mode" content="kiosk">` when the request carries a valid
//!   kiosk cookie, so a paired device is in kiosk mode with no URL parameter. The
//!   page differs by cookie: it is sent `Cache-Control: no-cache` and
//!   `Vary: Cookie`, and the cookie's lifetime is renewed with it (browsers cap a
//!   cookie's lifetime at about 400 days, so a long `Max-Age` alone would not last).
//!
//! The kiosk reset in the app wipes what JavaScript can reach; it cannot read or
//! delete this `HttpOnly` cookie, which is the device's identity, not a person's.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{body_error, check_origin, parse_json, ApiError, Shared};
use crate::auth;
use crate::records::Kiosk;
use crate::store::StoreError;

/// Name of the cookie that pairs a browser with a kiosk.
pub const KIOSK_COOKIE: &str = "repere_kiosk";
/// `Max-Age` of that cookie: five years (browsers may cap it; the app page renews it).
pub const KIOSK_COOKIE_MAX_AGE_SECS: i64 = 5 * 365 * 86_400;
/// Failed pairings allowed per client address in [`PAIR_LIMIT_WINDOW_MS`].
pub const PAIR_LIMIT: u32 = 10;
/// Window of the pairing limit: 15 minutes.
pub const PAIR_LIMIT_WINDOW_MS: i64 = 15 * 60_000;
/// Longest token accepted (real tokens have 64 characters).
const MAX_TOKEN_CHARS: usize = 200;

/// The meta tag that puts the app in kiosk mode (read by `app/src/config.rs`).
pub const KIOSK_META: &str = r#"<meta name="repere-mode" content="kiosk">"#;

/// The `Set-Cookie` value pairing this browser with the kiosk of `token`.
pub fn kiosk_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{KIOSK_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={KIOSK_COOKIE_MAX_AGE_SECS}{secure}"
    )
}

/// The `Set-Cookie` value that deletes the kiosk cookie.
pub fn clear_kiosk_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{KIOSK_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// A token as typed: trimmed; `None` unless it could be a token (1 to 200
/// characters, none of them a space, a control character or one a cookie cannot
/// hold).
fn clean_token(raw: &str) -> Option<&str> {
    let t = raw.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= MAX_TOKEN_CHARS
        && t.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | ',' | ';' | '\\'));
    ok.then_some(t)
}

/// What the kiosk cookie of a request says.
pub enum CookieKiosk {
    /// No kiosk cookie.
    Absent,
    /// The cookie of a registered kiosk, and its token.
    Valid(Kiosk, String),
    /// A cookie whose kiosk is unknown (removed since): to be cleared.
    Stale,
}

/// Reads the kiosk cookie of a request and looks its kiosk up.
pub fn from_cookie(state: &Shared, headers: &HeaderMap) -> Result<CookieKiosk, StoreError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| auth::cookie_value(h, KIOSK_COOKIE))
        .map(str::to_string);
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(CookieKiosk::Absent);
    };
    let Some(clean) = clean_token(&token) else {
        return Ok(CookieKiosk::Stale);
    };
    Ok(
        match state
            .store
            .kiosk_by_token_hash(&auth::token_digest(clean))?
        {
            Some(k) => CookieKiosk::Valid(k, clean.to_string()),
            None => CookieKiosk::Stale,
        },
    )
}

/// Adds a `Set-Cookie` header to a response.
pub fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// 429 for too many wrong kiosk codes.
fn too_many_codes(retry_after: u64) -> ApiError {
    let minutes = retry_after.div_ceil(60);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Trop de codes essayés. Réessayez dans {minutes} minute(s)."),
    );
    e.retry_after = Some(retry_after);
    e
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairBody {
    token: String,
}

/// `POST /api/kiosk/pair {"token": "..."}`: pairs this browser with a kiosk (204 and
/// the cookie).
pub async fn pair(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    let body: PairBody = parse_json(&body.map_err(body_error)?)?;
    let now = state.clock.now_ms();
    let ip_key = format!("pair:{}", peer.ip());
    if let Err(wait) = state.limit_pairing.check(&ip_key, now) {
        // No address in the log: an IP address is personal data.
        tracing::warn!("kiosk pairing refused: too many wrong codes from one address");
        return Err(too_many_codes(wait));
    }
    let kiosk = match clean_token(&body.token) {
        Some(t) => state
            .store
            .kiosk_by_token_hash(&auth::token_digest(t))?
            .map(|k| (k, t.to_string())),
        None => None,
    };
    let Some((kiosk, token)) = kiosk else {
        state.limit_pairing.fail(&ip_key, now);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_kiosk_code",
            "Ce code de borne n'est pas valide. Vérifiez-le, puis réessayez.",
        ));
    };
    tracing::info!(kiosk = kiosk.id, "kiosk paired");
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(
        &mut resp,
        &kiosk_cookie(&token, state.config.secure_cookies),
    );
    Ok(resp)
}

/// `POST /api/kiosk/unpair`: this browser is no longer a kiosk (204, cookie cleared).
pub async fn unpair(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    // Read (and ignore) the body so that the connection stays usable.
    body.map_err(body_error)?;
    if let CookieKiosk::Valid(k, _) = from_cookie(&state, &headers)? {
        tracing::info!(kiosk = k.id, "kiosk unpaired");
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut resp, &clear_kiosk_cookie(state.config.secure_cookies));
    Ok(resp)
}

/// `GET /api/kiosk`: whether this browser is a paired kiosk, and for which
/// structure: `{"paired": true, "kiosk": {id, name}, "structure": {id, name}}` or
/// `{"paired": false}` (a stale cookie is cleared).
pub async fn status(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    match from_cookie(&state, &headers)? {
        CookieKiosk::Valid(k, _) => {
            let structure = state.store.structure(k.structure)?.map(|s| s.name);
            Ok(Json(json!({
                "paired": true,
                "kiosk": { "id": k.id, "name": k.name },
                "structure": { "id": k.structure, "name": structure },
            }))
            .into_response())
        }
        CookieKiosk::Stale => {
            let mut resp = Json(json!({ "paired": false })).into_response();
            set_cookie(&mut resp, &clear_kiosk_cookie(state.config.secure_cookies));
            Ok(resp)
        }
        CookieKiosk::Absent => Ok(Json(json!({ "paired": false })).into_response()),
    }
}

/// `html` with the kiosk meta tag at the end of its `<head>` (or first, if it has
/// no `</head>`).
pub fn with_kiosk_meta(html: &str) -> String {
    match html.find("</head>") {
        Some(at) => format!("{}{KIOSK_META}\n{}", &html[..at], &html[at..]),
        None => format!("{KIOSK_META}\n{html}"),
    }
}

/// Where the app page is, and the shared state (store, settings).
#[derive(Clone)]
pub struct AppPage {
    /// `dist/index.html`.
    pub index: PathBuf,
    /// The server's state.
    pub state: Shared,
}

/// The app page (`index.html`) for `/` and every app path: kiosk mode for a paired
/// kiosk, never cached without revalidation, varying with the cookie. Read from
/// disk at each request, so a rebuilt app is served at once.
pub async fn app_page(State(page): State<AppPage>, headers: HeaderMap) -> Response {
    let html = match tokio::fs::read_to_string(&page.index).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the app page");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Repère est indisponible pour le moment. Réessayez plus tard.",
            )
                .into_response();
        }
    };
    let secure = page.state.config.secure_cookies;
    let kiosk = match from_cookie(&page.state, &headers) {
        Ok(k) => k,
        Err(e) => {
            // The page still works; the device is just not recognised this time.
            tracing::error!(error = %e, "kiosk cookie not checked");
            CookieKiosk::Absent
        }
    };
    let (html, cookie) = match kiosk {
        CookieKiosk::Valid(_, token) => {
            (with_kiosk_meta(&html), Some(kiosk_cookie(&token, secure)))
        }
        CookieKiosk::Stale => (html, Some(clear_kiosk_cookie(secure))),
        CookieKiosk::Absent => (html, None),
    };
    let mut resp = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::VARY, "Cookie"),
        ],
        html,
    )
        .into_response();
    if let Some(c) = cookie {
        set_cookie(&mut resp, &c);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        assert_eq!(
            kiosk_cookie("abc", false),
            "repere_kiosk=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=157680000"
        );
        assert!(kiosk_cookie("abc", true).ends_with("; Secure"));
        assert_eq!(
            clear_kiosk_cookie(true),
            "repere_kiosk=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }

    #[test]
    fn tokens_as_typed() {
        assert_eq!(clean_token("  ab12cd \n"), Some("ab12cd"));
        assert_eq!(clean_token(""), None);
        assert_eq!(clean_token("   "), None);
        assert_eq!(clean_token("ab cd"), None);
        assert_eq!(clean_token("ab;cd"), None);
        assert_eq!(clean_token("abé"), None);
        assert_eq!(clean_token(&"a".repeat(201)), None);
        assert_eq!(clean_token(&"a".repeat(200)).map(str::len), Some(200));
    }

    #[test]
    fn the_meta_tag_goes_into_the_head() {
        let html = "<html><head><title>R</title></head><body></body></html>";
        assert_eq!(
            with_kiosk_meta(html),
            "<html><head><title>R</title><meta name=\"repere-mode\" content=\"kiosk\">\n</head><body></body></html>"
        );
        assert_eq!(
            with_kiosk_meta("<p>x</p>"),
            "<meta name=\"repere-mode\" content=\"kiosk\">\n<p>x</p>"
        );
    }
}
