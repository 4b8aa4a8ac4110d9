//! Kiosk identity: pairing a device with a registered kiosk, unpairing it, and the
//! app page that keeps a kiosk's device in kiosk mode.
//!
//! A kiosk is registered with `repere kiosk add` or `POST /api/admin/kiosks`, which
//! show its *pairing code* once (`XXXX-XXXX-XX`, the result codes' alphabet; valid
//! 7 days, usable once, stored hashed; `repere kiosk code ID` or
//! `POST /api/admin/kiosks/{id}/code` make a new one). Whoever installs the device
//! types that code at `/borne`:
//! - `POST /api/kiosk/pair {"code": "..."}` reads it as people type it (case,
//!   spaces and dashes do not matter), uses it up and gives the device a fresh
//!   random *device token*, in the cookie `repere_kiosk` (`HttpOnly;
//!   SameSite=Strict; Path=/`, `Secure` with `--secure-cookies`); the store keeps
//!   only the token's SHA-256. The kiosk's previous device token, if any, stops
//!   working: one device counts as the kiosk. Failed attempts (wrong or expired
//!   codes) are limited per client address.
//! - A device that is not a browser pairs the same way and sends the cookie's
//!   value in the header `X-Kiosk-Token` (`api::results::submit`).
//! - `POST /api/kiosk/unpair` needs an admin of the kiosk's structure: their login
//!   session on this device, or their login and password in the body (checked by
//!   the login's code, with its limits). It ends the device token and clears the
//!   cookie. Another structure's admin gets 404, as for any record not theirs.
//! - `GET /api/kiosk` says whether this device is a registered kiosk, and of which
//!   structure, or carries the cookie of a kiosk the server no longer knows.
//! - The app page (`index.html`, served for `/` and every app path) gets
//!   `<meta name="repere-mode" content="kiosk">` whenever the request carries a
//!   kiosk cookie, valid or not: a device set up as a kiosk keeps wiping between
//!   people even after its kiosk was removed. Results from such a device are
//!   stored as anonymous (never lost), and the cookie stays until an admin
//!   unpairs the device. The page differs by cookie: it is sent
//!   `Cache-Control: no-cache` and `Vary: Cookie`, and the cookie's lifetime is
//!   renewed with it (browsers cap a cookie's lifetime at about 400 days).
//!
//! The kiosk reset in the app wipes what JavaScript can reach; it cannot read or
//! delete this `HttpOnly` cookie, which is the device's identity, not a person's.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{body_error, check_origin, durable, parse_json, rate_limited, ApiError, Shared, Staff};
use crate::admin_ops::PAIRING_VALID_DAYS;
use crate::records::{Kiosk, Role, User};
use crate::store::{KioskPairing, StoreError};
use crate::{auth, code};

/// Name of the cookie that pairs a browser with a kiosk.
pub const KIOSK_COOKIE: &str = "repere_kiosk";
/// `Max-Age` of that cookie: five years (browsers may cap it; the app page renews it).
pub const KIOSK_COOKIE_MAX_AGE_SECS: i64 = 5 * 365 * 86_400;
/// Longest device token accepted from a cookie (real tokens have 64 characters).
const MAX_TOKEN_CHARS: usize = 200;

/// The meta tag that puts the app in kiosk mode (read by `app/src/config.rs`).
pub const KIOSK_META: &str = r#"<meta name="repere-mode" content="kiosk">"#;

/// The `Set-Cookie` value pairing this browser with the kiosk of `token`.
pub fn kiosk_cookie(token: &str, secure: bool) -> String {
    auth::cookie(KIOSK_COOKIE, token, KIOSK_COOKIE_MAX_AGE_SECS, secure)
}

/// A device token as sent: trimmed; `None` unless it could be a token (1 to 200
/// characters, none of them a space, a control character or one a cookie cannot
/// hold).
pub fn clean_token(raw: &str) -> Option<&str> {
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
    /// The cookie of a registered kiosk's current device, and its token.
    Valid(Kiosk, String),
    /// A kiosk cookie the server does not know (its kiosk was removed, or paired
    /// again on another device): still a kiosk's device. The token, when it can
    /// be written back into a cookie.
    Stale(Option<String>),
}

impl CookieKiosk {
    /// Whether the request comes from a device set up as a kiosk.
    pub fn is_kiosk(&self) -> bool {
        !matches!(self, CookieKiosk::Absent)
    }
}

/// Reads the kiosk cookie of a request and looks its kiosk up.
pub fn from_cookie(state: &Shared, headers: &HeaderMap) -> Result<CookieKiosk, StoreError> {
    let Some(token) = auth::server_cookie(headers, KIOSK_COOKIE) else {
        return Ok(CookieKiosk::Absent);
    };
    let Some(clean) = clean_token(&token) else {
        return Ok(CookieKiosk::Stale(None));
    };
    Ok(
        match state
            .store
            .kiosk_by_token_hash(&auth::token_digest(clean))?
        {
            Some(k) => CookieKiosk::Valid(k, clean.to_string()),
            None => CookieKiosk::Stale(Some(clean.to_string())),
        },
    )
}

