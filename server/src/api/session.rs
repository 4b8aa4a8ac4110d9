//! `POST /api/login`, `POST /api/login/totp` (the second factor of a login),
//! `POST /api/logout`, `GET /api/me`, and `POST /api/me/password` (a person
//! changes their own password).
//!
//! A login of an account with a second factor is two steps: the right password
//! answers `{"second_factor": true, "challenge": "…"}` and no session; the
//! challenge (a random token, its SHA-256 kept in the store for
//! [`crate::totp::CHALLENGE_TTL_MS`]) and a right code then open the session,
//! with the same cookies as a login without one.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    blocking, body_error, check_origin, durable, parse_json, too_many, ApiError, Shared, Staff,
};
use crate::admin_ops::{self, AdminError};
use crate::auth;
use crate::ratelimit::Device;
use crate::records::{LoginChallenge, LoginSession, Role, User, SCHEMA_VERSION};
use crate::totp;

/// What a disabled account reads when it tries to log in (or its session ends).
pub const DISABLED_MESSAGE: &str =
    "Ce compte est désactivé. Demandez à l'administrateur de votre structure.";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: String,
    password: String,
}

/// Whether `user` is an admin whose structure requires a second factor and who
/// has none yet: such an account may only set one up (and log out, change its
/// password); every other request is refused with `second_factor_required`.
pub fn needs_second_factor(state: &Shared, user: &User) -> Result<bool, ApiError> {
    if user.role != Role::Admin || user.has_second_factor() {
        return Ok(false);
    }
    Ok(state
        .store
        .structure(user.structure)?
        .is_some_and(|s| s.second_factor_required))
}

fn user_view(state: &Shared, user: &User, csrf: &str) -> Result<Value, ApiError> {
    let structure = state.store.structure(user.structure)?;
    let required =
        user.role == Role::Admin && structure.as_ref().is_some_and(|s| s.second_factor_required);
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
            "second_factor": {
                "active": user.has_second_factor(),
                "required": required,
                "recovery_left": user.second_factor.as_ref().map(|sf| sf.recovery.len()),
            },
            "needs_second_factor": required && !user.has_second_factor(),
        },
        "csrf_token": csrf,
    }))
}

/// Checks a login and password as the login form does, with the same limits on
/// failures (`crate::ratelimit::Limits`: per account and address, per address,
/// per network, and per account for browsers it never logged in from; 429 with
/// `Retry-After`): the account, if the password is right and the account active.
/// Used by the login and by the kiosk's unpairing, where an admin types their
/// credentials. `headers` carry the device cookie, if any. For an account with
/// a second factor, the failures of this browser are forgotten only once its
/// code is right too ([`super::second_factor::prove`]): a right password alone
/// does not reset the count of wrong codes.
pub(super) async fn check_credentials(
    state: &Shared,
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    login: &str,
    password: String,
) -> Result<User, ApiError> {
    let now = state.clock.now_ms();
    let login = auth::normalise_login(login).unwrap_or_default();
    let cookie = auth::server_cookie(headers, auth::DEVICE_COOKIE).unwrap_or_default();
    let device = match auth::known_device(&state.device_key, &cookie, &login) {
        Some(id) => Device::Known(id),
        None => Device::Unknown,
    };
    if let Err(wait) = state.limits.login_check(&login, peer, device, now) {
        // No address or login in the log: both are personal data.
        tracing::warn!(target: "security", known_device = device != Device::Unknown, "login refused: too many failures");
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
    let known = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(target: "security", user = known, known_device = device != Device::Unknown, "login failed");
        state.limits.login_failed(&login, peer, device, now);
        // The failure counts across a restart.
        durable(state).await?;
        return Err(ApiError::unauthorized(
            "Identifiant ou mot de passe incorrect.",
        ));
    };
    if !user.has_second_factor() {
        state.limits.login_succeeded(&login, peer, device);
    }
    if user.disabled {
        // Said only to whoever knows the password: it reveals nothing to others.
        tracing::info!(target: "security", user = user.id, "login refused: account disabled");
        return Err(ApiError::forbidden(DISABLED_MESSAGE));
    }
    Ok(user)
}

/// Logs in: sets the session cookie and returns the account and the CSRF token;
/// for an account with a second factor, answers `{"second_factor": true,
/// "challenge": "…"}` instead, and no session yet (`POST /api/login/totp`).
pub async fn login(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    let body: LoginBody = parse_json(&body.map_err(body_error)?)?;
    let user = check_credentials(&state, peer.ip(), &headers, &body.login, body.password).await?;
    if !user.has_second_factor() {
        return open_session(&state, &headers, &user, None);
    }
    let now = state.clock.now_ms();
    let token = auth::random_token().map_err(ApiError::internal)?;
    let challenge = LoginChallenge {
        v: SCHEMA_VERSION,
        user: user.id,
        created_at: now,
        expires_at: now + totp::CHALLENGE_TTL_MS,
        failures: 0,
    };
    state
        .store
        .put_challenge(&auth::token_digest(&token), &challenge)?;
    tracing::info!(target: "security", user = user.id, "login password right, second factor asked");
    Ok(Json(json!({
        "second_factor": true,
        "challenge": token,
        "expires_in": totp::CHALLENGE_TTL_MS / 1000,
    }))
    .into_response())
}

