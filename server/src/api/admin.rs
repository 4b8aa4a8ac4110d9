//! Structure administrators: accounts and kiosks of their own structure.
//!
//! Accounts: list, add (the server makes the login from the name given), reset a
//! password (a new one typed by the admin, or one generated and shown once),
//! disable and enable. Every account an admin names by
//! id must belong to their structure (another structure's answers 404, like a
//! missing one); the last active admin of a structure cannot be disabled.
//!
//! Kiosks: list (installed or not, a code waiting or not), add (with its pairing
//! code, shown once), a new pairing code (to install the kiosk on another device
//! or again), remove. Kiosks too are named by id and must be the structure's.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, body_error, durable, parse_json, ApiError, Shared, Staff};
use crate::admin_ops::{self, AccountError, AccountRefusal, AdminError, PAIRING_VALID_DAYS};
use crate::auth;
use crate::records::{Kiosk, Role, User};

fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::Input(m) => ApiError::unprocessable(m),
        AdminError::Other(m) => ApiError::internal(m),
    }
}

/// `GET /api/admin/users`: the structure's accounts (each with whether it has a
/// second factor), and whether the structure requires one of its admins.
pub async fn users(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let users = state.store.users_of_structure(staff.structure())?;
    let required = state
        .store
        .structure(staff.structure())?
        .is_some_and(|s| s.second_factor_required);
    Ok(Json(json!({
        "second_factor_required": required,
        "users": users.iter().map(|u| json!({
            "id": u.id,
            "login": u.login,
            "role": u.role.name(),
            "role_label": u.role.label(),
            "active": !u.disabled,
            "second_factor": u.has_second_factor(),
            "me": u.id == staff.user.id,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    /// The name the login is made from (`marie` gives `marie.k7p2`).
    login: String,
    role: String,
    password: String,
}

/// `POST /api/admin/users` `{login, role, password}`: adds an account to the
/// structure. The server makes its login from the name given (`marie.k7p2`:
/// [`admin_ops::NewLogin::MadeFrom`]) and answers it: the answer is the same
/// whatever the logins of other structures.
pub async fn add_user(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: NewUser = parse_json(&body.map_err(body_error)?)?;
    // Checked here first so that each message names its field (the screen shows
    // it next to that field).
    let name = admin_ops::account_name(&body.login)
        .map_err(|m| ApiError::unprocessable(m).with_field("login"))?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::unprocessable("Rôle inconnu : choisissez agent, trainer ou admin.")
            .with_field("role")
    })?;
    auth::check_password_policy(&body.password, &[&name])
        .map_err(|m| ApiError::unprocessable(m).with_field("password"))?;
    let (store, clock, structure) = (state.store.clone(), state.clock, staff.structure());
    let user = blocking(move || {
        admin_ops::create_user(
            store.as_ref(),
            &clock,
            structure,
            role,
            admin_ops::NewLogin::MadeFrom(&name),
            &body.password,
        )
    })
    .await?
    .map_err(admin_error)?;
    durable(&state).await?;
    tracing::info!(target: "security",
        by = staff.user.id,
        user = user.id,
        role = role.name(),
        "account created"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": user.id, "login": user.login, "role": user.role.name() })),
    )
        .into_response())
}

/// The account `id` of the admin's structure, or 404.
pub(super) fn account_of(state: &Shared, staff: &Staff, id: &str) -> Result<User, ApiError> {
    let not_found = || ApiError::not_found("Compte introuvable.");
    let id: u64 = id.trim().parse().map_err(|_| not_found())?;
    state
        .store
        .user(id)?
        .filter(|u| u.structure == staff.structure())
        .ok_or_else(not_found)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    /// The new password; absent or null: one is generated and shown once.
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/admin/users/{id}/password` `{"password": "..."}` or `{}`: sets a new
/// password for an account of the structure; with no password given, generates
/// one and returns it (shown once). The account's login sessions end.
pub async fn reset_password(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let body = body.map_err(body_error)?;
    let user = account_of(&state, &staff, &id)?;
    let body: NewPassword = if body.is_empty() {
        NewPassword { password: None }
    } else {
        parse_json(&body)?
    };
    let (password, generated) = match body.password.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (
            admin_ops::generate_password().map_err(ApiError::internal)?,
            true,
        ),
    };
    let (store, target, pw) = (state.store.clone(), user.clone(), password.clone());
    // The admin's own session stays when they reset their own password here.
    let keep = (user.id == staff.user.id).then(|| staff.token_hash.clone());
    let ended =
        blocking(move || admin_ops::set_password(store.as_ref(), &target, &pw, keep.as_deref()))
            .await?
            .map_err(|e| match e {
                AdminError::Input(m) => ApiError::unprocessable(m).with_field("password"),
                AdminError::Other(m) => ApiError::internal(m),
            })?;
    durable(&state).await?;
    tracing::info!(target: "security",
        by = staff.user.id,
        user = user.id,
        generated,
        sessions_ended = ended,
        "password reset"
    );
    Ok(Json(json!({
        "id": user.id,
        "login": user.login,
        "password": generated.then_some(password),
        "sessions_ended": ended,
    })))
}

async fn set_active(
    state: Shared,
    staff: Staff,
    id: String,
    body: Result<Bytes, BytesRejection>,
    active: bool,
) -> Result<Json<Value>, ApiError> {
    // Read (and ignore) the body: a body left unread spoils the connection.
    body.map_err(body_error)?;
    staff.require(&[Role::Admin])?;
    let user = account_of(&state, &staff, &id)?;
    let (store, target) = (state.store.clone(), user.clone());
    let ended = blocking(move || admin_ops::set_active(store.as_ref(), &target, active))
        .await?
        .map_err(|e| match e {
            AccountError::Refused(AccountRefusal::LastAdmin) => ApiError::new(
                StatusCode::CONFLICT,
                "last_admin",
                if user.id == staff.user.id {
                    "Vous êtes le dernier administrateur actif de la structure. \
                     Ajoutez d'abord un autre administrateur."
                } else {
                    "C'est le dernier administrateur actif de la structure. \
                     Ajoutez d'abord un autre administrateur."
                },
            ),
            AccountError::Admin(AdminError::Input(m)) => ApiError::unprocessable(m),
            AccountError::Admin(AdminError::Other(m)) => ApiError::internal(m),
        })?;
    durable(&state).await?;
    tracing::info!(target: "security",
        by = staff.user.id,
        user = user.id,
        active,
        sessions_ended = ended,
        "account active state set"
    );
    Ok(Json(json!({
        "id": user.id,
        "login": user.login,
        "active": active,
        "sessions_ended": ended,
    })))
}

/// `POST /api/admin/users/{id}/disable`: the account can no longer log in; its
/// login sessions end at once.
pub async fn disable_user(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, staff, id, body, false).await
}

/// `POST /api/admin/users/{id}/enable`: the account can log in again.
pub async fn enable_user(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, staff, id, body, true).await
}

/// `GET /api/admin/kiosks`: the structure's kiosks, each with whether a device is
/// installed (`installed`, since `paired_date` when known) and whether a pairing
/// code waits (`code_waiting`, valid until `code_expires`). Dates are days in the
/// structure's time zone.
pub async fn kiosks(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let kiosks = state.store.kiosks_of_structure(staff.structure())?;
    let tz = crate::view::structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let now = state.clock.now_ms();
    let date = |ms: i64| crate::clock::format_date_fr(ms, &tz);
    Ok(Json(json!({
        "kiosks": kiosks.iter().map(|k| {
            let waiting = k.pairing.as_ref().filter(|p| p.expires_at > now);
            json!({
                "id": k.id,
                "name": k.name,
                "created_at": k.created_at,
                "date": date(k.created_at),
                "installed": k.token_hash.is_some(),
                "paired_date": k.paired_at.map(date),
                "code_waiting": waiting.is_some(),
                "code_expires": waiting.map(|p| date(p.expires_at)),
            })
        }).collect::<Vec<_>>(),
    })))
}

/// The answer that shows a kiosk's new pairing code (once).
fn code_answer(
    state: &Shared,
    staff: &Staff,
    kiosk: &Kiosk,
    code: &str,
) -> Result<Value, ApiError> {
    let tz = crate::view::structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let expires_at = kiosk.pairing.as_ref().map_or(0, |p| p.expires_at);
    Ok(json!({
        "id": kiosk.id,
        "name": kiosk.name,
        "code": code,
        "expires_at": expires_at,
        "expires": crate::clock::format_datetime_fr(expires_at, &tz),
        "valid_days": PAIRING_VALID_DAYS,
        "note": format!(
            "Ce code marche une seule fois, pendant {PAIRING_VALID_DAYS}\u{a0}jours. Notez-le maintenant\u{a0}: il ne sera plus affiché."
        ),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKiosk {
    name: String,
}

/// `POST /api/admin/kiosks` `{"name": "..."}`: registers a kiosk; its pairing code
/// (`XXXX-XXXX-XX`, valid 7 days, usable once) is in this answer only.
pub async fn add_kiosk(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: NewKiosk = parse_json(&body.map_err(body_error)?)?;
    admin_ops::check_name(&body.name).map_err(|m| ApiError::unprocessable(m).with_field("name"))?;
    let (kiosk, code) = admin_ops::create_kiosk(
        state.store.as_ref(),
        &state.clock,
        staff.structure(),
        &body.name,
    )
    .map_err(admin_error)?;
    durable(&state).await?;
    tracing::info!(target: "security", by = staff.user.id, kiosk = kiosk.id, "kiosk registered");
    Ok((
        StatusCode::CREATED,
        Json(code_answer(&state, &staff, &kiosk, &code)?),
    )
        .into_response())
}

/// The kiosk `id` of the admin's structure, or 404.
fn kiosk_of(state: &Shared, staff: &Staff, id: &str) -> Result<Kiosk, ApiError> {
    let not_found = || ApiError::not_found("Borne introuvable.");
    let id: u64 = id.trim().parse().map_err(|_| not_found())?;
    state
        .store
        .kiosk(id)?
        .filter(|k| k.structure == staff.structure())
        .ok_or_else(not_found)
}

/// `POST /api/admin/kiosks/{id}/code`: a new pairing code for a kiosk of the
/// structure (in this answer only). The previous code stops working; the device
/// that uses the new one becomes the kiosk, and the current device, if any, stops
/// being it.
pub async fn kiosk_code(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    // Read (and ignore) the body: a body left unread spoils the connection.
    body.map_err(body_error)?;
    staff.require(&[Role::Admin])?;
    let kiosk = kiosk_of(&state, &staff, &id)?;
    let (kiosk, code) = admin_ops::renew_kiosk_code(state.store.as_ref(), &state.clock, kiosk.id)
        .map_err(admin_error)?
        .ok_or_else(|| ApiError::not_found("Borne introuvable."))?;
    durable(&state).await?;
    tracing::info!(target: "security",
        by = staff.user.id,
        kiosk = kiosk.id,
        "kiosk pairing code renewed"
    );
    Ok(Json(code_answer(&state, &staff, &kiosk, &code)?))
}

/// `DELETE /api/admin/kiosks/{id}`: unregisters a kiosk (its device token and
/// pairing code stop working; its device stays in kiosk mode, and its results
/// are stored as anonymous, until an admin unpairs it at `/borne`).
pub async fn remove_kiosk(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    staff.require(&[Role::Admin])?;
    let kiosk = kiosk_of(&state, &staff, &id)?;
    if !state.store.remove_kiosk(kiosk.id)? {
        return Err(ApiError::not_found("Borne introuvable."));
    }
    durable(&state).await?;
    tracing::info!(target: "security", by = staff.user.id, kiosk = kiosk.id, "kiosk removed");
    Ok(StatusCode::NO_CONTENT)
}