/// Adds a `Set-Cookie` header to a response.
pub fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairBody {
    /// The pairing code as typed (`token`: the name older apps sent it under).
    #[serde(alias = "token")]
    code: String,
}

/// `POST /api/kiosk/pair {"code": "K7M4-QX2P-7H"}`: pairs this device with the
/// kiosk waiting for that code (204 and the cookie holding a new device token).
pub async fn pair(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    let body: PairBody = parse_json(&body.map_err(body_error)?)?;
    let now = state.clock.now_ms();
    if let Err(wait) = state.limits.pair_check(peer.ip(), now) {
        // No address in the log: an IP address is personal data.
        tracing::warn!(target: "security", "kiosk pairing refused: too many wrong codes from one address");
        return Err(rate_limited("Trop de codes essayés.", wait));
    }
    // A code that cannot be one probes nothing: said plainly, not counted.
    let Some(code) = code::normalise_pairing(&body.code) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "malformed_kiosk_code",
            "Ce code n'a pas la bonne forme. Il a 10\u{a0}lettres ou chiffres, par exemple K7M4-QX2P-7H.",
        )
        .with_field("code"));
    };
    let previous = from_cookie(&state, &headers)?;
    let token = auth::random_token().map_err(ApiError::internal)?;
    let token_hash = auth::token_digest(&token);
    let (kiosk, replaced) = match state.store.pair_kiosk(
        &auth::token_digest(&code),
        &token_hash,
        now,
    )? {
        KioskPairing::Paired { kiosk, replaced } => (kiosk, replaced),
        KioskPairing::Expired => {
            state.limits.pair_failed(peer.ip(), now);
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "expired_kiosk_code",
                format!(
                    "Ce code n'est plus valable\u{a0}: il date de plus de {PAIRING_VALID_DAYS}\u{a0}jours. Demandez un nouveau code à l'administrateur."
                ),
            )
            .with_field("code"));
        }
        KioskPairing::Unknown => {
            state.limits.pair_failed(peer.ip(), now);
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_kiosk_code",
                "Ce code d'installation n'est pas valide. Vérifiez-le, puis réessayez.",
            )
            .with_field("code"));
        }
    };
    // This device was another kiosk: it no longer is.
    if let CookieKiosk::Valid(old, old_token) = previous {
        if old.id != kiosk.id {
            state
                .store
                .unpair_kiosk(old.id, &auth::token_digest(&old_token))?;
        }
    }
    durable(&state).await?;
    tracing::info!(target: "security", kiosk = kiosk.id, replaced, "kiosk paired");
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(
        &mut resp,
        &kiosk_cookie(&token, super::secure_cookies(&state.config, &headers)),
    );
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UnpairBody {
    /// An admin's login, when no admin is logged in on this device.
    #[serde(default)]
    login: Option<String>,
    /// Their password.
    #[serde(default)]
    password: Option<String>,
    /// The code of their second factor, when their account has one.
    #[serde(default)]
    code: Option<String>,
}

/// The account that asks to unpair: the login and password of the body (and the
/// code of its second factor, when it has one: checked as at a login), or else
/// the login session of this device.
async fn unpairing_account(
    state: &Shared,
    parts: &mut Parts,
    peer: SocketAddr,
    body: UnpairBody,
) -> Result<User, ApiError> {
    let login = body.login.filter(|l| !l.trim().is_empty());
    if let Some(login) = login {
        let password = body.password.unwrap_or_default();
        if password.is_empty() {
            return Err(
                ApiError::unprocessable("Écrivez le mot de passe de l'administrateur.")
                    .with_field("password"),
            );
        }
        let user =
            super::session::check_credentials(state, peer.ip(), &parts.headers, &login, password)
                .await?;
        if user.has_second_factor() {
            let code = body.code.unwrap_or_default();
            if code.trim().is_empty() {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "second_factor",
                    "Écrivez aussi le code à 6 chiffres de l'application d'authentification.",
                )
                .with_field("code"));
            }
            super::second_factor::prove(state, &user, peer.ip(), &parts.headers, &code).await?;
        } else if super::session::needs_second_factor(state, &user)? {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_required",
                super::second_factor::REQUIRED_MESSAGE,
            ));
        }
        return Ok(user);
    }
    match Staff::from_request_parts(parts, state).await {
        Ok(staff) => Ok(staff.user),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "admin_required",
            "Seul un administrateur de la structure peut désinstaller cette borne. Écrivez son identifiant et son mot de passe.",
        )),
        Err(e) => Err(e),
    }
}

