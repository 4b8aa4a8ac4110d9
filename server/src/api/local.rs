//! `POST /api/local`: the command line's way into a running server.
//!
//! sled lets one process open a store, so `repere structure add`, `export`,
//! `backup`… run inside the server when it is up (see [`crate::local`]). The
//! endpoint answers only to a loopback peer that presents the token the server wrote
//! into `<data>/server.json` (mode 0600) at start: whoever may read the data folder
//! may administer the server, nobody else.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;

use super::{blocking, body_error, durable, parse_json, ApiError, Shared};
use crate::admin_ops::{self, AdminError, AdminOp, AdminReply};
use crate::auth;

/// Runs one administration operation.
pub async fn run(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AdminReply>, ApiError> {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // A reverse proxy on the same machine also connects from loopback: a request
    // that went through one (forwarding headers) is refused.
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    if proxied
        || !peer.ip().is_loopback()
        || sent.is_empty()
        || !auth::ct_eq(sent.as_bytes(), state.local_token.as_bytes())
    {
        return Err(ApiError::not_found("Adresse inconnue."));
    }
    let op: AdminOp = parse_json(&body.map_err(body_error)?)?;
    let (store, clock) = (state.store.clone(), state.clock);
    let reply = blocking(move || admin_ops::run(store.as_ref(), &clock, op)).await?;
    match reply {
        Ok(r) => {
            durable(&state).await?;
            Ok(Json(r))
        }
        Err(AdminError::Input(m)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            m,
        )),
        Err(AdminError::Other(m)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed",
            m,
        )),
    }
}
