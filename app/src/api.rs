//! The client of the server's JSON API for the staff screens (agents, mediators).
//!
//! - The session is the server's `HttpOnly` cookie: the browser sends it on every
//!   same-origin request, and this code never sees it.
//! - Every state-changing request carries the session's CSRF token in
//!   `X-CSRF-Token`. The token comes from `POST /api/login` and `GET /api/me` and is
//!   kept in memory only (never in storage).
//! - Requests ask for `cache: "no-store"`: answers hold personal data (first names,
//!   profiles) and must not be kept by the browser or the service worker.
//! - An error is an [`ApiError`] with the server's French message, or a plain
//!   French message when the server could not be reached.
//!
//! The types mirror the server's JSON views (`server/src/view.rs`, `api/session.rs`,
//! `api/trainer.rs`); unknown fields are ignored and missing optional ones default,
//! so a newer server does not break an older app.

use std::cell::RefCell;

use leptos::prelude::window;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Header carrying the CSRF token (the server's `api::CSRF_HEADER`).
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Where the test-taking flow sends a screening's answer log (agent mode).
pub fn screening_result_url(screening: &str) -> String {
    format!("/api/screenings/{}/result", encode(screening))
}

thread_local! {
    /// The CSRF token of the current session (empty when logged out).
    static CSRF: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_csrf(token: &str) {
    CSRF.with(|c| *c.borrow_mut() = token.to_string());
}

fn csrf() -> String {
    CSRF.with(|c| c.borrow().clone())
}

/// A failed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status; 0 when the server could not be reached.
    pub status: u16,
    /// The server's error code (`unauthorized`, `not_found`, `csrf`, …), or
    /// `network` / `unreadable`.
    pub code: String,
    /// A French message for the person.
    pub message: String,
}

impl ApiError {
    fn network() -> ApiError {
        ApiError {
            status: 0,
            code: "network".into(),
            message: "Le serveur ne répond pas. Vérifiez la connexion à Internet, puis réessayez."
                .into(),
        }
    }

    fn unreadable(status: u16) -> ApiError {
        ApiError {
            status,
            code: "unreadable".into(),
            message: "La réponse du serveur est illisible. Réessayez plus tard.".into(),
        }
    }

    /// The error for a non-2xx answer whose body is `text`.
    pub fn from_answer(status: u16, text: &str) -> ApiError {
        #[derive(Deserialize)]
        struct Body {
            error: String,
            #[serde(default)]
            code: String,
        }
        match serde_json::from_str::<Body>(text) {
            Ok(b) if !b.error.trim().is_empty() => ApiError {
                status,
                code: b.code,
                message: b.error,
            },
            _ => ApiError {
                status,
                code: String::new(),
                message: match status {
                    401 => "Connectez-vous pour continuer.".into(),
                    403 => "Cette action ne vous est pas permise.".into(),
                    404 => "Introuvable.".into(),
                    429 => "Trop de tentatives. Attendez un peu, puis réessayez.".into(),
                    s if s >= 500 => "Le serveur a un problème. Réessayez plus tard.".into(),
                    _ => "La demande a été refusée.".into(),
                },
            },
        }
    }

    /// The session is missing or over: the person must log in again.
    pub fn is_logged_out(&self) -> bool {
        self.status == 401
    }
}

/// Sends a request; returns the status and the body text.
async fn send(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<(u16, String), ApiError> {
    let text = body.map(|b| b.to_string());
    send_text(method, url, text.as_deref()).await
}

/// [`send`] with a body already written as JSON text.
async fn send_text(method: &str, url: &str, body: Option<&str>) -> Result<(u16, String), ApiError> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    // `RequestInit::set_cache` needs a web-sys feature the app does not enable.
    let _ = js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into());
    let _ = js_sys::Reflect::set(&init, &"credentials".into(), &"same-origin".into());
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let request =
        web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| ApiError::network())?;
    let headers = request.headers();
    let _ = headers.set("Accept", "application/json");
    if body.is_some() {
        let _ = headers.set("Content-Type", "application/json");
    }
    if method != "GET" {
        let _ = headers.set(CSRF_HEADER, &csrf());
    }
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::network())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| ApiError::network())?;
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((status, text))
}

/// Sends a request and decodes a 2xx JSON answer.
async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<T, ApiError> {
    let text = body.map(|b| b.to_string());
    call_text(method, url, text.as_deref()).await
}