/// Opens a login session for `user`: the session and device cookies, and the
/// account with its CSRF token. `second_factor`: how the second factor was
/// proved, if one was (for the security log).
fn open_session(
    state: &Shared,
    headers: &HeaderMap,
    user: &User,
    second_factor: Option<totp::Proof>,
) -> Result<Response, ApiError> {
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
    tracing::info!(target: "security",
        user = user.id,
        role = user.role.name(),
        second_factor = second_factor.map(totp::Proof::name),
        "login"
    );
    let secure = super::secure_cookies(&state.config, headers);
    let cookie = auth::session_cookie(&token, state.config.session_ttl_ms / 1000, secure);
    let nonce = auth::random_token().map_err(ApiError::internal)?;
    let device = auth::device_cookie_value(
        &state.device_key,
        auth::server_cookie(headers, auth::DEVICE_COOKIE).as_deref(),
        &user.login,
        &nonce[..16],
    );
    let device = auth::cookie(
        auth::DEVICE_COOKIE,
        &device,
        auth::DEVICE_COOKIE_MAX_AGE_SECS,
        secure,
    );
    let body = user_view(state, user, &csrf)?;
    let mut resp = Json(body).into_response();
    super::kiosk::set_cookie(&mut resp, &cookie);
    super::kiosk::set_cookie(&mut resp, &device);
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecondStepBody {
    challenge: String,
    code: String,
}

/// What a login whose challenge is gone or expired reads.
const CHALLENGE_GONE: &str =
    "Le temps pour écrire le code est passé. Écrivez à nouveau votre identifiant et votre mot de passe.";

/// `POST /api/login/totp` `{"challenge": "…", "code": "123456"}`: the second step
/// of a login. A right code (of the authenticator app, not used before, or an
/// unused recovery code) opens the session as [`login`] does; a wrong one counts
/// as a failed login of the account from this browser (the same limits), and
/// after [`totp::CHALLENGE_MAX_FAILURES`] the challenge ends (the password is
/// asked again). A challenge works once, for [`totp::CHALLENGE_TTL_MS`].
pub async fn login_second_factor(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_origin(&headers)?;
    let body: SecondStepBody = parse_json(&body.map_err(body_error)?)?;
    let gone = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "challenge_expired",
            CHALLENGE_GONE,
        )
    };
    let hash = auth::token_digest(body.challenge.trim());
    let now = state.clock.now_ms();
    let Some(mut challenge) = state.store.challenge(&hash)? else {
        return Err(gone());
    };
    if challenge.expires_at <= now {
        state.store.remove_challenge(&hash)?;
        return Err(gone());
    }
    let Some(user) = state.store.user(challenge.user)? else {
        state.store.remove_challenge(&hash)?;
        return Err(gone());
    };
    if user.disabled {
        state.store.remove_challenge(&hash)?;
        return Err(ApiError::forbidden(DISABLED_MESSAGE));
    }
    match super::second_factor::prove(&state, &user, peer.ip(), &headers, &body.code).await {
        Ok(proof) => {
            // Used once: of two requests with one challenge, one goes on.
            if !state.store.remove_challenge(&hash)? {
                return Err(gone());
            }
            open_session(&state, &headers, &user, Some(proof))
        }
        Err(e) => {
            if e.status == StatusCode::UNAUTHORIZED {
                challenge.failures += 1;
                if challenge.failures >= totp::CHALLENGE_MAX_FAILURES {
                    state.store.remove_challenge(&hash)?;
                    tracing::info!(target: "security", user = user.id, "login challenge ended: too many wrong codes");
                } else {
                    state.store.put_challenge(&hash, &challenge)?;
                }
            }
            Err(e)
        }
    }
}

/// Logs out: deletes the session and the cookie.
pub async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // Read (and ignore) the body so that the connection stays usable.
    body.map_err(body_error)?;
    state.store.remove_login(&staff.token_hash)?;
    tracing::info!(target: "security", user = staff.user.id, "logout");
    let secure = super::secure_cookies(&state.config, &headers);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    super::kiosk::set_cookie(&mut resp, &auth::clear_cookie(auth::SESSION_COOKIE, secure));
    Ok(resp)
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
    if let Err(wait) = state.limits.password_check(staff.user.id, now) {
        return Err(too_many(wait));
    }
    let hash = staff.user.password_hash.clone();
    let current = body.current;
    let ok = blocking(move || auth::verify_password(&hash, &current)).await?;
    if !ok {
        state.limits.password_failed(staff.user.id, now);
        return Err(
            ApiError::unprocessable("Le mot de passe actuel n'est pas le bon.")
                .with_field("current"),
        );
    }
    state.limits.password_succeeded(staff.user.id);
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
    tracing::info!(target: "security",
        user = staff.user.id,
        sessions_ended = ended,
        "password changed"
    );
    Ok(StatusCode::NO_CONTENT)
}
