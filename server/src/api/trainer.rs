//! Trainers' endpoints: the structure's profiles (list, filters), groups for
//! sessions, the printable plan, exports (the trainer's and the technical one).

use std::collections::VecDeque;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::results::html_response;
use super::{blocking, ApiError, Shared, Staff};
use jiff::tz::TimeZone;

use crate::clock::local_date;
use crate::export::{export_structure, Format, Kind};
use crate::groups::{form_groups, Group};
use crate::records::{ProfileRecord, Role};
use crate::view::{skill_label, structure_tz, summary_view, FilterQuery, ProfileFilter};

/// Profiles in one page of the list when the query names no `limit`.
pub const PAGE_DEFAULT: usize = 100;
/// Most profiles in one page of the list (newest first); exports have no limit.
pub const PAGE_MAX: usize = 1000;
/// Smallest and largest group size.
pub const GROUP_SIZES: std::ops::RangeInclusive<usize> = 2..=30;

/// Query string of the trainer's endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct TrainerQuery {
    from: Option<String>,
    to: Option<String>,
    domain: Option<String>,
    level: Option<String>,
    skill: Option<String>,
    orientation: Option<String>,
    class: Option<String>,
    /// Group size (groups).
    size: Option<String>,
    /// `csv` or `json` (export).
    format: Option<String>,
    /// Profiles per page (list), 1 to [`PAGE_MAX`].
    limit: Option<String>,
    /// The list's cursor: the page holds profiles older than it (the `next` of
    /// the previous page).
    before: Option<String>,
}

/// Where a page of the list starts: strictly before this (reception time, id).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Cursor {
    received_at: i64,
    id: String,
}

impl Cursor {
    fn of(p: &ProfileRecord) -> Cursor {
        Cursor {
            received_at: p.received_at,
            id: p.id.clone(),
        }
    }

    /// `RECEIVED_AT.ID`, as the API gives it in `next`.
    fn text(&self) -> String {
        format!("{}.{}", self.received_at, self.id)
    }

    fn parse(text: &str) -> Option<Cursor> {
        let (at, id) = text.trim().split_once('.')?;
        let ok_id = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        Some(Cursor {
            received_at: at.parse().ok()?,
            id: ok_id.then(|| id.to_string())?,
        })
    }
}

impl TrainerQuery {
    fn filter(&self, state: &Shared, tz: &TimeZone) -> Result<ProfileFilter, ApiError> {
        FilterQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            domain: self.domain.clone(),
            level: self.level.clone(),
            skill: self.skill.clone(),
            orientation: self.orientation.clone(),
            class: self.class.clone(),
        }
        .check(state.bank, tz)
        .map_err(ApiError::bad_request)
    }

    fn limit(&self) -> Result<usize, ApiError> {
        let Some(raw) = self.limit.as_deref() else {
            return Ok(PAGE_DEFAULT);
        };
        raw.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=PAGE_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Nombre de profils par page invalide : « {raw} » (de 1 à {PAGE_MAX})."
                ))
            })
    }

    fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        match self
            .before
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(raw) => Cursor::parse(raw).map(Some).ok_or_else(|| {
                ApiError::bad_request("Position invalide dans la liste : rechargez la page.")
            }),
        }
    }

    fn size(&self) -> Result<usize, ApiError> {
        let raw = self.size.as_deref().unwrap_or("8");
        raw.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| GROUP_SIZES.contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Taille de groupe invalide : « {raw} » (de {} à {}).",
                    GROUP_SIZES.start(),
                    GROUP_SIZES.end()
                ))
            })
    }
}

fn query(q: Result<Query<TrainerQuery>, QueryRejection>) -> Result<TrainerQuery, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(format!("Paramètres invalides : {e}")))
}

/// The structure's profiles that pass the filter, oldest first.
async fn matching(
    state: &Shared,
    structure: u64,
    filter: ProfileFilter,
) -> Result<(Vec<ProfileRecord>, usize), ApiError> {
    let store = state.store.clone();
    blocking(move || {
        let mut out = Vec::new();
        let report = store.scan_profiles(structure, filter.from, filter.to, &mut |p| {
            if filter.matches(&p) {
                out.push(p);
            }
        })?;
        Ok::<_, ApiError>((out, report.corrupt.len()))
    })
    .await?
}

/// `GET /api/profiles?limit=N&before=CURSOR` (trainer, admin): one page of the
/// structure's profiles that pass the filters, newest first, with `count` (all that
/// pass) and `next` (the cursor of the following page, `null` on the last one).
/// Memory stays bounded by the page size whatever the structure holds.
pub async fn list(
    State(state): State<Shared>,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    staff.require(&[Role::Trainer, Role::Admin])?;
    let q = query(q)?;
    let tz = structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let filter = q.filter(&state, &tz)?;
    let (limit, cursor) = (q.limit()?, q.cursor()?);
    let (store, structure) = (state.store.clone(), staff.structure());
    let (page, count, older, corrupt) = blocking(move || {
        let mut page: VecDeque<ProfileRecord> = VecDeque::with_capacity(limit + 1);
        let (mut count, mut older) = (0usize, 0usize);
        let report = store.scan_profiles(structure, filter.from, filter.to, &mut |p| {
            if !filter.matches(&p) {
                return;
            }
            count += 1;
            if cursor.as_ref().is_some_and(|c| Cursor::of(&p) >= *c) {
                return;
            }
            // Oldest first: the newest `limit` before the cursor stay in `page`.
            older += 1;
            page.push_back(p);
            if page.len() > limit {
                page.pop_front();
            }
        })?;
        Ok::<_, ApiError>((page, count, older, report.corrupt.len()))
    })
    .await??;
    let next = (older > page.len())
        .then(|| page.front().map(|p| Cursor::of(p).text()))
        .flatten();
    let shown: Vec<Value> = page
        .iter()
        .rev()
        .map(|p| summary_view(state.bank, p, &tz))
        .collect();
    Ok(Json(json!({
        "count": count,
        "shown": shown.len(),
        "limit": limit,
        "next": next,
        "unreadable": corrupt,
        "profiles": shown,
    })))
}

