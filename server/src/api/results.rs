//! Results: submission (kiosk, anonymous, agent screening), lookup by code, sheet,
//! attachment to a structure, the person's data, deletion; an agent's own recent
//! screenings.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

use super::kiosk::{self, CookieKiosk};
use super::{
    blocking, body_error, check_origin, durable, parse_json, rate_limited, ApiError, Shared, Staff,
    KIOSK_HEADER,
};
use crate::outcome::{self, compute_with, Outcome};
use crate::places::{origin_of, suggest, SHOWN};
use crate::records::{ProfileRecord, Role, Screening, SessionRecord, Source, SCHEMA_VERSION};
use crate::store::Inserted;
use crate::submission::{self, AnswerLog, ParseError};
use crate::view::{result_view, structure_tz, summary_view};
use crate::{auth, code};
use repere_items::places::{text, Card, CardStyle, Suggestion};

/// Longest first name or initials kept.
const MAX_PERSON_CHARS: usize = 60;

fn parse_error(e: ParseError) -> ApiError {
    match e {
        ParseError::Syntax { .. } => ApiError::bad_request(e.to_string()),
        ParseError::Tampered { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "tampered", e.to_string())
        }
        ParseError::UnknownField { .. } | ParseError::Shape { .. } => {
            ApiError::unprocessable(e.to_string())
        }
    }
}

fn assess_error(e: repere_items::assessment::AssessError) -> ApiError {
    if !e.is_client_error() {
        return ApiError::internal(e.to_string());
    }
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        outcome::error_code(&e),
        outcome::error_message(&e),
    )
    .with_item(outcome::error_item(&e))
    .with_detail(e.to_string())
}

/// Earliest start of a test accepted: 2024-01-01T00:00:00Z, before any test of
/// Repère (0, or a clock reset to 1970, is a device's mistake, not a date).
const EARLIEST_START_MS: u64 = 1_704_067_200_000;
/// How far ahead of the server's clock a device's clock may be: one day.
const CLOCK_AHEAD_MS: u64 = 86_400_000;

/// 422 unless the log's dates are possible: started after
/// [`EARLIEST_START_MS`], and neither start nor end more than
/// [`CLOCK_AHEAD_MS`] after `now` (a result sent days late from an offline device
/// is fine; one from the future is not).
fn check_dates(log: &AnswerLog, now_ms: i64) -> Result<(), ApiError> {
    let latest = u64::try_from(now_ms)
        .unwrap_or(0)
        .saturating_add(CLOCK_AHEAD_MS);
    let bad = |field: &'static str, value: u64| {
        ApiError::unprocessable(format!(
            "La date « {field} » ({value}) n'est pas possible : vérifiez l'heure de l'appareil."
        ))
        .with_field(field)
    };
    if log.started_at < EARLIEST_START_MS || log.started_at > latest {
        return Err(bad("started_at", log.started_at));
    }
    match log.finished_at {
        Some(end) if end > latest => Err(bad("finished_at", end)),
        _ => Ok(()),
    }
}

/// Parses and assesses (replays) the log: nothing is stored when this fails.
fn checked(
    state: &Shared,
    body: Result<Bytes, BytesRejection>,
) -> Result<(AnswerLog, Outcome), ApiError> {
    let body = body.map_err(body_error)?;
    let log = submission::parse(&body).map_err(parse_error)?;
    check_dates(&log, state.clock.now_ms())?;
    let assessor = outcome::assessor_for(state.assessor, &log).map_err(assess_error)?;
    let outcome = compute_with(assessor, &log).map_err(assess_error)?;
    Ok((log, outcome))
}

/// 415 unless the body is declared as JSON (`application/json`, any parameters):
/// a form or a text posted by another page is not an answer log.
fn json_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if declared.is_some_and(|t| t.eq_ignore_ascii_case("application/json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            "Le contenu doit être envoyé en JSON (Content-Type: application/json).",
        ))
    }
}

/// What is known of a result's origin when it is stored.
struct Origin {
    source: Source,
    structure: Option<u64>,
    person: Option<String>,
    consent_at: Option<i64>,
    screening: Option<String>,
}