/// [`call`] with a body already written as JSON text.
async fn call_text<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&str>,
) -> Result<T, ApiError> {
    let (status, text) = send_text(method, url, body).await?;
    if !(200..300).contains(&status) {
        return Err(ApiError::from_answer(status, &text));
    }
    serde_json::from_str(&text).map_err(|_| ApiError::unreadable(status))
}

// ------------------------------------------------------------------ session

/// The logged-in account (`GET /api/me`, `POST /api/login`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Me {
    /// The account.
    pub user: User,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// An account.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct User {
    /// Account id.
    pub id: u64,
    /// Login name.
    pub login: String,
    /// `agent`, `trainer` or `admin`.
    pub role: String,
    /// French name of the role.
    #[serde(default)]
    pub role_label: String,
    /// The account's structure.
    pub structure: StructureRef,
    /// Its second factor.
    #[serde(default)]
    pub second_factor: SecondFactorState,
    /// An admin whose structure requires a second factor, without one yet: the
    /// staff areas show only the screen that sets it up.
    #[serde(default)]
    pub needs_second_factor: bool,
}

/// Where an account's second factor stands.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SecondFactorState {
    /// Asked at every login.
    #[serde(default)]
    pub active: bool,
    /// Required by the structure (admins).
    #[serde(default)]
    pub required: bool,
    /// Recovery codes not used yet.
    #[serde(default)]
    pub recovery_left: Option<u32>,
}

/// A structure, as named in an account.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StructureRef {
    /// Structure id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
}

/// What a right password gives.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginStep {
    /// The session (the server has set its cookie).
    Done(Me),
    /// The account has a second factor: its code is asked, with this challenge.
    Code(String),
}

/// Logs in. On success the server has set the session cookie, or asks for the
/// code of the second factor.
pub async fn login(login: &str, password: &str) -> Result<LoginStep, ApiError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Answer {
        Me(Me),
        Code { challenge: String },
    }
    let body = serde_json::json!({ "login": login, "password": password });
    match call("POST", "/api/login", Some(&body)).await? {
        Answer::Me(me) => {
            set_csrf(&me.csrf_token);
            Ok(LoginStep::Done(me))
        }
        Answer::Code { challenge } => Ok(LoginStep::Code(challenge)),
    }
}

/// The second step of a login: the code of the authenticator app (or a
/// recovery code). On success the server has set the session cookie.
pub async fn login_code(challenge: &str, code: &str) -> Result<Me, ApiError> {
    let body = serde_json::json!({ "challenge": challenge, "code": code });
    let me: Me = call("POST", "/api/login/totp", Some(&body)).await?;
    set_csrf(&me.csrf_token);
    Ok(me)
}

/// A second factor being set up (`POST /api/me/totp`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Enrolment {
    /// The secret in groups of 4, to type in the app by hand.
    pub secret_grouped: String,
    /// The QR code of the `otpauth://` address, as SVG (drawn by the server).
    pub qr_svg: String,
    /// The name the app shows beside the account.
    #[serde(default)]
    pub issuer: String,
    /// The account's name in the app.
    #[serde(default)]
    pub account: String,
}

/// Starts setting up a second factor.
pub async fn start_second_factor() -> Result<Enrolment, ApiError> {
    call("POST", "/api/me/totp", Some(&serde_json::json!({}))).await
}

#[derive(Deserialize)]
struct Confirmed {
    recovery_codes: Vec<String>,
}

/// Confirms the second factor being set up with a code of the app; returns the
/// recovery codes (shown once).
pub async fn confirm_second_factor(code: &str) -> Result<Vec<String>, FormError> {
    let c: Confirmed = call_form(
        "POST",
        "/api/me/totp/confirm",
        &serde_json::json!({ "code": code }),
    )
    .await?;
    Ok(c.recovery_codes)
}

/// Removes the account's second factor (its password and a code).
pub async fn remove_second_factor(password: &str, code: &str) -> Result<(), FormError> {
    let body = serde_json::json!({ "password": password, "code": code });
    let (status, text) = send("DELETE", "/api/me/totp", Some(&body)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(FormError {
            error: ApiError::from_answer(status, &text),
            field: error_field(&text),
        })
    }
}

/// The current session, if any (`Err` with status 401 when logged out).
pub async fn me() -> Result<Me, ApiError> {
    let me: Me = call("GET", "/api/me", None).await?;
    set_csrf(&me.csrf_token);
    Ok(me)
}

/// Logs out: the server deletes the session and the cookie.
pub async fn logout() -> Result<(), ApiError> {
    let (status, text) = send("POST", "/api/logout", Some(&serde_json::json!({}))).await?;
    set_csrf("");
    if (200..300).contains(&status) || status == 401 {
        Ok(())
    } else {
        Err(ApiError::from_answer(status, &text))
    }
}

