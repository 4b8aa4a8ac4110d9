//! The state shared by every screen, provided once as a Leptos context.
//!
//! It holds signals only (cheap to copy). Everything here is about the current
//! person and disappears with the page: the kiosk reset reloads the page after
//! wiping the browser's storage.

use std::time::Duration;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::routes::Screen;
use crate::settings::Settings;
use crate::speech::Speech;
use crate::storage;

const PROGRESS_KEY: &str = "repere.progress";

/// Where the person is, kept in `sessionStorage` so that a reload resumes there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Progress {
    screen: Option<Screen>,
    context: Vec<String>,
}

/// Signals shared by the screens.
#[derive(Clone, Copy)]
pub struct AppState {
    /// How this copy runs (kiosk or not), read once at start.
    pub config: StoredValue<Config>,
    /// The screen shown.
    pub screen: RwSignal<Screen>,
    /// Comfort settings of the current person.
    pub settings: RwSignal<Settings>,
    /// Answers to the context questions, as `question:answer`.
    pub context: RwSignal<Vec<String>>,
    /// Text of the polite live region (state changes such as « Réponse
    /// enregistrée »).
    pub status: RwSignal<String>,
    /// What « Écouter » reads on this screen (set by each screen).
    pub read_text: RwSignal<String>,
    /// The settings dialog is open.
    pub settings_open: RwSignal<bool>,
    /// Seconds left before the kiosk wipes everything, while the idle question
    /// shows.
    pub idle_countdown: RwSignal<Option<u32>>,
    /// The kiosk reset has started: the screens are already emptied.
    pub resetting: RwSignal<bool>,
    /// Reading aloud.
    pub speech: Speech,
    /// The mediation places shown with the finished test (a kiosk's, ranked from
    /// its kept places; on an own device, found with the person's postcode), for
    /// the result and print screens.
    pub places: RwSignal<Vec<repere_items::places::Card>>,
    /// The item bank: `None` while it is fetched, then whether it could be used
    /// (`crate::bank::load`).
    pub bank: RwSignal<Option<Result<(), String>>>,
}

impl AppState {
    /// The state of a fresh page.
    pub fn new(config: Config) -> AppState {
        let progress: Progress =
            storage::get_json(storage::session(), PROGRESS_KEY).unwrap_or_default();
        AppState {
            config: StoredValue::new(config),
            screen: RwSignal::new(progress.screen.unwrap_or(Screen::Welcome)),
            settings: RwSignal::new(Settings::load()),
            context: RwSignal::new(progress.context),
            status: RwSignal::new(String::new()),
            read_text: RwSignal::new(String::new()),
            settings_open: RwSignal::new(false),
            idle_countdown: RwSignal::new(None),
            resetting: RwSignal::new(false),
            speech: Speech::init(),
            places: RwSignal::new(Vec::new()),
            bank: RwSignal::new(None),
        }
    }

    /// Whether this copy is a shared kiosk.
    pub fn kiosk(&self) -> bool {
        self.config.with_value(|c| c.kiosk)
    }

    /// Says `message` through the polite live region. The region is emptied
    /// first, so that the same message said twice is announced twice.
    pub fn announce(&self, message: &str) {
        let status = self.status;
        let message = message.to_string();
        status.set(String::new());
        set_timeout(move || status.set(message), Duration::from_millis(120));
    }

    /// Keeps the screen and the context answers for a reload (nothing is kept
    /// while the person is still on the welcome screen with no answer).
    pub fn save_progress(&self) {
        let progress = Progress {
            screen: Some(self.screen.get()),
            context: self.context.get(),
        };
        if progress.screen == Some(Screen::Welcome) && progress.context.is_empty() {
            storage::remove(storage::session(), PROGRESS_KEY);
        } else {
            storage::set_json(storage::session(), PROGRESS_KEY, &progress);
        }
    }

    /// Whether the page shows something of a person: a screen past the welcome,
    /// or context answers given.
    pub fn has_progress(&self) -> bool {
        self.screen.get_untracked() != Screen::Welcome
            || !self.context.with_untracked(Vec::is_empty)
    }

    /// Shows another screen.
    pub fn go(&self, screen: Screen) {
        self.screen.set(screen);
    }
}