/// Stores a result and waits until it is durable. Returns the stored profile and
/// whether it is new (false: the same log was already stored).
async fn store_result(
    state: &Shared,
    sub: AnswerLog,
    outcome: Outcome,
    origin: Origin,
) -> Result<(ProfileRecord, bool), ApiError> {
    let received_at = state.clock.now_ms();
    let session = SessionRecord {
        v: SCHEMA_VERSION,
        id: sub.id.clone(),
        received_at,
        source: origin.source.clone(),
        submission: sub,
    };
    for _ in 0..8 {
        let profile = ProfileRecord {
            v: SCHEMA_VERSION,
            id: session.id.clone(),
            code: code::generate().map_err(ApiError::internal)?,
            received_at,
            source: origin.source.clone(),
            structure: origin.structure,
            attached_at: None,
            person: origin.person.clone(),
            consent_at: origin.consent_at,
            context: Some(session.submission.context.clone()),
            outcome: outcome.clone(),
        };
        let inserted =
            state
                .store
                .insert_result(&session, &profile, origin.screening.as_deref())?;
        let (profile, new) = match inserted {
            Inserted::New => (profile, true),
            Inserted::Existing(existing) => {
                let (stored_session, stored_profile) = *existing;
                // A retry is answered only where the first copy came from: the same
                // kiosk, the same anonymous channel, the same structure's agent. The
                // same log posted anywhere else (another structure, anonymously, by
                // another kiosk) learns nothing of the stored result.
                let same_origin = stored_profile.structure == origin.structure
                    && same_source(&stored_profile.source, &origin.source);
                if stored_session.submission != session.submission || !same_origin {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "id_reused",
                        "Cet identifiant de test a déjà servi pour d'autres réponses.",
                    ));
                }
                (stored_profile, false)
            }
            Inserted::CodeTaken => continue,
        };
        // Acknowledge only what is on disk (the existing record too: its first
        // writer may still be waiting for its flush).
        state.commit.commit().await.map_err(|e| {
            tracing::error!(error = %e, "result not acknowledged: flush failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_durable",
                "Le résultat n'a pas pu être enregistré. Réessayez.",
            )
        })?;
        tracing::info!(result = %profile.id, new, source = crate::view::source_name(&profile.source), "result stored");
        return Ok((profile, new));
    }
    Err(ApiError::internal("no free result code after 8 draws"))
}

/// Whether a retry comes from where the stored result came from. An agent's
/// result may be retried by another agent of the structure (the structure is
/// compared by the caller).
fn same_source(stored: &Source, retry: &Source) -> bool {
    match (stored, retry) {
        (Source::Agent { .. }, Source::Agent { .. }) => true,
        (a, b) => a == b,
    }
}

fn stored_response(state: &Shared, profile: &ProfileRecord, new: bool) -> Response {
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let tz = staff_tz(state, profile.structure);
    (status, Json(result_view(state.bank, profile, &tz))).into_response()
}

/// The time zone of the dates shown for `structure` (the default one if the store
/// cannot say: a date is not worth failing a request).
fn staff_tz(state: &Shared, structure: Option<u64>) -> jiff::tz::TimeZone {
    structure_tz(state.store.as_ref(), structure).unwrap_or_else(|e| {
        tracing::error!(error = %e, "time zone of a structure unreadable: default used");
        crate::clock::default_tz()
    })
}

/// 429 for too many unknown result codes.
fn too_many_lookups(retry_after: u64) -> ApiError {
    rate_limited("Trop de codes inconnus.", retry_after)
}