// ------------------------------------------------------------------ results

/// A `{id, label}` pair of the référentiel.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Labelled {
    /// Id.
    pub id: String,
    /// French label.
    #[serde(default)]
    pub label: String,
}

/// A label with its plain-language description.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Described {
    /// Id.
    pub id: String,
    /// French label.
    #[serde(default)]
    pub label: String,
    /// What it means, addressed to the person ("Vous …").
    #[serde(default)]
    pub description: Option<String>,
}

/// The full view of one result (`GET /api/results/{code}`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ResultView {
    /// The result code, `XXXX-XXXX`.
    pub code: String,
    /// Day of the test, `DD/MM/YYYY`.
    #[serde(default)]
    pub date: String,
    /// `agent`, `kiosk` or `anonymous`.
    #[serde(default)]
    pub source: String,
    /// Whether the result belongs to a structure.
    #[serde(default)]
    pub attached: bool,
    /// First name or initials, given with consent.
    #[serde(default)]
    pub person: Option<String>,
    /// Questions shown.
    #[serde(default)]
    pub items: usize,
    /// Questions passed ("Je ne sais pas").
    #[serde(default)]
    pub skipped: usize,
    /// The profile (absent when it could not be computed).
    #[serde(default)]
    pub profile: Option<ProfileView>,
    /// The mediation places suggested from the staff member's structure, as the
    /// screens show them.
    #[serde(default)]
    pub place_cards: Vec<repere_items::places::Card>,
    /// The sentence the agent can say about the first place.
    #[serde(default)]
    pub agent_sentence: Option<String>,
    /// Why no place is shown.
    #[serde(default)]
    pub places_note: Option<String>,
}

/// An autonomy profile.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProfileView {
    /// Computed from the overall level only, for now.
    #[serde(default)]
    pub provisional: bool,
    /// The autonomy class.
    pub class: ClassView,
    /// One level per domain.
    #[serde(default)]
    pub domains: Vec<DomainView>,
    /// One status per skill.
    #[serde(default)]
    pub skills: Vec<SkillView>,
    /// How many skills to work on the person's result screen names (the first
    /// ones by priority).
    pub work_on_max: usize,
    /// Where to send the person.
    pub orientation: OrientationView,
    /// The skills to work on, by priority, as the server lists them (an
    /// autonomous person's holds only what is truly to learn); the first
    /// `work_on_max` are the person's screen's.
    #[serde(default)]
    pub work_on: Vec<Labelled>,
}

impl ProfileView {
    /// The skills to work on, in the order the person's screen gives them.
    pub fn work_on(&self) -> Vec<SkillView> {
        self.work_on
            .iter()
            .filter_map(|Labelled { id, .. }| self.skills.iter().find(|s| &s.id == id))
            .cloned()
            .collect()
    }
}

/// An autonomy class.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ClassView {
    /// Id.
    pub id: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// What it means for the person.
    #[serde(default)]
    pub description: Option<String>,
    /// Workshop level (Débutant, Intermédiaire, Avancé).
    #[serde(default)]
    pub workshop_level: Option<String>,
}

/// A domain and its level.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DomainView {
    /// Domain id.
    pub id: String,
    /// Domain label.
    #[serde(default)]
    pub label: String,
    /// The level reached.
    pub level: Described,
}

/// A skill and its status.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SkillView {
    /// Skill id.
    pub id: String,
    /// Skill label.
    #[serde(default)]
    pub label: String,
    /// Its domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Acquis, En cours, À travailler.
    pub status: Labelled,
    /// Whether it should be worked on.
    #[serde(default)]
    pub to_work_on: bool,
}

/// The orientation.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OrientationView {
    /// The kind of help.
    pub modality: Described,
    /// Services to look for in a mediation place (national schema's words).
    #[serde(default)]
    pub services: Vec<String>,
}

/// Normalises a result code as people type it: spaces and dashes dropped, upper
/// case, `XXXX-XXXX`. `None` unless it has 8 letters or digits. (The server checks
/// the alphabet; this only catches typing slips early, with a plain message.)
pub fn normalise_code(input: &str) -> Option<String> {
    let symbols: Vec<char> = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{a0}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if symbols.len() != 8 || !symbols.iter().all(char::is_ascii_alphanumeric) {
        return None;
    }
    let mut out: String = symbols[..4].iter().collect();
    out.push('-');
    out.extend(&symbols[4..]);
    Some(out)
}

