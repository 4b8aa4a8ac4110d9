//! `POST /api/login`, `POST /api/logout`, `GET /api/me`, and
//! `POST /api/me/password` (a person changes their own password).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, body_error, check_origin, parse_json, too_many, ApiError, Shared, Staff};
use crate::admin_ops::{self, AdminError};
use crate::auth;
use crate::records::{LoginSession, User, SCHEMA_VERSION};

/// What a disabled account reads when it tries to log in (or its session ends).
pub const DISABLED_MESSAGE: &str =
    "Ce compte est désactivé. Demandez à l'administrateur de votre structure.";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: String,
    password: String,
}

fn user_view(state: &Shared, user: &User, csrf: &str) -> Result<Value, ApiError> {
    let structure = state.store.structure(user.structure)?;
    Ok(json!({
        "user": {
            "id": user.id,
            "login": user.login,
            "role": user.role.name(),
            "role_label": user.role.label(),
            "structure": {
                "id": user.structure,
                "name": structure.map(|s| s.name),
            },
        },
        "csrf_token": csrf,
    }))
}

/// Checks a login and password as the login form does, with the same limits on
/// failures (per account and per client address, 429 with `Retry-After`): the
/// account, if the password is right and the account active. Used by the login
/// and by the kiosk's unpairing, where an admin types their credentials.
pub(super) async fn check_credentials(
    state: &Shared,
    peer: std::net::IpAddr,
    login: &str,
    password: String,
) -> Result<User, ApiError> {
    let now = state.clock.now_ms();
    let login = auth::normalise_login(login).unwrap_or_default();
    let account_key = format!("login:{login}");
    let ip_key = format!("ip:{peer}");
    if let Err(wait) = state.limit_ip.check(&ip_key, now) {
        // No address in the log: an IP address is personal data.
        tracing::warn!("login refused: too many failures from one address");
        return Err(too_many(wait));
    }
    if let Err(wait) = state.limit_account.check(&account_key, now) {
        tracing::warn!("login refused: too many failures for this account");
        return Err(too_many(wait));
    }
    let user = if login.is_empty() {
        None
    } else {
        state.store.user_by_login(&login)?
    };
    let hash = user.as_ref().map_or_else(
        || auth::dummy_hash().to_string(),
        |u| u.password_hash.clone(),
    );
    let ok = blocking(move || auth::verify_password(&hash, &password)).await?;
    let Some(user) = user.filter(|_| ok) else {
        state.limit_account.fail(&account_key, now);
        state.limit_ip.fail(&ip_key, now);
        return Err(ApiError::unauthorized(
            "Identifiant ou mot de passe incorrect.",
        ));
    };
    state.limit_account.clear(&account_key);
    if user.disabled {
        // Said only to whoever knows the password: it reveals nothing to others.
        tracing::info!(user = user.id, "login refused: account disabled");
        return Err(ApiError::forbidden(DISABLED_MESSAGE));
    }
    Ok(user)
}

/// Logs in: sets the session cookie and returns the account and the CSRF token.
pub async fn login(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    let body: LoginBody = parse_json(&body.map_err(body_error)?)?;
    let user = check_credentials(&state, peer.ip(), &body.login, body.password).await?;
    let now = state.clock.now_ms();
    let token = auth::random_token().map_err(ApiError::internal)?;
    let csrf = auth::random_token().map_err(ApiError::internal)?;
    let session = LoginSession {
        v: SCHEMA_VERSION,
        user: user.id,
        csrf: csrf.clone(),
        created_at: now,
        expires_at: now + state.config.session_ttl_ms,
    };
    state
        .store
        .put_login(&auth::token_digest(&token), &session)?;
    tracing::info!(user = user.id, role = user.role.name(), "login");
    let cookie = auth::session_cookie(
        &token,
        state.config.session_ttl_ms / 1000,
        state.config.secure_cookies,
    );
    let body = user_view(&state, &user, &csrf)?;
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Logs out: deletes the session and the cookie.
pub async fn logout(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // Read (and ignore) the body so that the connection stays usable.
    body.map_err(body_error)?;
    state.store.remove_login(&staff.token_hash)?;
    tracing::info!(user = staff.user.id, "logout");
    let cookie = auth::clear_cookie(state.config.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The logged-in account and its CSRF token.
pub async fn me(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    Ok(Json(user_view(&state, &staff.user, &staff.session.csrf)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current: String,
    new: String,
}

/// `POST /api/me/password` `{"current": "...", "new": "..."}`: the logged-in person
/// changes their password. The current one is required (a wrong one counts as a
/// failed login of the account); the new one follows the policy (12 characters at
/// least). Every other session of the account ends; this one stays.
pub async fn change_password(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let body: PasswordBody = parse_json(&body.map_err(body_error)?)?;
    let now = state.clock.now_ms();
    let account_key = format!("login:{}", staff.user.login);
    if let Err(wait) = state.limit_account.check(&account_key, now) {
        return Err(too_many(wait));
    }
    let hash = staff.user.password_hash.clone();
    let current = body.current;
    let ok = blocking(move || auth::verify_password(&hash, &current)).await?;
    if !ok {
        state.limit_account.fail(&account_key, now);
        return Err(
            ApiError::unprocessable("Le mot de passe actuel n'est pas le bon.")
                .with_field("current"),
        );
    }
    let (store, user, keep, new) = (
        state.store.clone(),
        staff.user.clone(),
        staff.token_hash.clone(),
        body.new,
    );
    let ended = blocking(move || admin_ops::set_password(store.as_ref(), &user, &new, Some(&keep)))
        .await?
        .map_err(|e| match e {
            AdminError::Input(m) => ApiError::unprocessable(m).with_field("new"),
            AdminError::Other(m) => ApiError::internal(m),
        })?;
    state
        .commit
        .commit()
        .await
        .map_err(|e| ApiError::internal(format!("flush failed: {e}")))?;
    tracing::info!(
        user = staff.user.id,
        sessions_ended = ended,
        "password changed"
    );
    Ok(StatusCode::NO_CONTENT)
}
