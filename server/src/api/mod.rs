//! The HTTP API under `/api`: shared state, the error type, the extractors that
//! authenticate a request, and the routes.
//!
//! Security model (see ARCHITECTURE.md, `server/`):
//! - Staff log in with a password; the session is a random token in an `HttpOnly`,
//!   `SameSite=Strict` cookie (`Secure` and `__Host-` named except on a loopback
//!   host or with `--plain-http`: [`secure_cookies`]), checked against a
//!   server-side record with an expiry.
//! - Every state-changing request of a logged-in user must carry the session's CSRF
//!   token in `X-CSRF-Token`, and its `Origin` (when sent) must be this server.
//! - Every handler checks the role, and every record it touches belongs to the
//!   user's structure; another structure's record answers 404, like a missing one.
//! - Kiosks carry the `HttpOnly` cookie set by pairing with a one-time code
//!   (`kiosk`), or send its device token in `X-Kiosk-Token`; anonymous submissions
//!   send neither.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use repere_items::Bank;
use serde::de::DeserializeOwned;
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth;
use crate::clock::Clock;
use crate::commit::GroupCommit;
use crate::ratelimit::Limits;
use crate::records::{LoginSession, Role, User};
use crate::store::{Store, StoreError};

mod admin;
pub mod kiosk;
mod local;
mod places;
mod results;
mod second_factor;
mod session;
mod trainer;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Header carrying a kiosk's token.
pub const KIOSK_HEADER: &str = "x-kiosk-token";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Cookies always `Secure` (behind TLS), whatever the host.
    pub secure_cookies: bool,
    /// Cookies never `Secure` (a local network served over plain HTTP).
    pub plain_http: bool,
    /// Lifetime of a login session.
    pub session_ttl_ms: i64,
    /// Days a result is kept (said to the person before a test).
    pub retention_days: u32,
}

/// Everything handlers share.
pub struct AppState {
    /// The records.
    pub store: Arc<dyn Store>,
    /// Durable acknowledgements.
    pub commit: Arc<GroupCommit>,
    /// The clock.
    pub clock: Clock,
    /// Item bank and référentiel.
    pub bank: &'static Bank,
    /// The assessor of that bank (built once at start): replays submitted logs.
    pub assessor: &'static repere_items::assessment::Assessor<'static>,
    /// Settings.
    pub config: Config,
    /// What may not be tried or sent too often.
    pub limits: Limits,
    /// Key of the device cookies (`auth::known_device`), kept in the store.
    pub device_key: Vec<u8>,
    /// Token of the local administration endpoint (also in `server.json`).
    pub local_token: String,
    /// The index of mediation places, and kiosks' offline sets.
    pub places: crate::places::Places,
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

/// An API error: a status and a French message for the person, as JSON
/// `{"error": "...", "code": "...", "item": "...", "field": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Rarely set, boxed: errors travel in every `Result` of the handlers.
    extra: Option<Box<ErrorExtra>>,
    retry_after: Option<u64>,
}

/// What some errors add.
#[derive(Debug, Default)]
struct ErrorExtra {
    item: Option<String>,
    field: Option<&'static str>,
    detail: Option<String>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: None,
            retry_after: None,
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 500; `log` is written to the log (no personal data), the client gets a
    /// generic message.
    pub fn internal(log: impl std::fmt::Display) -> Self {
        tracing::error!(error = %log, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Erreur interne du serveur. Réessayez plus tard.",
        )
    }

    /// Names the item the error is about.
    pub fn with_item(mut self, item: Option<&str>) -> Self {
        self.extra.get_or_insert_default().item = item.map(str::to_string);
        self
    }

