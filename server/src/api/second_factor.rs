//! The second factor of staff accounts (`crate::totp`), over HTTP.
//!
//! - `POST /api/me/totp`: starts setting one up: a new secret, shown as its
//!   `otpauth://` address, a QR code (SVG) and the secret in groups of 4; kept as
//!   pending, not asked at login yet.
//! - `POST /api/me/totp/confirm {"code"}`: a right code of the pending secret
//!   makes it the account's second factor, and answers the 8 recovery codes
//!   (shown this once; the store keeps their SHA-256).
//! - `DELETE /api/me/totp {"password", "code"}`: removes it, unless the
//!   account's structure requires one of its admins.
//! - `DELETE /api/admin/users/{id}/totp`: an admin removes another account's
//!   second factor (a lost phone); the account sets one up again.
//! - `POST /api/admin/structure/second-factor {"required"}`: an admin requires
//!   one of every admin of their structure (`Structure::second_factor_required`).
//!
//! Every change is in the security log, with ids only.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, body_error, durable, parse_json, too_many, ApiError, Shared, Staff};
use crate::auth;
use crate::ratelimit::Device;
use crate::records::{PendingSecondFactor, Role, User};
use crate::totp::{self, Proof};

/// Checks the code typed for `user`'s second factor at a login (or a kiosk's
/// unpairing), under the login limits of this account and browser: a wrong code
/// counts as a failed login (`Limits::login_failed`), a right one forgets this
/// browser's failures. A code is used up (the same code does not pass twice).
pub(super) async fn prove(
    state: &Shared,
    user: &User,
    peer: IpAddr,
    headers: &HeaderMap,
    code: &str,
) -> Result<Proof, ApiError> {
    let now = state.clock.now_ms();
    let cookie = auth::server_cookie(headers, auth::DEVICE_COOKIE).unwrap_or_default();
    let device = match auth::known_device(&state.device_key, &cookie, &user.login) {
        Some(id) => Device::Known(id),
        None => Device::Unknown,
    };
    if let Err(wait) = state.limits.login_check(&user.login, peer, device, now) {
        tracing::warn!(target: "security", user = user.id, "second factor refused: too many failures");
        return Err(too_many(wait));
    }
    match totp::use_code(state.store.as_ref(), user.id, code, now)? {
        Some(proof) => {
            state.limits.login_succeeded(&user.login, peer, device);
            // The used step or recovery code must stay used across a crash.
            durable(state).await?;
            if let Proof::Recovery { left } = proof {
                tracing::info!(target: "security", user = user.id, left, "recovery code used");
            }
            Ok(proof)
        }
        None => {
            tracing::info!(target: "security", user = user.id, "second factor failed");
            state.limits.login_failed(&user.login, peer, device, now);
            durable(state).await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_wrong",
                "Ce code n'est pas le bon. Écrivez le code affiché maintenant par votre application.",
            )
            .with_field("code"))
        }
    }
}