/// `POST /api/results`: a kiosk (its device token in `X-Kiosk-Token`, or the
/// cookie set by pairing) or an anonymous browser sends an answer log. A wrong
/// header is refused (401); a cookie of a kiosk the server no longer knows is not:
/// the result is stored as anonymous (a person's result is never lost), and the
/// cookie is left alone (the device stays a kiosk until an admin unpairs it).
pub async fn submit(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    json_body(&headers)?;
    check_origin(&headers)?;
    let mut stale_cookie = false;
    let kiosk = match headers.get(KIOSK_HEADER) {
        Some(v) => {
            let kiosk = match kiosk::clean_token(v.to_str().unwrap_or("")) {
                Some(token) => state
                    .store
                    .kiosk_by_token_hash(&auth::token_digest(token))?,
                None => None,
            };
            match kiosk {
                Some(k) => Some(k),
                None => {
                    return Err(ApiError::unauthorized(
                        "Borne inconnue : son jeton n'est pas valide.",
                    ))
                }
            }
        }
        None => match kiosk::from_cookie(&state, &headers)? {
            CookieKiosk::Valid(k, _) => Some(k),
            CookieKiosk::Stale(_) => {
                stale_cookie = true;
                None
            }
            CookieKiosk::Absent => None,
        },
    };
    // Counted before the work of replaying: a flood costs its sender, not the
    // server. A kiosk counts alone; anonymous results by address and network.
    if let Err(wait) = state.limits.submission(
        kiosk.as_ref().map(|k| k.id),
        peer.ip(),
        state.clock.now_ms(),
    ) {
        tracing::warn!(target: "security", kiosk = kiosk.is_some(), "result refused: too many sent");
        return Err(rate_limited(
            "Trop de résultats envoyés depuis cet appareil.",
            wait,
        ));
    }
    let (sub, outcome) = checked(&state, body)?;
    let origin = match &kiosk {
        Some(k) => Origin {
            source: Source::Kiosk { kiosk: k.id },
            structure: Some(k.structure),
            person: None,
            consent_at: None,
            screening: None,
        },
        None => Origin {
            source: Source::Anonymous,
            structure: None,
            person: None,
            consent_at: None,
            screening: None,
        },
    };
    let (profile, new) = store_result(&state, sub, outcome, origin).await?;
    if stale_cookie {
        tracing::info!(result = %profile.id, "kiosk cookie of an unknown kiosk: result stored as anonymous");
    }
    Ok(stored_response(&state, &profile, new))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningBody {
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    consent: bool,
}

/// `POST /api/screenings` (agent): starts a screening, with the person's first name
/// or initials only if they consent.
pub async fn start_screening(
    State(state): State<Shared>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Agent])?;
    let body: ScreeningBody = parse_json(&body.map_err(body_error)?)?;
    let person = body
        .person
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = person {
        if !body.consent {
            return Err(ApiError::unprocessable(
                "Pour noter le prénom, la personne doit donner son accord : cochez la case.",
            ));
        }
        if p.chars().any(char::is_control) {
            return Err(ApiError::unprocessable(
                "Le prénom contient un caractère invisible ou de contrôle : écrivez-le à nouveau.",
            )
            .with_field("person"));
        }
        if p.chars().count() > MAX_PERSON_CHARS {
            return Err(ApiError::unprocessable(format!(
                "Le prénom ou les initiales font au plus {MAX_PERSON_CHARS} caractères."
            ))
            .with_field("person"));
        }
    }
    let now = state.clock.now_ms();
    let id = auth::random_token().map_err(ApiError::internal)?[..32].to_string();
    let screening = Screening {
        v: SCHEMA_VERSION,
        id: id.clone(),
        structure: staff.structure(),
        agent: staff.user.id,
        person: person.map(str::to_string),
        consent_at: person.map(|_| now),
        created_at: now,
    };
    state.store.put_screening(&screening)?;
    durable(&state).await?;
    tracing::info!(screening = %id, agent = staff.user.id, with_person = person.is_some(), "screening started");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "person": screening.person })),
    )
        .into_response())
}

/// Days of an agent's list of their own screenings: today and the 6 before.
pub const RECENT_DAYS: u16 = 7;
/// Most screenings in that list (the newest ones; `count` says how many there
/// are).
pub const RECENT_MAX: usize = 200;

/// `GET /api/screenings` (agent): the results of the screenings this agent ran
/// in the last [`RECENT_DAYS`] days (days of the structure's time zone, today
/// included), newest first, at most [`RECENT_MAX`]. Only the caller's own: a
/// result of another agent, a kiosk's, or another structure's is never listed.
pub async fn recent_screenings(
    State(state): State<Shared>,
    staff: Staff,
) -> Result<Json<serde_json::Value>, ApiError> {
    staff.require(&[Role::Agent])?;
    let tz = structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let from = crate::clock::recent_days_start(state.clock.now_ms(), RECENT_DAYS, &tz);
    let (store, structure, me) = (state.store.clone(), staff.structure(), staff.user.id);
    let (newest, count) = blocking(move || {
        let mut newest = std::collections::VecDeque::with_capacity(RECENT_MAX + 1);
        let mut count = 0usize;
        store.scan_profiles(structure, Some(from), None, &mut |p| {
            if p.source == (Source::Agent { user: me }) {
                count += 1;
                newest.push_back(p);
                if newest.len() > RECENT_MAX {
                    newest.pop_front();
                }
            }
        })?;
        Ok::<_, ApiError>((newest, count))
    })
    .await??;
    let screenings: Vec<serde_json::Value> = newest
        .iter()
        .rev()
        .map(|p| summary_view(state.bank, p, &tz))
        .collect();
    Ok(Json(json!({
        "days": RECENT_DAYS,
        "count": count,
        "shown": screenings.len(),
        "screenings": screenings,
    })))
}