/// `POST /api/kiosk/unpair` (`{}` with an admin's session, or `{"login": "...",
/// "password": "..."}`): this device is no longer a kiosk. Needs an admin of the
/// kiosk's structure (any admin, for the cookie of a kiosk the server no longer
/// knows). 204 with the cookie cleared; the kiosk stays registered, with no
/// device, until a new code pairs one.
pub async fn unpair(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut parts: Parts,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&parts.headers)?;
    let body = body.map_err(body_error)?;
    let body: UnpairBody = if body.iter().all(u8::is_ascii_whitespace) {
        UnpairBody::default()
    } else {
        parse_json(&body)?
    };
    let cookie = from_cookie(&state, &parts.headers)?;
    if !cookie.is_kiosk() {
        // Not a kiosk: nothing to undo.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let user = unpairing_account(&state, &mut parts, peer, body).await?;
    if user.role != Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_admin",
            "Seul un administrateur de la structure peut désinstaller cette borne.",
        ));
    }
    match &cookie {
        CookieKiosk::Valid(kiosk, token) => {
            if kiosk.structure != user.structure {
                return Err(ApiError::not_found("Borne introuvable."));
            }
            state
                .store
                .unpair_kiosk(kiosk.id, &auth::token_digest(token))?;
            durable(&state).await?;
            tracing::info!(target: "security", kiosk = kiosk.id, by = user.id, "kiosk unpaired");
        }
        _ => {
            tracing::info!(target: "security", by = user.id, "device of an unknown kiosk unpaired")
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(
        &mut resp,
        &auth::clear_cookie(
            KIOSK_COOKIE,
            super::secure_cookies(&state.config, &parts.headers),
        ),
    );
    Ok(resp)
}

/// `GET /api/kiosk`: whether this device is a registered kiosk, and of which
/// structure: `{"paired": true, "kiosk": {id, name}, "structure": {id, name}}`;
/// `{"paired": false, "stale": true}` for the cookie of a kiosk the server no
/// longer knows (the device stays in kiosk mode); `{"paired": false}` otherwise.
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
        CookieKiosk::Stale(_) => {
            Ok(Json(json!({ "paired": false, "stale": true })).into_response())
        }
        CookieKiosk::Absent => Ok(Json(json!({ "paired": false })).into_response()),
    }
}

/// `html` with the kiosk meta tag at the end of its `<head>` (or first, if it has
/// no `</head>`).
pub fn with_kiosk_meta(html: &str) -> String {
    with_meta(html, KIOSK_META)
}

/// `html` with `meta` at the end of its `<head>` (or first, if it has no
/// `</head>`).
fn with_meta(html: &str, meta: &str) -> String {
    match html.find("</head>") {
        Some(at) => format!("{}{meta}\n{}", &html[..at], &html[at..]),
        None => format!("{meta}\n{html}"),
    }
}

/// The meta tag that tells the app how long a result is kept (said to the person
/// before a test, `app/src/screens/welcome.rs`).
pub fn retention_meta(days: u32) -> String {
    format!(r#"<meta name="repere-retention-days" content="{days}">"#)
}

/// Where the app page is, and the shared state (store, settings).
#[derive(Clone)]
pub struct AppPage {
    /// `dist/index.html`.
    pub index: PathBuf,
    /// The server's state.
    pub state: Shared,
}

/// The app page (`index.html`) for `/` and every app path: kiosk mode for any
/// device carrying a kiosk cookie (its lifetime renewed), never cached without
/// revalidation, varying with the cookie. Read from disk at each request, so a
/// rebuilt app is served at once.
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
    let secure = super::secure_cookies(&page.state.config, &headers);
    let kiosk = match from_cookie(&page.state, &headers) {
        Ok(k) => k,
        Err(e) => {
            // The page still works; the device is just not recognised this time.
            tracing::error!(error = %e, "kiosk cookie not checked");
            CookieKiosk::Absent
        }
    };
    let html = with_meta(&html, &retention_meta(page.state.config.retention_days));
    let (html, cookie) = match kiosk {
        CookieKiosk::Valid(_, token) | CookieKiosk::Stale(Some(token)) => {
            (with_kiosk_meta(&html), Some(kiosk_cookie(&token, secure)))
        }
        CookieKiosk::Stale(None) => (with_kiosk_meta(&html), None),
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
        // A cookie set before cookies had their `__Host-` name: renewed under it,
        // the old one goes.
        if secure && auth::has_plain_cookie(&headers, KIOSK_COOKIE) {
            set_cookie(&mut resp, &auth::clear_cookie(KIOSK_COOKIE, false));
        }
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
        assert_eq!(
            kiosk_cookie("abc", true),
            "__Host-repere_kiosk=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=157680000; Secure"
        );
        assert_eq!(
            auth::clear_cookie(KIOSK_COOKIE, true),
            "__Host-repere_kiosk=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
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