fn group_json(
    state: &Shared,
    tz: &TimeZone,
    n: usize,
    g: &Group,
    profiles: &[&ProfileRecord],
) -> Value {
    json!({
        "number": n + 1,
        "size": g.members.len(),
        "members": g.members.iter().filter_map(|&i| profiles.get(i)).map(|p| summary_view(state.bank, p, tz)).collect::<Vec<_>>(),
        "priorities": g.priorities.iter().map(|p| json!({
            "skill": p.skill,
            "label": skill_label(state.bank, &p.skill),
            "members": p.members,
            "mean_need": p.mean_need,
        })).collect::<Vec<_>>(),
    })
}

async fn grouped(
    state: &Shared,
    staff: &Staff,
    q: &TrainerQuery,
    tz: &TimeZone,
) -> Result<(Vec<ProfileRecord>, usize, usize), ApiError> {
    staff.require(&[Role::Trainer])?;
    let size = q.size()?;
    let filter = q.filter(state, tz)?;
    let (profiles, _) = matching(state, staff.structure(), filter).await?;
    let total = profiles.len();
    let with_profile: Vec<ProfileRecord> = profiles
        .into_iter()
        .filter(|p| p.outcome.profile.is_some())
        .collect();
    Ok((with_profile, total, size))
}

/// `GET /api/groups?size=N` (trainer): groups of people with similar needs.
pub async fn groups(
    State(state): State<Shared>,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let q = query(q)?;
    let tz = structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let (people, total, size) = grouped(&state, &staff, &q, &tz).await?;
    let refs: Vec<&ProfileRecord> = people.iter().collect();
    let profiles: Vec<&crate::outcome::Profile> = refs
        .iter()
        .filter_map(|p| p.outcome.profile.as_ref())
        .collect();
    let groups = form_groups(state.bank, &profiles, size);
    Ok(Json(json!({
        "size": size,
        "people": people.len(),
        "without_profile": total - people.len(),
        "groups": groups.iter().enumerate().map(|(n, g)| group_json(&state, &tz, n, g, &refs)).collect::<Vec<_>>(),
    })))
}

/// `GET /api/groups/sheet?size=N` (trainer): the printable session plan.
pub async fn groups_sheet(
    State(state): State<Shared>,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let tz = structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let (people, _, size) = grouped(&state, &staff, &q, &tz).await?;
    let refs: Vec<&ProfileRecord> = people.iter().collect();
    let profiles: Vec<&crate::outcome::Profile> = refs
        .iter()
        .filter_map(|p| p.outcome.profile.as_ref())
        .collect();
    let groups = form_groups(state.bank, &profiles, size);
    let name = state
        .store
        .structure(staff.structure())?
        .map(|s| s.name)
        .unwrap_or_default();
    Ok(html_response(crate::sheet::groups_sheet(
        state.bank, &name, size, &refs, &groups, &tz,
    )))
}

/// `GET /api/export?format=csv|json` (trainer, admin): the structure's profiles as
/// a file, in the trainer's words ([`Kind::Trainer`]).
pub async fn export(
    State(state): State<Shared>,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    export_kind(state, staff, q, Kind::Trainer).await
}

/// `GET /api/export/technical?format=csv|json` (trainer, admin): the same
/// profiles with the same filters, with θ, its SE, versions and tallies
/// ([`Kind::Technical`]).
pub async fn export_technical(
    State(state): State<Shared>,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    export_kind(state, staff, q, Kind::Technical).await
}

async fn export_kind(
    state: Shared,
    staff: Staff,
    q: Result<Query<TrainerQuery>, QueryRejection>,
    kind: Kind,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Trainer, Role::Admin])?;
    let q = query(q)?;
    let tz = structure_tz(state.store.as_ref(), Some(staff.structure()))?;
    let filter = q.filter(&state, &tz)?;
    let raw = q.format.as_deref().unwrap_or("csv");
    let format = Format::parse(raw).ok_or_else(|| {
        ApiError::bad_request(format!("Format inconnu : « {raw} » (csv ou json)."))
    })?;
    let store = state.store.clone();
    let bank = state.bank;
    let structure = staff.structure();
    let (bytes, report) = blocking(move || {
        let mut out = Vec::new();
        export_structure(
            store.as_ref(),
            bank,
            structure,
            &filter,
            format,
            kind,
            &mut out,
        )
        .map(|r| (out, r))
    })
    .await?
    .map_err(ApiError::internal)?;
    let (y, m, d) = local_date(state.clock.now_ms(), &tz);
    let filename = format!(
        "{}-{y:04}-{m:02}-{d:02}.{}",
        kind.file_stem(),
        format.extension()
    );
    tracing::info!(target: "security",
        user = staff.user.id,
        rows = report.rows,
        format = format.extension(),
        kind = kind.file_stem(),
        "export"
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
