//! Mediation places over HTTP: the places suggested to a person, what a kiosk
//! keeps for offline use, and the structure's location in `/admin`.
//!
//! - `GET /api/places?modality=…&service=…&need=…&limit=…` and a position:
//!   `lat` and `lon`, or a town (`code_postal` or `code_insee`, placed at the
//!   centre of its places), or else the location of the requester's structure (a
//!   kiosk's cookie, a staff session). Public: the places are public data, and
//!   nothing of the request is stored. Answers `{"places": [...], "located":
//!   bool}`, `located: false` when no position could be found.
//! - `GET /api/kiosk/places`: a paired kiosk's structure location and its
//!   places for offline use ([`crate::places::kiosk_places`]).
//! - `GET /api/admin/structure`, `POST /api/admin/structure/location` (admin):
//!   the structure's location.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use repere_items::places::matching::locate_town;
use repere_items::places::{Card, CardStyle, Origin, Point};
use serde::Deserialize;
use serde_json::{json, Value};

use super::kiosk::{from_cookie, CookieKiosk};
use super::{blocking, body_error, durable, parse_json, ApiError, Shared, Staff};
use crate::places::{check_location, needs_of, origin_of, suggest, MAX_LIMIT, SHOWN};
use crate::records::Role;

/// The query of `GET /api/places`, repeated keys allowed.
fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("Adresse mal formée : {e}")))
}

/// The structure of whoever asks: a paired kiosk, or a logged-in staff member.
async fn requester_structure(
    state: &Shared,
    headers: &HeaderMap,
    staff: Option<Staff>,
) -> Result<Option<u64>, ApiError> {
    if let Some(staff) = staff {
        return Ok(Some(staff.structure()));
    }
    Ok(match from_cookie(state, headers)? {
        CookieKiosk::Valid(k, _) => Some(k.structure),
        _ => None,
    })
}

/// `GET /api/places`.
pub async fn suggestions(
    State(state): State<Shared>,
    headers: HeaderMap,
    staff: Result<Staff, ApiError>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = pairs(query.as_deref())?;
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let one = |k: &str| all(k).into_iter().next();
    let modality = one("modality").ok_or_else(|| {
        ApiError::unprocessable("Précisez l'orientation (modality).").with_field("modality")
    })?;
    let needs = needs_of(state.bank, &modality, &all("service"), &all("need"))
        .map_err(ApiError::unprocessable)?;
    let limit = match one("limit") {
        None => SHOWN,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::unprocessable(format!("limit : un nombre de 1 à {MAX_LIMIT}."))
            })?,
    };
    let number = |k: &str| one(k).map(|v| v.replace(',', ".").parse::<f64>());
    let point = match (number("lat"), number("lon")) {
        (Some(Ok(lat)), Some(Ok(lon))) => Some(Point::new(lat, lon).ok_or_else(|| {
            ApiError::unprocessable("Latitude entre −90 et 90, longitude entre −180 et 180.")
        })?),
        (None, None) => None,
        _ => {
            return Err(ApiError::unprocessable(
                "Donnez à la fois lat et lon, en degrés décimaux.",
            ))
        }
    };
    let code_postal = one("code_postal");
    let code_insee = one("code_insee");
    if let Some(c) = &code_postal {
        if c.len() != 5 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(
                ApiError::unprocessable("Le code postal a 5 chiffres, par exemple 23000.")
                    .with_field("code_postal"),
            );
        }
    }
    let structure = requester_structure(&state, &headers, staff.ok()).await?;
    let (store, places) = (state.store.clone(), state.clone());
    let answer = blocking(move || -> Result<Value, ApiError> {
        let index = places.places.index(store.as_ref())?;
        let sp = structure.map(|s| store.structure_places(s)).transpose()?;
        let origin = match (point, &code_postal, &code_insee) {
            (Some(p), _, _) => Some(Origin {
                point: Some(p),
                code_insee: code_insee.clone(),
                code_postal: code_postal.clone(),
            }),
            (None, None, None) => sp.as_ref().and_then(|s| s.location.as_ref()).map(origin_of),
            (None, _, _) => Some(Origin {
                point: locate_town(
                    &index.candidates,
                    code_insee.as_deref(),
                    code_postal.as_deref(),
                ),
                code_insee: code_insee.clone(),
                code_postal: code_postal.clone(),
            }),
        };
        let Some(origin) = origin else {
            return Ok(json!({ "places": [], "cards": [], "located": false }));
        };
        let located = origin.point.is_some();
        let found = suggest(&index, sp.as_ref(), &origin, &needs, limit);
        let cards: Vec<Card> = found
            .iter()
            .map(|s| Card::of(s, CardStyle::Links))
            .collect();
        Ok(json!({ "places": found, "cards": cards, "located": located || !found.is_empty() }))
    })
    .await??;
    Ok(Json(answer))
}