/// The result of a code (the caller's structure, or a result of no structure).
pub async fn result(code: &str) -> Result<ResultView, ApiError> {
    call("GET", &format!("/api/results/{}", encode(code)), None).await
}

/// Attaches a kiosk or anonymous result to the caller's structure.
pub async fn attach(code: &str) -> Result<ResultView, ApiError> {
    call(
        "POST",
        &format!("/api/results/{}/attach", encode(code)),
        Some(&serde_json::json!({})),
    )
    .await
}

/// The download of everything stored about a result (the person's right of
/// access).
pub fn data_url(code: &str) -> String {
    format!("/api/results/{}/data", encode(code))
}

// ----------------------------------------------------------- structure

/// Where a structure is (`GET /api/admin/structure`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Location {
    /// INSEE code of its town.
    #[serde(default)]
    pub code_insee: Option<String>,
    /// Postcode.
    #[serde(default)]
    pub code_postal: Option<String>,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
}

/// The admin's structure and its places settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StructureInfo {
    /// Name.
    pub name: String,
    /// Its location, if set.
    #[serde(default)]
    pub location: Option<Location>,
    /// Places of the national file on the server.
    #[serde(default)]
    pub places: usize,
}

/// The admin's structure.
pub async fn structure() -> Result<StructureInfo, ApiError> {
    call("GET", "/api/admin/structure", None).await
}

/// Sets the structure's location.
pub async fn set_location(code_insee: &str, latitude: f64, longitude: f64) -> Result<(), ApiError> {
    let insee = code_insee.trim();
    let body = serde_json::json!({
        "code_insee": (!insee.is_empty()).then_some(insee),
        "latitude": latitude,
        "longitude": longitude,
    });
    let _: serde_json::Value = call("POST", "/api/admin/structure/location", Some(&body)).await?;
    Ok(())
}

// --------------------------------------------------------------- screenings

/// A screening just started (`POST /api/screenings`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Screening {
    /// Its id: the test sends its answer log to [`screening_result_url`].
    pub id: String,
    /// The first name or initials, if the person agreed.
    #[serde(default)]
    pub person: Option<String>,
}

/// Starts a screening. `person` is sent only with `consent`.
pub async fn start_screening(person: Option<&str>, consent: bool) -> Result<Screening, ApiError> {
    let body = match person {
        Some(p) if consent => serde_json::json!({ "person": p, "consent": true }),
        _ => serde_json::json!({}),
    };
    call("POST", "/api/screenings", Some(&body)).await
}

/// The results of the screenings the logged-in agent ran lately (`GET
/// /api/screenings`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RecentScreenings {
    /// How many days back (today included).
    pub days: u32,
    /// How many there are (`screenings` holds the newest, at most 200).
    pub count: usize,
    /// Newest first.
    pub screenings: Vec<Summary>,
}

/// The logged-in agent's own recent screenings.
pub async fn recent_screenings() -> Result<RecentScreenings, ApiError> {
    call("GET", "/api/screenings", None).await
}

/// What the test in agent mode needs of the server's answer to its log (the
/// answer is the whole [`ResultView`]; reading only the code keeps the rest of
/// the view out of the self-test's wasm).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Submitted {
    /// The result code, `XXXX-XXXX`.
    pub code: String,
}

/// Sends the answer log of a screening (for the test-taking flow in agent mode).
/// Refreshes the CSRF token first if this page has none yet.
pub async fn submit_screening(screening: &str, log: &str) -> Result<Submitted, ApiError> {
    if csrf().is_empty() {
        refresh_csrf().await?;
    }
    call_text("POST", &screening_result_url(screening), Some(log)).await
}

/// Reads the session's CSRF token (`GET /api/me`) and nothing else of the account.
async fn refresh_csrf() -> Result<(), ApiError> {
    #[derive(Deserialize)]
    struct Token {
        csrf_token: String,
    }
    let token: Token = call("GET", "/api/me", None).await?;
    set_csrf(&token.csrf_token);
    Ok(())
}

// ---------------------------------------------------------------- mediators

/// The filters of the mediator's list, groups and exports (all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// A domain (with `level`).
    pub domain: String,
    /// A level in that domain.
    pub level: String,
    /// A skill to work on.
    pub skill: String,
    /// An orientation modality.
    pub orientation: String,
    /// An autonomy class.
    pub class: String,
}

