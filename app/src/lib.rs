//! The Repère web front end: kiosk, agent and trainer screens.
//!
//! Views hold no business logic: they call the engine (compiled to WebAssembly with
//! the app) and the item bank, checked at build time and fetched from the server at
//! start (`bank`).
//!
//! Map of this crate:
//! - [`routes`]: every area (URL path) and screen, declared in one place;
//! - [`config`]: kiosk, agent's screening or personal device, idle delays;
//! - `state`: the signals shared by the screens;
//! - `settings`, `speech`, `spoken`: comfort settings, reading aloud (the
//!   device's French voice, or clips recorded at build time) and the texts read;
//! - `kiosk`: the idle question and the full reset between two people;
//! - `offline`: the service worker and the queue of results to send, each to
//!   its endpoint;
//! - `frame`, `screens`: what the person sees;
//! - [`api`]: the client of the server's JSON API (staff screens: login, the
//!   agent's screening, the mediator's profiles).
//! - [`places`]: the mediation places shown with a result (kept by a kiosk for
//!   offline use).
//!
//! Two binaries, two wasm bundles ([`routes::Bundle`]): `repere-app` (`src/main.rs`,
//! loaded by `index.html`: the self-test, the preview) starts the app with
//! [`SELF_TEST`], `repere-staff` (`src/bin/repere-staff.rs`, loaded by
//! `staff.html`: login, agent, mediator, admin, the kiosk installation) with
//! [`STAFF`]. Nothing in this
//! library outside [`staff_areas`] names a staff screen, so the linker leaves every
//! staff screen out of the self-test bundle (`cargo xtask build` checks it).

use leptos::prelude::*;

pub mod api;
mod bank;
pub mod config;
mod frame;
mod kiosk;
pub mod offline;
pub mod places;
mod render;
pub mod routes;
mod screens;
mod settings;
mod speech;
mod spoken;
pub mod state;
mod storage;
mod test_run;

use config::Config;
use routes::{Area, Bundle, Screen};
use state::AppState;

/// What a binary puts in the app: which bundle it is and how it draws its areas.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The bundle this binary is.
    pub bundle: Bundle,
    /// Draws an area of this bundle (called inside the app's reactive view).
    pub areas: fn(Area) -> AnyView,
}

/// The self-test bundle (`index.html`).
pub const SELF_TEST: Entry = Entry {
    bundle: Bundle::SelfTest,
    areas: self_test_areas,
};

/// The staff bundle (`staff.html`).
pub const STAFF: Entry = Entry {
    bundle: Bundle::Staff,
    areas: staff_areas,
};

/// Starts the app of `entry` in the page's `<body>`.
pub fn start(entry: Entry) {
    console_error_panic_hook::set_once();
    // The page's « Chargement en cours » has done its job.
    if let Some(loading) = document().get_element_by_id("chargement") {
        loading.remove();
    }
    leptos::mount::mount_to_body(move || view! { <App entry /> });
}

/// The areas of the self-test bundle.
fn self_test_areas(area: Area) -> AnyView {
    let state = expect_context::<AppState>();
    // Every screen after the welcome reads the item bank: it waits for it.
    let needs_bank = match area {
        Area::Preview => true,
        Area::SelfTest => state.screen.get() != Screen::Welcome,
        _ => false,
    };
    if let Some(waiting) = bank_wait(&state, needs_bank) {
        return waiting;
    }
    match area {
        Area::Preview => view! { <screens::Preview /> }.into_any(),
        Area::SelfTest => match state.screen.get() {
            Screen::Welcome => view! { <screens::Welcome /> }.into_any(),
            Screen::Context(index) => view! { <screens::ContextScreen index /> }.into_any(),
            Screen::Question => view! { <screens::QuestionScreen /> }.into_any(),
            Screen::Result => view! { <screens::ResultScreen /> }.into_any(),
            Screen::Print => view! { <screens::PrintScreen /> }.into_any(),
        },
        Area::NotFound
        | Area::Login
        | Area::Agent
        | Area::Mediator
        | Area::Admin
        | Area::Pairing => view! { <screens::NotFound /> }.into_any(),
    }
}

/// While the item bank is not there, what a screen that reads it shows instead.
fn bank_wait(state: &AppState, needs_bank: bool) -> Option<AnyView> {
    if !needs_bank {
        return None;
    }
    match state.bank.get() {
        None => Some(view! { <screens::BankLoading /> }.into_any()),
        Some(Err(_)) => Some(view! { <screens::BankUnavailable /> }.into_any()),
        Some(Ok(())) => None,
    }
}