    /// Names the form field the error is about (`"field"` in the body), so that a
    /// screen can show the message next to it.
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.extra.get_or_insert_default().field = Some(field);
        self
    }

    /// Adds a technical detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.extra.get_or_insert_default().detail = Some(detail.into());
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Full(_) => {
                tracing::error!(error = %e, "write refused: the disk is full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage_full",
                    "Le serveur n'a plus de place pour enregistrer. \
                     Prévenez la personne qui s'occupe du serveur.",
                )
            }
            e => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message, "code": self.code });
        let extra = self.extra.map(|b| *b).unwrap_or_default();
        if let Some(item) = extra.item {
            body["item"] = json!(item);
        }
        if let Some(field) = extra.field {
            body["field"] = json!(field);
        }
        if let Some(detail) = extra.detail {
            body["detail"] = json!(detail);
        }
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// 429 with `Retry-After`: `what` (a sentence: what was tried too often), then
/// how many minutes to wait.
pub fn rate_limited(what: &str, retry_after: u64) -> ApiError {
    let minutes = retry_after.div_ceil(60);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("{what} Réessayez dans {minutes} minute(s)."),
    );
    e.retry_after = Some(retry_after);
    e
}

/// 429 for too many failed logins.
pub fn too_many(retry_after: u64) -> ApiError {
    rate_limited("Trop de tentatives de connexion.", retry_after)
}

/// Waits until the changes made so far are on disk (what the answer confirms must
/// last): 500 when the flush fails.
pub async fn durable(state: &Shared) -> Result<(), ApiError> {
    state
        .commit
        .commit()
        .await
        .map_err(|e| ApiError::internal(format!("flush failed: {e}")))
}

/// Maps a body that could not be read (too large, cut) to an error.
pub fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "Le contenu envoyé est trop gros (limite : {} Kio).",
                BODY_LIMIT / 1024
            ),
        )
    } else {
        ApiError::bad_request(format!(
            "Le contenu envoyé n'a pas pu être lu : {rejection}"
        ))
    }
}

/// Parses a JSON body: 400 with line and column for bad JSON, 422 for a wrong shape
/// or an unknown field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    use serde_json::error::Category;
    serde_json::from_slice(body).map_err(|e| {
        let msg = e.to_string();
        match e.classify() {
            Category::Data => ApiError::unprocessable(format!("Contenu invalide : {msg}")),
            _ => ApiError::bad_request(format!(
                "JSON invalide ligne {}, colonne {} : {msg}",
                e.line(),
                e.column()
            )),
        }
    })
}

/// A logged-in staff member. Extracting it authenticates the request and, for any
/// method other than GET/HEAD/OPTIONS, checks CSRF and Origin.
pub struct Staff {
    /// The account.
    pub user: User,
    /// The session.
    pub session: LoginSession,
    /// Digest of the cookie token (the session's key).
    pub token_hash: String,
    /// The client's address (for rate limits; never logged).
    pub peer: Option<std::net::IpAddr>,
}

impl Staff {
    /// 403 unless the account has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            Err(ApiError::forbidden(format!(
                "Cette action est réservée aux comptes : {}.",
                names.join(", ")
            )))
        }
    }

    /// The structure of the account.
    pub fn structure(&self) -> u64 {
        self.user.structure
    }
}

/// The session cookie's token, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    auth::server_cookie(headers, auth::SESSION_COOKIE)
}

/// Whether the cookies of an answer are `Secure` (and `__Host-` named): always
/// with `--secure-cookies`, never with `--plain-http`, otherwise unless the request
/// is for a loopback host (`localhost`, 127.0.0.1: a browser on the server's own
/// machine, where there is no TLS). Any other host is taken to be reached over
/// HTTPS, as a deployment must be.
pub fn secure_cookies(config: &Config, headers: &HeaderMap) -> bool {
    if config.secure_cookies {
        return true;
    }
    if config.plain_http {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    !crate::guard::is_loopback_host(host)
}

/// Refuses a cross-site request: an `Origin` (or `Sec-Fetch-Site: cross-site`) that
/// is not this server.
pub fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return Err(ApiError::forbidden(
            "Requête refusée : elle vient d'un autre site.",
        ));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Requête refusée : elle vient d'un autre site.",
        ))
    }
}

