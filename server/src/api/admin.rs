//! Structure administrators: accounts and kiosks of their own structure.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, body_error, parse_json, ApiError, Shared, Staff};
use crate::admin_ops::{self, AdminError};
use crate::records::Role;

fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::Input(m) => ApiError::unprocessable(m),
        AdminError::Other(m) => ApiError::internal(m),
    }
}

/// Waits until the change is on disk (a kiosk token is shown once: it must last).
async fn durable(state: &Shared) -> Result<(), ApiError> {
    state
        .commit
        .commit()
        .await
        .map_err(|e| ApiError::internal(format!("flush failed: {e}")))
}

/// `GET /api/admin/users`: the structure's accounts.
pub async fn users(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let users = state.store.users_of_structure(staff.structure())?;
    Ok(Json(json!({
        "users": users.iter().map(|u| json!({
            "id": u.id,
            "login": u.login,
            "role": u.role.name(),
            "role_label": u.role.label(),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    login: String,
    role: String,
    password: String,
}

/// `POST /api/admin/users`: adds an account to the structure.
pub async fn add_user(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: NewUser = parse_json(&body.map_err(body_error)?)?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::unprocessable("Rôle inconnu : choisissez agent, trainer ou admin.")
    })?;
    let (store, clock, structure) = (state.store.clone(), state.clock, staff.structure());
    let user = blocking(move || {
        admin_ops::create_user(
            store.as_ref(),
            &clock,
            structure,
            role,
            &body.login,
            &body.password,
        )
    })
    .await?
    .map_err(admin_error)?;
    durable(&state).await?;
    tracing::info!(
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

/// `GET /api/admin/kiosks`: the structure's kiosks.
pub async fn kiosks(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let kiosks = state.store.kiosks_of_structure(staff.structure())?;
    Ok(Json(json!({
        "kiosks": kiosks.iter().map(|k| json!({ "id": k.id, "name": k.name, "created_at": k.created_at })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKiosk {
    name: String,
}

/// `POST /api/admin/kiosks`: registers a kiosk; its token is in this answer only.
pub async fn add_kiosk(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: NewKiosk = parse_json(&body.map_err(body_error)?)?;
    let (kiosk, token) = admin_ops::create_kiosk(
        state.store.as_ref(),
        &state.clock,
        staff.structure(),
        &body.name,
    )
    .map_err(admin_error)?;
    durable(&state).await?;
    tracing::info!(by = staff.user.id, kiosk = kiosk.id, "kiosk registered");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": kiosk.id,
            "name": kiosk.name,
            "token": token,
            "note": "Notez ce jeton maintenant : il ne sera plus jamais affiché.",
        })),
    )
        .into_response())
}

/// `DELETE /api/admin/kiosks/{id}`: unregisters a kiosk (its token stops working).
pub async fn remove_kiosk(
    State(state): State<Shared>,
    Path(id): Path<String>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    staff.require(&[Role::Admin])?;
    let not_found = || ApiError::not_found("Borne introuvable.");
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let kiosk = state
        .store
        .kiosk(id)?
        .filter(|k| k.structure == staff.structure());
    if kiosk.is_none() || !state.store.remove_kiosk(id)? {
        return Err(not_found());
    }
    durable(&state).await?;
    tracing::info!(by = staff.user.id, kiosk = id, "kiosk removed");
    Ok(StatusCode::NO_CONTENT)
}