/// `POST /api/screenings/{id}/result` (agent): the answer log of a screening.
///
/// A screening the store no longer has (abandoned screenings are purged after a
/// day; the tablet may have been offline longer) does not cost the person their
/// result: it is stored as a result of the agent's structure, without the first
/// name (its consent went with the screening), and its code answered. Another
/// structure's screening, or an id already used by another structure's result,
/// answers 404.
pub async fn submit_screening(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Agent])?;
    json_body(&headers)?;
    let (sub, outcome) = checked(&state, body)?;
    let not_found = || ApiError::not_found("Dépistage introuvable.");
    let origin = match state.store.screening(&id)? {
        Some(s) if s.structure == staff.structure() => Origin {
            source: Source::Agent {
                user: staff.user.id,
            },
            structure: Some(s.structure),
            person: s.person.clone(),
            consent_at: s.consent_at,
            screening: Some(s.id.clone()),
        },
        Some(_) => return Err(not_found()),
        None => match state.store.profile(&sub.id)? {
            // A retry after success: the screening was consumed by its result.
            Some(p) => {
                if p.structure != Some(staff.structure())
                    || !matches!(p.source, Source::Agent { .. })
                {
                    return Err(not_found());
                }
                Origin {
                    source: p.source.clone(),
                    structure: p.structure,
                    person: p.person.clone(),
                    consent_at: p.consent_at,
                    screening: None,
                }
            }
            // The screening is gone: the result still belongs to the structure.
            None => {
                tracing::info!(
                    agent = staff.user.id,
                    "result of a screening no longer stored: kept for the agent's structure"
                );
                Origin {
                    source: Source::Agent {
                        user: staff.user.id,
                    },
                    structure: Some(staff.structure()),
                    person: None,
                    consent_at: None,
                    screening: None,
                }
            }
        },
    };
    let (profile, new) = store_result(&state, sub, outcome, origin).await?;
    Ok(stored_response(&state, &profile, new))
}

/// Loads the result of a code for a staff member: their structure's results, and
/// results attached to no structure (an anonymous person shows their code). Another
/// structure's result is "not found", like a missing one.
///
/// A code is a bearer secret (27^8 values): lookups that find nothing are limited
/// per account, per client address and per network ([`crate::ratelimit::Limits`]), then every lookup answers 429 with
/// `Retry-After` until the window ends, even for a good code. A malformed code
/// (400) probes nothing and is not counted.
pub(super) fn load_for(
    state: &Shared,
    staff: &Staff,
    raw_code: &str,
) -> Result<ProfileRecord, ApiError> {
    let now = state.clock.now_ms();
    state
        .limits
        .lookup_check(staff.user.id, staff.peer, now)
        .map_err(too_many_lookups)?;
    let Some(c) = code::normalise(raw_code) else {
        return Err(ApiError::bad_request(
            "Ce code n'est pas valide : il a 8 caractères, par exemple K7M4-QX2P.",
        ));
    };
    let found = match state.store.result_id_by_code(&c)? {
        Some(id) => state
            .store
            .profile(&id)?
            .filter(|p| p.structure.is_none_or(|s| s == staff.structure())),
        None => None,
    };
    found.ok_or_else(|| {
        state.limits.lookup_failed(staff.user.id, staff.peer, now);
        ApiError::not_found(format!("Aucun résultat pour le code {c}."))
    })
}

/// The mediation places suggested with a result to a person at `structure`
/// (its location, own places and marks), with why there are none when there are
/// none.
pub(super) async fn places_for(
    state: &Shared,
    structure: u64,
    profile: &ProfileRecord,
) -> Result<(Vec<Suggestion>, Option<&'static str>), ApiError> {
    let Some(pr) = profile.outcome.profile.as_ref() else {
        return Ok((Vec::new(), None));
    };
    let needs = pr.orientation.needs(state.bank);
    let (store, shared) = (state.store.clone(), state.clone());
    blocking(move || -> Result<_, ApiError> {
        let sp = store.structure_places(structure)?;
        let Some(location) = &sp.location else {
            return Ok((
                Vec::new(),
                Some("Pour voir les lieux proches, l'administrateur indique où est votre structure (page Administration)."),
            ));
        };
        let index = shared.places.index(store.as_ref())?;
        if index.candidates.is_empty() && sp.local.is_empty() {
            return Ok((
                Vec::new(),
                Some("Aucun lieu de médiation n'est enregistré sur ce serveur."),
            ));
        }
        let found = suggest(&index, Some(&sp), &origin_of(location), &needs, SHOWN);
        let note = found
            .is_empty()
            .then_some("Aucun lieu connu ne propose ce qu'il faut. Demandez conseil à un médiateur numérique.");
        Ok((found, note))
    })
    .await?
}