/// The areas of the staff bundle (the only place that names the staff screens and
/// the kiosk installation).
fn staff_areas(area: Area) -> AnyView {
    // The mediator's screens name domains, levels and skills from the bank.
    let state = expect_context::<AppState>();
    if let Some(waiting) = bank_wait(&state, area == Area::Mediator) {
        return waiting;
    }
    match area {
        Area::Pairing => view! { <screens::PairingArea /> }.into_any(),
        Area::Login => view! { <screens::staff::LoginArea /> }.into_any(),
        Area::Agent => view! { <screens::staff::AgentArea /> }.into_any(),
        Area::Mediator => view! { <screens::staff::MediatorArea /> }.into_any(),
        Area::Admin => view! { <screens::staff::AdminArea /> }.into_any(),
        Area::SelfTest | Area::Preview | Area::NotFound => {
            view! { <screens::NotFound /> }.into_any()
        }
    }
}

/// The whole application, with the areas of one bundle.
#[component]
fn App(entry: Entry) -> impl IntoView {
    let config = Config::from_browser();
    // Before anything is read from the browser's storage: on a kiosk, a page that
    // is not a reload starts a new visit with nothing of anyone.
    kiosk::begin_page(config.kiosk);
    let area = Area::from_path(&location().pathname().unwrap_or_default());
    let screening = config.screening.clone();
    let state = AppState::new(config);
    provide_context(state);
    // The item bank comes from the server (the service worker keeps it offline).
    leptos::task::spawn_local(async move {
        let loaded = bank::load().await.map(|_| ());
        if let Err(e) = &loaded {
            leptos::logging::error!("item bank: {e}");
        }
        state.bank.set(Some(loaded));
    });
    // The self-test's texts are recorded: without a French voice on the device,
    // they are read with the recorded clips.
    if entry.bundle == Bundle::SelfTest {
        state.speech.use_recorded_voice();
    }
    // Agent mode: a test of another screening left in this tab is not this
    // person's; start from the welcome screen.
    if area == Area::SelfTest {
        if let Some(s) = &screening {
            if test_run::bind_to_screening(s) {
                state.context.set(Vec::new());
                state.go(Screen::Welcome);
            }
        }
    }

    // Settings: applied to the page and kept for this tab.
    Effect::new(move |_| {
        let settings = state.settings.get();
        settings.apply();
        settings.save();
    });

    // Where the person is: kept for a reload.
    Effect::new(move |_| state.save_progress());

    // A new screen: stop reading, move focus to its heading, read it if asked.
    Effect::new(move |previous: Option<Screen>| {
        let screen = state.screen.get();
        if previous.is_some_and(|p| p != screen) {
            state.speech.stop();
            request_animation_frame(move || {
                frame::focus_heading();
                if state.settings.get_untracked().read_aloud {
                    state.speech.speak(&frame::screen_text(state));
                }
            });
        }
        screen
    });

    // Installing or uninstalling a kiosk at /borne is not a visit: no idle wipe.
    if state.kiosk() && area != Area::Pairing {
        kiosk::watch_idle(state);
    }
    offline::register_service_worker();
    offline::start_sender(state.kiosk());
    // A kiosk keeps its structure's mediation places for its results, offline too.
    if state.kiosk() && area == Area::SelfTest {
        leptos::task::spawn_local(places::refresh_kiosk_set());
    }

    let content = move || {
        if state.resetting.get() {
            return view! { <p class="wiping">"Un instant…"</p> }.into_any();
        }
        if area.bundle() == entry.bundle {
            (entry.areas)(area)
        } else {
            // The page of the other bundle: the server sends it for this path, so
            // this happens only offline, when the service worker holds no copy of it.
            view! { <screens::Unavailable /> }.into_any()
        }
    };

    view! {
        <frame::TopBar />
        <main id="contenu" tabindex="-1">
            {content}
        </main>
        {(area == Area::SelfTest && screening.is_some()).then(|| view! { <screens::AgentExit /> })}
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
            {move || state.status.get()}
        </div>
        <frame::SettingsDialog />
        {state.kiosk().then(|| view! { <kiosk::IdleDialog /> })}
    }
}