impl Filters {
    /// The filters as query parameters (`from=…&skill=…`), empty ones left out.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("domain", self.domain.as_str()),
            ("level", self.level.as_str()),
            ("skill", self.skill.as_str()),
            ("orientation", self.orientation.as_str()),
            ("class", self.class.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    /// `path?filters&extra`, URL-encoded.
    pub fn url(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = extra.to_vec();
        pairs.extend(self.pairs());
        if pairs.is_empty() {
            return path.to_string();
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

/// The short view of a result in a list (`GET /api/profiles`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Summary {
    /// Result code.
    pub code: String,
    /// Day, `DD/MM/YYYY`.
    #[serde(default)]
    pub date: String,
    /// Time of day, `HH:MM`.
    #[serde(default)]
    pub time: String,
    /// `agent`, `kiosk` or `anonymous`.
    #[serde(default)]
    pub source: String,
    /// First name or initials.
    #[serde(default)]
    pub person: Option<String>,
    /// Autonomy class.
    #[serde(default)]
    pub class: Option<Labelled>,
    /// Orientation modality.
    #[serde(default)]
    pub orientation: Option<Labelled>,
    /// Ids of the skills to work on.
    #[serde(default)]
    pub to_work_on: Option<Vec<String>>,
}

/// A page of the structure's profiles.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProfileList {
    /// Profiles that pass the filters.
    pub count: usize,
    /// Profiles in this answer (the newest `shown`).
    pub shown: usize,
    /// Records that could not be read.
    #[serde(default)]
    pub unreadable: usize,
    /// The profiles, newest first.
    pub profiles: Vec<Summary>,
    /// The cursor of the next (older) page; `None` on the last one.
    #[serde(default)]
    pub next: Option<String>,
}

/// The first page of the structure's profiles that pass `filters`, newest first.
pub async fn profiles(filters: &Filters) -> Result<ProfileList, ApiError> {
    profiles_page(filters, None).await
}

/// The page of profiles older than the cursor `before` (a page's `next`).
pub async fn profiles_page(
    filters: &Filters,
    before: Option<&str>,
) -> Result<ProfileList, ApiError> {
    let extra: Vec<(&str, &str)> = before.map(|b| ("before", b)).into_iter().collect();
    call("GET", &filters.url("/api/profiles", &extra), None).await
}

/// A skill to cover with a group.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Priority {
    /// Skill id.
    pub skill: String,
    /// Skill label.
    #[serde(default)]
    pub label: String,
    /// Members who need it.
    #[serde(default)]
    pub members: usize,
}

/// A group of people with similar needs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Group {
    /// 1, 2, …
    pub number: usize,
    /// Members.
    pub size: usize,
    /// The members.
    #[serde(default)]
    pub members: Vec<Summary>,
    /// Skills to cover, most needed first.
    #[serde(default)]
    pub priorities: Vec<Priority>,
}

/// Groups for sessions (`GET /api/groups`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Groups {
    /// Largest group size asked.
    pub size: usize,
    /// People placed in groups.
    pub people: usize,
    /// Results without a profile (left out).
    #[serde(default)]
    pub without_profile: usize,
    /// The groups.
    pub groups: Vec<Group>,
}

/// Groups of at most `size` people among the profiles that pass `filters`.
pub async fn groups(filters: &Filters, size: usize) -> Result<Groups, ApiError> {
    let size = size.to_string();
    call("GET", &filters.url("/api/groups", &[("size", &size)]), None).await
}

/// The download of the profiles that pass `filters` (`csv` or `json`), in the
/// trainer's words.
pub fn export_url(filters: &Filters, format: &str) -> String {
    filters.url("/api/export", &[("format", format)])
}

/// The technical export of the same profiles (θ, its standard error, tallies;
/// no first name).
pub fn technical_export_url(filters: &Filters, format: &str) -> String {
    filters.url("/api/export/technical", &[("format", format)])
}

/// Percent-encodes a URL component (RFC 3986 unreserved characters kept).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ------------------------------------------- delivery of results, kiosk pairing

/// Forgets the CSRF token kept in memory: the next state-changing call asks the
/// server for the session's token first (`submit_screening`). Used by the outbox
/// after a 401 or 403.
pub fn forget_csrf() {
    set_csrf("");
}

/// The agent's screen showing the result of `code` (where the tablet goes back
/// to after a screening).
pub fn agent_result_url(code: &str) -> String {
    format!("/agent?resultat={}", encode(code))
}

/// The agent's screen waiting for the result of `screening` (the tablet had no
/// network at the end of the test).
pub fn agent_waiting_url(screening: &str) -> String {
    format!("/agent?depistage={}", encode(screening))
}