/// A staff member's view of a result: the result, and the places suggested from
/// their structure.
async fn staff_view(
    state: &Shared,
    staff: &Staff,
    profile: &ProfileRecord,
) -> Result<Response, ApiError> {
    let tz = staff_tz(state, Some(staff.structure()));
    let (places, note) = places_for(state, staff.structure(), profile).await?;
    let mut view = result_view(state.bank, profile, &tz);
    view.agent_sentence = places.first().map(text::agent_sentence);
    view.place_cards = places
        .iter()
        .map(|s| Card::of(s, CardStyle::Links))
        .collect();
    view.places = places;
    view.places_note = note;
    Ok(Json(view).into_response())
}

/// `GET /api/results/{code}`: the result with its profile, orientation and the
/// places suggested from the staff member's structure.
pub async fn show(
    State(state): State<Shared>,
    Path(code): Path<String>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let profile = load_for(&state, &staff, &code)?;
    staff_view(&state, &staff, &profile).await
}

/// `GET /api/results/{code}/sheet`: the printable sheet (HTML).
pub async fn sheet(
    State(state): State<Shared>,
    Path(code): Path<String>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let profile = load_for(&state, &staff, &code)?;
    let structure = match profile.structure {
        Some(s) => state.store.structure(s)?.map(|s| s.name),
        None => None,
    };
    let tz = staff_tz(&state, Some(staff.structure()));
    let (places, _) = places_for(&state, staff.structure(), &profile).await?;
    let html = crate::sheet::result_sheet(state.bank, &profile, structure.as_deref(), &places, &tz);
    Ok(html_response(html))
}

/// A printable HTML page: no script may run in it, it may not be framed.
pub(crate) fn html_response(html: String) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    resp.headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// `POST /api/results/{code}/attach` (agent, trainer): attaches a kiosk or anonymous
/// result to the user's structure.
pub async fn attach(
    State(state): State<Shared>,
    Path(code): Path<String>,
    staff: Staff,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // The body is ignored, but read: a request body left unread makes the HTTP
    // connection unusable for the next request.
    body.map_err(body_error)?;
    staff.require(&[Role::Agent, Role::Trainer])?;
    let profile = load_for(&state, &staff, &code)?;
    if profile.structure.is_some() {
        return staff_view(&state, &staff, &profile).await;
    }
    let now = state.clock.now_ms();
    let attached = state
        .store
        .attach_result(&profile.id, staff.structure(), now)?
        .ok_or_else(|| ApiError::not_found("Ce résultat vient d'être supprimé."))?;
    if attached.structure != Some(staff.structure()) {
        // Attached by another structure a moment ago.
        return Err(ApiError::not_found(format!(
            "Aucun résultat pour le code {}.",
            profile.code
        )));
    }
    durable(&state).await?;
    tracing::info!(target: "security", result = %attached.id, structure = staff.structure(), "result attached");
    staff_view(&state, &staff, &attached).await
}

/// `GET /api/results/{code}/data`: everything stored about a result (the person's
/// right of access), as a JSON download.
pub async fn data(
    State(state): State<Shared>,
    Path(code): Path<String>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let profile = load_for(&state, &staff, &code)?;
    let session = state.store.session(&profile.id)?;
    tracing::info!(target: "security", result = %profile.id, user = staff.user.id, "personal data exported");
    let body = json!({
        "code": profile.code,
        "profile": profile,
        "session": session,
    });
    let disposition = format!("attachment; filename=\"repere-{}.json\"", profile.code);
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(body)).into_response())
}

/// `DELETE /api/results/{code}`: deletes everything stored about a result.
pub async fn remove(
    State(state): State<Shared>,
    Path(code): Path<String>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    let profile = load_for(&state, &staff, &code)?;
    if !state.store.delete_result(&profile.id)? {
        return Err(ApiError::not_found("Ce résultat vient d'être supprimé."));
    }
    durable(&state).await?;
    tracing::info!(target: "security", result = %profile.id, user = staff.user.id, "result deleted");
    Ok(StatusCode::NO_CONTENT)
}
