//! The staff screens: login, the agent's screening, the mediator's profiles and
//! sessions, the admin's accounts and kiosks. They talk to the server through [`crate::api`]; nothing of them is
//! kept in the browser's storage.
//!
//! Every staff area sits behind [`StaffGate`]: it asks the server who is logged in
//! (`GET /api/me`), shows the login form when nobody is, and the area's screens when
//! the account has the right role. A request that answers 401 later (session
//! expired) brings the login form back with a plain message.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError, Me};
use crate::state::AppState;

mod admin;
mod agent;
mod login;
mod mediator;
mod result;

pub use admin::AdminArea;
pub use agent::AgentArea;
pub use login::LoginArea;
pub use mediator::MediatorArea;

/// Where the session stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    /// Asking the server.
    Checking,
    /// Nobody is logged in; the message says why, if there is something to say.
    LoggedOut(Option<String>),
    /// An account is logged in.
    LoggedIn(Me),
}

impl SessionState {
    fn kind(&self) -> u8 {
        match self {
            SessionState::Checking => 0,
            SessionState::LoggedOut(_) => 1,
            SessionState::LoggedIn(_) => 2,
        }
    }
}

/// The session, shared by the screens of a staff area.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

impl Session {
    /// Turns an API error into the message to show; a 401 logs out and shows the
    /// login form instead (the message is then for that form).
    pub fn message(&self, error: &ApiError) -> String {
        if error.is_logged_out() {
            self.0.set(SessionState::LoggedOut(Some(
                "Votre session est terminée. Connectez-vous à nouveau.".into(),
            )));
        }
        error.message.clone()
    }

    /// The logged-in account, if any (untracked).
    pub fn me(&self) -> Option<Me> {
        match self.0.get_untracked() {
            SessionState::LoggedIn(me) => Some(me),
            _ => None,
        }
    }
}

/// Who may use a staff area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Post office agents (`/agent`).
    Agent,
    /// Mediators, and admins for the list and exports (`/mediateur`).
    Mediator,
    /// Admins of a structure (`/admin`).
    Admin,
}

impl Audience {
    fn admits(self, role: &str) -> bool {
        match self {
            Audience::Agent => role == "agent",
            Audience::Mediator => role == "trainer" || role == "admin",
            Audience::Admin => role == "admin",
        }
    }
}

/// The home of a role (where a login leads).
pub fn home_of(role: &str) -> &'static str {
    match role {
        "agent" => "/agent",
        "admin" => "/admin",
        _ => "/mediateur",
    }
}

/// Sets the page title (WCAG 2.4.2).
pub fn set_title(title: &str) {
    document().set_title(&format!("{title} — Repère"));
}

/// Moves focus to the heading of the screen once it is drawn.
pub fn focus_heading_soon() {
    request_animation_frame(crate::frame::focus_heading);
}

/// Moves focus to the element `id` once it is drawn.
pub fn focus_soon(id: &'static str) {
    focus_id_soon(id.to_string());
}

/// Moves focus to the element `id` once it is drawn.
pub fn focus_id_soon(id: String) {
    request_animation_frame(move || {
        if let Some(e) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = e.focus();
        }
    });
}

/// Asks the server who is logged in and shows, in turn: « Un instant… », the login
/// form, or `children` (with the account bar above) when the account belongs to
/// `audience`.
#[component]
pub fn StaffGate(audience: Audience, children: ChildrenFn) -> impl IntoView {
    let state = expect_context::<AppState>();
    // « Écouter » reads what the screen shows.
    state.read_text.set(String::new());
    let session = Session(RwSignal::new(SessionState::Checking));
    provide_context(session);
    spawn_local(async move {
        let next = match api::me().await {
            Ok(me) => SessionState::LoggedIn(me),
            Err(e) if e.is_logged_out() => SessionState::LoggedOut(None),
            Err(e) => SessionState::LoggedOut(Some(e.message)),
        };
        session.0.set(next);
    });
    // Logging in or out changes the whole screen: focus goes to its heading.
    Effect::new(move |previous: Option<u8>| {
        let kind = session.0.with(SessionState::kind);
        if previous.is_some_and(|p| p != 0 && p != kind) {
            focus_heading_soon();
        }
        kind
    });
    let children = StoredValue::new(children);
    move || match session.0.get() {
        SessionState::Checking => view! { <p class="wiping">"Un instant…"</p> }.into_any(),
        SessionState::LoggedOut(reason) => {
            set_title("Connexion");
            view! { <login::LoginForm reason=reason /> }.into_any()
        }
        SessionState::LoggedIn(me) if audience.admits(&me.user.role) => view! {
            <AccountBar me=me.clone() />
            {children.read_value()()}
        }
        .into_any(),
        SessionState::LoggedIn(me) => view! {
            <AccountBar me=me.clone() />
            <WrongArea me=me />
        }
        .into_any(),
    }
}

/// Who is logged in, and « Se déconnecter ».
#[component]
fn AccountBar(me: Me) -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = expect_context::<Session>();
    let busy = RwSignal::new(false);
    let logout = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            // Logged out on the server or not (network down), this screen forgets
            // the account: the cookie expires on its own.
            let _ = api::logout().await;
            session.0.set(SessionState::LoggedOut(None));
            state.announce("Vous êtes déconnecté.");
        });
    };
    let structure = me.user.structure.name.clone().unwrap_or_default();
    let role = if me.user.role_label.is_empty() {
        me.user.role.clone()
    } else {
        me.user.role_label.clone()
    };
    view! {
        <section class="account-bar no-print" aria-label="Votre compte">
            <p class="account-who">
                <strong>{me.user.login.clone()}</strong>
                <span class="account-detail">{format!("{role} · {structure}")}</span>
            </p>
            <button
                type="button"
                class="button secondary"
                on:click=logout
                aria-disabled=move || busy.get().to_string()
            >
                "Se déconnecter"
            </button>
        </section>
    }
}

/// An account of another role opened this area.
#[component]
fn WrongArea(me: Me) -> impl IntoView {
    set_title("Page réservée");
    let home = home_of(&me.user.role);
    let (text, link) = match me.user.role.as_str() {
        "agent" => (
            "Cette page n'est pas pour les agents.",
            "Aller à l'espace agent",
        ),
        "admin" => (
            "Cette page est pour les agents.",
            "Aller à l'administration",
        ),
        _ => (
            "Cette page n'est pas pour les médiateurs.",
            "Aller à l'espace médiateur",
        ),
    };
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Page réservée"</h1>
            <p>{text}</p>
            <p>
                <a class="button" href=home>
                    {link}
                </a>
            </p>
        </div>
    }
}

/// A hint or error paragraph tied to a field: its id, for `aria-describedby`.
pub fn described_by(ids: &[(&str, bool)]) -> Option<String> {
    let list: Vec<&str> = ids
        .iter()
        .filter(|(_, shown)| *shown)
        .map(|(id, _)| *id)
        .collect();
    (!list.is_empty()).then(|| list.join(" "))
}

/// The mark before an error message (the text says it too: colour is never the
/// only sign).
pub fn error_mark() -> impl IntoView {
    view! {
        <span class="error-mark" aria-hidden="true">
            "!"
        </span>
    }
}