/// A kiosk, as `GET /api/kiosk` names it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct KioskRef {
    /// Kiosk id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// Whether this browser is paired with a kiosk (`GET /api/kiosk`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct KioskStatus {
    /// Paired with a registered kiosk.
    pub paired: bool,
    /// Not paired, but carrying the cookie of a kiosk the server no longer knows
    /// (removed by the admin, or paired again on another device): the device stays
    /// in kiosk mode until an admin unpairs it.
    #[serde(default)]
    pub stale: bool,
    /// The kiosk, when paired.
    #[serde(default)]
    pub kiosk: Option<KioskRef>,
    /// Its structure, when paired.
    #[serde(default)]
    pub structure: Option<StructureRef>,
}

impl KioskStatus {
    /// The name of the structure this browser is a kiosk of.
    pub fn structure_name(&self) -> String {
        self.structure
            .as_ref()
            .and_then(|s| s.name.clone())
            .unwrap_or_default()
    }
}

/// Whether this browser is a paired kiosk (the pairing cookie is `HttpOnly`: only
/// the server can say).
pub async fn kiosk_status() -> Result<KioskStatus, ApiError> {
    call("GET", "/api/kiosk", None).await
}

/// Pairs this browser with the kiosk waiting for the pairing code `code` (as
/// typed: the server ignores case, spaces and dashes); the server sets the
/// pairing cookie. Returns the new status.
pub async fn pair_kiosk(code: &str) -> Result<KioskStatus, ApiError> {
    let body = serde_json::json!({ "code": code });
    let (status, text) = send("POST", "/api/kiosk/pair", Some(&body)).await?;
    if !(200..300).contains(&status) {
        return Err(ApiError::from_answer(status, &text));
    }
    kiosk_status().await
}

/// Unpairs this browser: an admin of the kiosk's structure confirms, with their
/// `(login, password)`, or with their session on this device (`None`). The
/// server clears the pairing cookie.
/// `code`: the admin's second-factor code, when their account has one.
pub async fn unpair_kiosk(
    admin: Option<(&str, &str)>,
    code: Option<&str>,
) -> Result<(), FormError> {
    let body = match admin {
        Some((login, password)) => {
            serde_json::json!({ "login": login, "password": password, "code": code })
        }
        None => serde_json::json!({}),
    };
    let (status, text) = send("POST", "/api/kiosk/unpair", Some(&body)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(FormError {
            error: ApiError::from_answer(status, &text),
            field: error_field(&text),
        })
    }
}

// ------------------------------------------------------- administration (admin)

/// A refused request of a form, with the field it is about (the server's `field`:
/// `login`, `password`, `role`, `name`, `current`, `new`), so the screen can show
/// the message next to that field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError {
    /// The error.
    pub error: ApiError,
    /// The field, if the server named one.
    pub field: Option<String>,
}

impl From<ApiError> for FormError {
    fn from(error: ApiError) -> Self {
        FormError { error, field: None }
    }
}

/// Like `call`, keeping the field an error names.
async fn call_form<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &serde_json::Value,
) -> Result<T, FormError> {
    let (status, text) = send(method, url, Some(body)).await?;
    if !(200..300).contains(&status) {
        return Err(FormError {
            error: ApiError::from_answer(status, &text),
            field: error_field(&text),
        });
    }
    serde_json::from_str(&text).map_err(|_| ApiError::unreadable(status).into())
}

/// The `field` an error answer names, if any.
fn error_field(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Field {
        #[serde(default)]
        field: Option<String>,
    }
    serde_json::from_str::<Field>(text)
        .ok()
        .and_then(|f| f.field)
}

/// An account of the admin's structure (`GET /api/admin/users`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Account {
    /// Account id.
    pub id: u64,
    /// Login.
    pub login: String,
    /// `agent`, `trainer` or `admin`.
    pub role: String,
    /// French name of the role.
    #[serde(default)]
    pub role_label: String,
    /// Whether it may log in.
    #[serde(default = "yes")]
    pub active: bool,
    /// It has a second factor.
    #[serde(default)]
    pub second_factor: bool,
    /// The logged-in admin's own account.
    #[serde(default)]
    pub me: bool,
}

fn yes() -> bool {
    true
}

/// The accounts of the admin's structure, and whether it requires a second
/// factor of its admins.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Accounts {
    /// The accounts.
    pub users: Vec<Account>,
    /// Its admins must have a second factor.
    #[serde(default)]
    pub second_factor_required: bool,
}

/// The accounts of the admin's structure.
pub async fn accounts() -> Result<Accounts, ApiError> {
    call("GET", "/api/admin/users", None).await
}