/// What an admin whose structure requires a second factor, and who has none yet,
/// may still do: read their account, set one up, change their password, log out.
fn allowed_before_second_factor(path: &str) -> bool {
    let path = path.strip_prefix("/api").unwrap_or(path);
    matches!(
        path,
        "/me" | "/me/password" | "/me/totp" | "/me/totp/confirm" | "/logout"
    )
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(&parts.headers) else {
            return Err(ApiError::unauthorized("Connectez-vous pour continuer."));
        };
        let token_hash = auth::token_digest(&token);
        let Some(session) = state.store.login(&token_hash)? else {
            return Err(ApiError::unauthorized(
                "Votre session a expiré. Connectez-vous à nouveau.",
            ));
        };
        if session.expires_at <= state.clock.now_ms() {
            state.store.remove_login(&token_hash)?;
            return Err(ApiError::unauthorized(
                "Votre session a expiré. Connectez-vous à nouveau.",
            ));
        }
        let Some(user) = state.store.user(session.user)? else {
            return Err(ApiError::unauthorized("Ce compte n'existe plus."));
        };
        if user.disabled {
            // Disabling removes the account's sessions; this is the second lock.
            state.store.remove_login(&token_hash)?;
            return Err(ApiError::unauthorized(session::DISABLED_MESSAGE));
        }
        if !is_safe(&parts.method) {
            check_origin(&parts.headers)?;
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent.is_empty() || !auth::ct_eq(sent.as_bytes(), session.csrf.as_bytes()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "Jeton de sécurité manquant ou invalide (X-CSRF-Token). Rechargez la page.",
                ));
            }
        }
        if !allowed_before_second_factor(parts.uri.path())
            && session::needs_second_factor(state, &user)?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_required",
                second_factor::REQUIRED_MESSAGE,
            ));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Staff {
            user,
            session,
            token_hash,
            peer,
        })
    }
}

/// Runs a blocking closure off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// The `/api` routes.
pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/login", post(session::login))
        .route("/login/totp", post(session::login_second_factor))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/me/password", post(session::change_password))
        .route(
            "/me/totp",
            post(second_factor::start).delete(second_factor::remove),
        )
        .route("/me/totp/confirm", post(second_factor::confirm))
        .route("/results", post(results::submit))
        .route(
            "/screenings",
            get(results::recent_screenings).post(results::start_screening),
        )
        .route("/screenings/{id}/result", post(results::submit_screening))
        .route(
            "/results/{code}",
            get(results::show).delete(results::remove),
        )
        .route("/results/{code}/sheet", get(results::sheet))
        .route("/results/{code}/attach", post(results::attach))
        .route("/results/{code}/data", get(results::data))
        .route("/profiles", get(trainer::list))
        .route("/groups", get(trainer::groups))
        .route("/groups/sheet", get(trainer::groups_sheet))
        .route("/export", get(trainer::export))
        .route("/export/technical", get(trainer::export_technical))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/users/{id}/enable", post(admin::enable_user))
        .route("/admin/users/{id}/totp", delete(second_factor::reset))
        .route(
            "/admin/structure/second-factor",
            post(second_factor::set_required),
        )
        .route("/admin/kiosks", get(admin::kiosks).post(admin::add_kiosk))
        .route("/admin/kiosks/{id}", delete(admin::remove_kiosk))
        .route("/admin/kiosks/{id}/code", post(admin::kiosk_code))
        .route("/places", get(places::suggestions))
        .route("/places/page", get(places::page))
        .route("/admin/structure", get(places::structure))
        .route("/admin/structure/location", post(places::set_location))
        .route("/kiosk/places", get(places::kiosk))
        .route("/kiosk", get(kiosk::status))
        .route("/kiosk/pair", post(kiosk::pair))
        .route("/kiosk/unpair", post(kiosk::unpair))
        .route("/local", post(local::run))
        .fallback(|| async { ApiError::not_found("Adresse inconnue.") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(state);
    Router::new().nest("/api", api)
}

async fn health(
    axum::extract::State(state): axum::extract::State<Shared>,
) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "engine_version": repere_engine::ENGINE_VERSION,
        "referentiel": { "id": state.bank.id(), "version": state.bank.version() },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_answers_507_with_a_message_and_other_store_errors_500() {
        let full = ApiError::from(StoreError::Full("No space left on device".into()));
        assert_eq!(full.status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(full.code, "storage_full");
        assert!(full.message.contains("plus de place"), "{}", full.message);
        let other = ApiError::from(StoreError::Backend("broken".into()));
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!other.message.contains("broken"), "no detail is shown");
    }
}