/// `GET /api/places/page?modality=…&service=…&need=…[&code_postal=…]`: the page
/// a person's own device opens from its result: a postcode form, then the places
/// found near it (HTML, same needs as `GET /api/places`). Public; nothing stored.
pub async fn page(
    State(state): State<Shared>,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    let pairs = pairs(query.as_deref())?;
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let modality = all("modality").into_iter().next().unwrap_or_default();
    let (services, need_ids) = (all("service"), all("need"));
    let needs =
        needs_of(state.bank, &modality, &services, &need_ids).map_err(ApiError::unprocessable)?;
    let mut hidden: Vec<(String, String)> = vec![("modality".into(), modality)];
    hidden.extend(services.into_iter().map(|s| ("service".into(), s)));
    hidden.extend(need_ids.into_iter().map(|n| ("need".into(), n)));
    let postcode: String = all("code_postal")
        .into_iter()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (cards, message) = if postcode.is_empty() {
        (Vec::new(), None)
    } else if postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()) {
        (
            Vec::new(),
            Some("Le code postal a 5 chiffres, par exemple 23000."),
        )
    } else {
        let (store, shared, code) = (state.store.clone(), state.clone(), postcode.clone());
        let found = blocking(move || -> Result<Vec<String>, ApiError> {
            let index = shared.places.index(store.as_ref())?;
            let origin = Origin {
                point: locate_town(&index.candidates, None, Some(&code)),
                code_insee: None,
                code_postal: Some(code),
            };
            Ok(suggest(&index, None, &origin, &needs, SHOWN)
                .iter()
                .map(|s| repere_items::places::text::card_html(s, CardStyle::Links))
                .collect())
        })
        .await??;
        let message = found
            .is_empty()
            .then_some("Aucun lieu connu près de ce code postal. Demandez à votre mairie.");
        (found, message)
    };
    Ok(super::results::html_response(crate::sheet::places_page(
        &hidden, &postcode, &cards, message,
    )))
}

/// `GET /api/kiosk/places`: the places a kiosk keeps for offline use (the
/// kiosk's cookie, or its device token in `X-Kiosk-Token`). A device that is not
/// a known kiosk (`?mode=kiosk`, a kiosk its admin removed) gets no place and
/// `"kiosk": false` (not an error, which its browser would log at every start).
pub async fn kiosk(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let kiosk = match headers.get(super::KIOSK_HEADER) {
        Some(v) => super::kiosk::clean_token(v.to_str().unwrap_or(""))
            .map(|t| {
                state
                    .store
                    .kiosk_by_token_hash(&crate::auth::token_digest(t))
            })
            .transpose()?
            .flatten(),
        None => match from_cookie(&state, &headers)? {
            CookieKiosk::Valid(k, _) => Some(k),
            _ => None,
        },
    };
    let Some(kiosk) = kiosk else {
        return Ok(Json(json!({ "kiosk": false, "places": [] })));
    };
    let (store, shared) = (state.store.clone(), state.clone());
    let set = blocking(move || {
        shared
            .places
            .kiosk_set(store.as_ref(), shared.bank, kiosk.structure)
    })
    .await??;
    Ok(Json(json!({
        "kiosk": true,
        "structure": kiosk.structure,
        "origin": set.origin,
        "places": set.places,
    })))
}

/// `GET /api/admin/structure` (admin): the structure, its location, and how many
/// places the national file holds.
pub async fn structure(State(state): State<Shared>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let id = staff.structure();
    let s = state
        .store
        .structure(id)?
        .ok_or_else(|| ApiError::not_found("Structure introuvable."))?;
    let sp = state.store.structure_places(id)?;
    let (store, shared) = (state.store.clone(), state.clone());
    let places = blocking(move || {
        shared
            .places
            .index(store.as_ref())
            .map(|i| i.candidates.len())
    })
    .await??;
    Ok(Json(json!({
        "id": s.id,
        "name": s.name,
        "location": sp.location,
        "places": places,
        "own_places": sp.local.len(),
        "marks": sp.marks.len(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationBody {
    #[serde(default)]
    code_insee: Option<String>,
    #[serde(default)]
    code_postal: Option<String>,
    latitude: f64,
    longitude: f64,
}

/// `POST /api/admin/structure/location` (admin): sets the structure's location.
pub async fn set_location(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Admin])?;
    let body: LocationBody = parse_json(&body.map_err(body_error)?)?;
    let location = check_location(
        body.code_insee.as_deref(),
        body.code_postal.as_deref(),
        body.latitude,
        body.longitude,
    )
    .map_err(ApiError::unprocessable)?;
    let sp = crate::places::set_location(state.store.as_ref(), staff.structure(), location)?;
    durable(&state).await?;
    tracing::info!(structure = staff.structure(), "structure location set");
    Ok(Json(json!({ "location": sp.location })))
}