/// Removes the second factor of account `id` (a lost phone).
pub async fn reset_second_factor(id: u64) -> Result<(), ApiError> {
    let (status, text) = send("DELETE", &format!("/api/admin/users/{id}/totp"), None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiError::from_answer(status, &text))
    }
}

/// Requires (or not) a second factor of the structure's admins.
pub async fn require_second_factor(required: bool) -> Result<(), ApiError> {
    let body = serde_json::json!({ "required": required });
    let _: serde_json::Value =
        call("POST", "/api/admin/structure/second-factor", Some(&body)).await?;
    Ok(())
}

/// The answer to adding an account.
#[derive(Debug, Clone, Deserialize)]
pub struct AddedAccount {
    /// The login the server made from the name given (`marie.k7p2`).
    pub login: String,
}

/// Adds an account (`role`: `agent`, `trainer` or `admin`) whose login the server
/// makes from `name`; answers that login.
pub async fn add_account(name: &str, role: &str, password: &str) -> Result<String, FormError> {
    let body = serde_json::json!({ "login": name, "role": role, "password": password });
    let added: AddedAccount = call_form("POST", "/api/admin/users", &body).await?;
    Ok(added.login)
}

/// What a password reset gave.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PasswordReset {
    /// Login of the account.
    pub login: String,
    /// The generated password (shown once), when none was given.
    #[serde(default)]
    pub password: Option<String>,
}

/// Sets a new password for account `id`: `password`, or a generated one (returned).
pub async fn reset_password(id: u64, password: Option<&str>) -> Result<PasswordReset, FormError> {
    let body = match password {
        Some(p) => serde_json::json!({ "password": p }),
        None => serde_json::json!({}),
    };
    call_form("POST", &format!("/api/admin/users/{id}/password"), &body).await
}

/// Disables (`active == false`) or re-enables account `id`.
pub async fn set_account_active(id: u64, active: bool) -> Result<(), ApiError> {
    let action = if active { "enable" } else { "disable" };
    let url = format!("/api/admin/users/{id}/{action}");
    let _: serde_json::Value = call("POST", &url, Some(&serde_json::json!({}))).await?;
    Ok(())
}

/// Changes the logged-in person's own password.
pub async fn change_password(current: &str, new: &str) -> Result<(), FormError> {
    let body = serde_json::json!({ "current": current, "new": new });
    let (status, text) = send("POST", "/api/me/password", Some(&body)).await?;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let field = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["field"].as_str().map(str::to_string));
    Err(FormError {
        error: ApiError::from_answer(status, &text),
        field,
    })
}

/// A kiosk of the admin's structure (`GET /api/admin/kiosks`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Kiosk {
    /// Kiosk id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// The day it was added, `DD/MM/YYYY`.
    #[serde(default)]
    pub date: String,
    /// A device is installed as this kiosk.
    #[serde(default)]
    pub installed: bool,
    /// The day that device was installed, when known.
    #[serde(default)]
    pub paired_date: Option<String>,
    /// A pairing code waits to be used.
    #[serde(default)]
    pub code_waiting: bool,
    /// The last day it can be used, `DD/MM/YYYY`.
    #[serde(default)]
    pub code_expires: Option<String>,
}

#[derive(Deserialize)]
struct Kiosks {
    kiosks: Vec<Kiosk>,
}

/// The kiosks of the admin's structure.
pub async fn kiosks() -> Result<Vec<Kiosk>, ApiError> {
    let k: Kiosks = call("GET", "/api/admin/kiosks", None).await?;
    Ok(k.kiosks)
}

/// A kiosk's pairing code, shown once (a kiosk just added, or a new code).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct KioskCode {
    /// Kiosk id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// The code to type on the kiosk at `/borne` (`XXXX-XXXX-XX`).
    pub code: String,
    /// Until when it works, `DD/MM/YYYY à HHhMM`.
    #[serde(default)]
    pub expires: String,
    /// How many days it works.
    #[serde(default = "seven")]
    pub valid_days: u32,
}

fn seven() -> u32 {
    7
}

/// Registers a kiosk named `name`; returns its pairing code.
pub async fn add_kiosk(name: &str) -> Result<KioskCode, FormError> {
    call_form(
        "POST",
        "/api/admin/kiosks",
        &serde_json::json!({ "name": name }),
    )
    .await
}