/// 409 with a code.
fn conflict(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// `POST /api/me/totp`: a new secret for the logged-in account, pending until
/// confirmed: `{"uri", "secret", "secret_grouped", "qr_svg", "issuer",
/// "account"}`. A second setup replaces a pending one; an active second factor
/// must be removed first (409 `second_factor_active`).
pub async fn start(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    // Read (and ignore) the body: a body left unread spoils the connection.
    body.map_err(body_error)?;
    if staff.user.has_second_factor() {
        return Err(conflict(
            "second_factor_active",
            "La double authentification est déjà active sur ce compte.",
        ));
    }
    let secret = totp::new_secret().map_err(ApiError::internal)?;
    let uri = totp::uri(&secret, &staff.user.login).map_err(ApiError::internal)?;
    let qr = totp::qr_svg(&uri).map_err(ApiError::internal)?;
    let pending = PendingSecondFactor {
        secret: secret.clone(),
        created_at: state.clock.now_ms(),
    };
    let written = state.store.modify_user(staff.user.id, &|u: &mut User| {
        if u.has_second_factor() {
            return false;
        }
        u.second_factor_pending = Some(pending.clone());
        true
    })?;
    if written.is_none() {
        return Err(conflict(
            "second_factor_active",
            "La double authentification est déjà active sur ce compte.",
        ));
    }
    durable(&state).await?;
    tracing::info!(target: "security", user = staff.user.id, "second factor setup started");
    Ok(Json(json!({
        "uri": uri,
        "secret": secret,
        "secret_grouped": totp::grouped(&secret),
        "qr_svg": qr,
        "issuer": totp::ISSUER,
        "account": staff.user.login,
        "valid_minutes": totp::PENDING_TTL_MS / 60_000,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

/// `POST /api/me/totp/confirm` `{"code": "123456"}`: a right code of the pending
/// secret makes it the account's second factor; answers `{"recovery_codes":
/// [8 codes]}`, shown this once. A wrong code: 422 on the field `code`.
pub async fn confirm(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body: CodeBody = parse_json(&body.map_err(body_error)?)?;
    let now = state.clock.now_ms();
    if staff.user.has_second_factor() {
        return Err(conflict(
            "second_factor_active",
            "La double authentification est déjà active sur ce compte.",
        ));
    }
    let expired = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "second_factor_not_started",
            "Le temps pour finir est passé. Recommencez depuis le début.",
        )
    };
    let Some(pending) = staff
        .user
        .second_factor_pending
        .clone()
        .filter(|p| p.created_at + totp::PENDING_TTL_MS > now)
    else {
        return Err(expired());
    };
    let wrong = || {
        ApiError::unprocessable(
            "Ce code n'est pas le bon. Vérifiez que l'heure du téléphone est juste, \
             puis écrivez le nouveau code.",
        )
        .with_field("code")
    };
    let Some(totp::Typed::Code(code)) = totp::read(&body.code) else {
        return Err(wrong());
    };
    let Some(step) = totp::check(&pending.secret, &code, now) else {
        return Err(wrong());
    };
    let (shown, kept) = totp::new_recovery_codes().map_err(ApiError::internal)?;
    let active = totp::confirmed(&pending.secret, step, now, kept);
    let written = state.store.modify_user(staff.user.id, &|u: &mut User| {
        // Only the secret that was checked, if it is still the pending one.
        if u.has_second_factor()
            || u.second_factor_pending.as_ref().map(|p| &p.secret) != Some(&pending.secret)
        {
            return false;
        }
        u.second_factor = Some(active.clone());
        u.second_factor_pending = None;
        true
    })?;
    if written.is_none() {
        return Err(expired());
    }
    durable(&state).await?;
    tracing::info!(target: "security", user = staff.user.id, "second factor enabled");
    Ok(Json(json!({
        "recovery_codes": shown,
        "note": "Chaque code de secours marche une seule fois. Notez-les maintenant : ils ne seront plus affichés.",
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveBody {
    password: String,
    code: String,
}

/// The message of an admin whose structure requires a second factor.
pub const REQUIRED_MESSAGE: &str = "Votre structure demande la double authentification \
     pour les administrateurs. Activez-la dans « Mon compte » pour continuer.";

/// `DELETE /api/me/totp` `{"password": "…", "code": "…"}`: the logged-in account
/// removes its second factor, with its password and a code (or a recovery code).
/// Refused (409 `second_factor_required`) for an admin whose structure requires
/// one. Wrong passwords or codes count with the wrong current passwords of
/// `POST /api/me/password` (5 in 15 minutes).
pub async fn remove(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::http::StatusCode, ApiError> {
    let body: RemoveBody = parse_json(&body.map_err(body_error)?)?;
    let now = state.clock.now_ms();
    if !staff.user.has_second_factor() {
        return Err(conflict(
            "second_factor_inactive",
            "La double authentification n'est pas active sur ce compte.",
        ));
    }
    let required = staff.user.role == Role::Admin
        && state
            .store
            .structure(staff.structure())?
            .is_some_and(|s| s.second_factor_required);
    if required {
        return Err(conflict(
            "second_factor_required",
            "Votre structure demande la double authentification pour les administrateurs : \
             vous ne pouvez pas la retirer.",
        ));
    }
    if let Err(wait) = state.limits.password_check(staff.user.id, now) {
        return Err(super::rate_limited("Trop d'essais.", wait));
    }
    let (hash, password) = (staff.user.password_hash.clone(), body.password);
    if !blocking(move || auth::verify_password(&hash, &password)).await? {
        state.limits.password_failed(staff.user.id, now);
        durable(&state).await?;
        return Err(
            ApiError::unprocessable("Le mot de passe n'est pas le bon.").with_field("password")
        );
    }
    if totp::use_code(state.store.as_ref(), staff.user.id, &body.code, now)?.is_none() {
        state.limits.password_failed(staff.user.id, now);
        durable(&state).await?;
        return Err(ApiError::unprocessable(
            "Ce code n'est pas le bon. Écrivez le code affiché maintenant par votre application.",
        )
        .with_field("code"));
    }
    state.limits.password_succeeded(staff.user.id);
    state.store.modify_user(staff.user.id, &|u: &mut User| {
        u.second_factor = None;
        u.second_factor_pending = None;
        true
    })?;
    durable(&state).await?;
    tracing::info!(target: "security", user = staff.user.id, "second factor removed");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/admin/users/{id}/totp`: an admin removes the second factor of
/// another account of their structure (a lost phone, no recovery code left); the
/// account logs in with its password alone, and sets one up again (at once, for
/// an admin of a structure that requires it). Their own: 409 (they remove it in
/// « Mon compte », with their password and a code).
pub async fn reset(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let user = super::admin::account_of(&state, &staff, &id)?;
    if user.id == staff.user.id {
        return Err(conflict(
            "own_account",
            "Pour votre propre compte, utilisez « Mon compte », en haut de la page.",
        ));
    }
    let had = user.has_second_factor();
    state.store.modify_user(user.id, &|u: &mut User| {
        let changed = u.second_factor.is_some() || u.second_factor_pending.is_some();
        u.second_factor = None;
        u.second_factor_pending = None;
        changed
    })?;
    durable(&state).await?;
    tracing::info!(target: "security", by = staff.user.id, user = user.id, had, "second factor reset");
    Ok(Json(json!({
        "id": user.id,
        "login": user.login,
        "second_factor": false,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredBody {
    required: bool,
}

/// `POST /api/admin/structure/second-factor` `{"required": true}`: whether the
/// structure's admins must have a second factor. Turning it on needs one on the
/// admin's own account first (409 `second_factor_missing`): nobody locks
/// themselves out by surprise.
pub async fn set_required(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: RequiredBody = parse_json(&body.map_err(body_error)?)?;
    if body.required && !staff.user.has_second_factor() {
        return Err(conflict(
            "second_factor_missing",
            "Activez d'abord la double authentification pour votre propre compte, dans « Mon compte ».",
        ));
    }
    crate::admin_ops::set_second_factor_required(
        state.store.as_ref(),
        staff.structure(),
        body.required,
    )
    .map_err(|e| ApiError::internal(e.to_string()))?;
    durable(&state).await?;
    tracing::info!(target: "security",
        by = staff.user.id,
        structure = staff.structure(),
        required = body.required,
        "second factor requirement set"
    );
    Ok(Json(json!({ "second_factor_required": body.required })))
}