/// A new pairing code for kiosk `id` (the previous code stops working).
pub async fn renew_kiosk_code(id: u64) -> Result<KioskCode, ApiError> {
    call(
        "POST",
        &format!("/api/admin/kiosks/{id}/code"),
        Some(&serde_json::json!({})),
    )
    .await
}

/// Removes kiosk `id`: its device and its code stop counting as the kiosk.
pub async fn remove_kiosk(id: u64) -> Result<(), ApiError> {
    let (status, text) = send("DELETE", &format!("/api/admin/kiosks/{id}"), None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiError::from_answer(status, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_as_people_type_them() {
        assert_eq!(normalise_code("k7m4qx2p").as_deref(), Some("K7M4-QX2P"));
        assert_eq!(
            normalise_code(" K7M4 - QX2P ").as_deref(),
            Some("K7M4-QX2P")
        );
        assert_eq!(normalise_code("K7M4-QX2"), None);
        assert_eq!(normalise_code("K7M4-QX2PP"), None);
        assert_eq!(normalise_code("K7M4-QXÉP"), None);
        assert_eq!(normalise_code(""), None);
    }

    #[test]
    fn filters_become_an_encoded_query() {
        let f = Filters {
            from: "2026-01-01".into(),
            skill: "mail.attach".into(),
            orientation: " ".into(),
            ..Filters::default()
        };
        assert_eq!(
            f.url("/api/export", &[("format", "csv")]),
            "/api/export?format=csv&from=2026-01-01&skill=mail.attach"
        );
        assert_eq!(
            Filters::default().url("/api/profiles", &[]),
            "/api/profiles"
        );
        assert!(Filters::default().is_empty());
        assert_eq!(
            technical_export_url(&f, "csv"),
            "/api/export/technical?format=csv&from=2026-01-01&skill=mail.attach"
        );
        assert_eq!(encode("a b&c=é"), "a%20b%26c%3D%C3%A9");
    }

    #[test]
    fn agent_urls_are_encoded() {
        assert_eq!(agent_result_url("K7M4-QX2P"), "/agent?resultat=K7M4-QX2P");
        assert_eq!(agent_waiting_url("ab12"), "/agent?depistage=ab12");
        assert_eq!(agent_waiting_url("a b"), "/agent?depistage=a%20b");
    }

    #[test]
    fn kiosk_status_reads_both_answers() {
        let s: KioskStatus = serde_json::from_str(
            r#"{"paired":true,"kiosk":{"id":4,"name":"Borne"},"structure":{"id":1,"name":"Poste"}}"#,
        )
        .expect("paired");
        assert!(s.paired);
        assert_eq!(s.structure_name(), "Poste");
        assert!(!s.stale);
        let s: KioskStatus = serde_json::from_str(r#"{"paired":false}"#).expect("not paired");
        assert!(!s.paired && !s.stale);
        assert_eq!(s.structure_name(), "");
        let s: KioskStatus =
            serde_json::from_str(r#"{"paired":false,"stale":true}"#).expect("stale");
        assert!(!s.paired && s.stale);
    }

    #[test]
    fn kiosk_codes_and_lists_read_what_the_server_sends() {
        let c: KioskCode = serde_json::from_str(
            r#"{"id":4,"name":"Borne","code":"K7M4-QX2P-7H","expires":"08/03/2026 à 11h00","expires_at":1,"valid_days":7,"note":"…"}"#,
        )
        .expect("code");
        assert_eq!((c.code.as_str(), c.valid_days), ("K7M4-QX2P-7H", 7));
        assert_eq!(c.expires, "08/03/2026 à 11h00");
        // An older server's list has no pairing fields.
        let k: Kiosk =
            serde_json::from_str(r#"{"id":4,"name":"Borne","date":"01/03/2026"}"#).expect("kiosk");
        assert!(!k.installed && !k.code_waiting && k.code_expires.is_none());
        assert_eq!(
            error_field(r#"{"error":"x","code":"invalid","field":"password"}"#).as_deref(),
            Some("password")
        );
        assert_eq!(error_field("not json"), None);
    }

    #[test]
    fn error_answers_keep_the_servers_message() {
        let e = ApiError::from_answer(
            404,
            r#"{"error":"Aucun résultat pour le code K7M4-QX2P.","code":"not_found"}"#,
        );
        assert_eq!(e.message, "Aucun résultat pour le code K7M4-QX2P.");
        assert_eq!(e.code, "not_found");
        let e = ApiError::from_answer(502, "<html>Bad gateway</html>");
        assert_eq!(e.status, 502);
        assert!(e.message.contains("Réessayez"));
        assert!(ApiError::from_answer(401, "").is_logged_out());
    }
}
