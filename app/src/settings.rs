//! Comfort settings: text size, contrast, reading aloud.
//!
//! They belong to the current person only: kept in `sessionStorage` (so a reload
//! keeps them) and wiped by the kiosk reset. They are applied as attributes of
//! `<html>` (`data-text-size`, `data-contrast`) that `style.css` reads.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::storage;

const KEY: &str = "repere.settings";

/// The size of the text: 22, 28 or 34 CSS pixels for body text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextSize {
    /// 22 px.
    #[default]
    Normal,
    /// 28 px.
    Large,
    /// 34 px.
    Larger,
}

impl TextSize {
    /// Every size, smallest first.
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Larger];

    /// The value of `<html data-text-size>`.
    pub fn attr(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Larger => "larger",
        }
    }

    /// What the person reads.
    pub fn label(self) -> &'static str {
        match self {
            TextSize::Normal => "Normal",
            TextSize::Large => "Grand",
            TextSize::Larger => "Très grand",
        }
    }
}

/// The comfort settings of the current person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Size of the text.
    pub text_size: TextSize,
    /// High contrast: white and yellow on black (far above the AAA 7:1 ratio).
    pub high_contrast: bool,
    /// Read each new screen aloud as soon as it shows, and the kiosk's idle
    /// question (the « Écouter » button is always there anyway when the app can
    /// read aloud: a French voice of the device, or the recorded voice).
    pub read_aloud: bool,
}

impl Settings {
    /// The settings kept for this tab, or the defaults.
    pub fn load() -> Settings {
        storage::get_json(storage::session(), KEY).unwrap_or_default()
    }

    /// Keeps the settings for this tab (nothing is stored for the defaults).
    pub fn save(&self) {
        if *self == Settings::default() {
            storage::remove(storage::session(), KEY);
        } else {
            storage::set_json(storage::session(), KEY, self);
        }
    }

    /// Applies the settings to the page.
    pub fn apply(&self) {
        let Some(html) = document().document_element() else {
            return;
        };
        let _ = html.set_attribute("data-text-size", self.text_size.attr());
        let _ = html.set_attribute(
            "data-contrast",
            if self.high_contrast { "high" } else { "normal" },
        );
    }
}

/// The settings as radio groups, applied at once. `prefix` keeps the groups of two
/// copies (welcome screen and settings dialog) apart.
#[component]
pub fn SettingsForm(prefix: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = state.settings;
    let sizes = TextSize::ALL
        .into_iter()
        .map(|size| {
            view! {
                <label class="option">
                    <input
                        type="radio"
                        name=format!("{prefix}-text-size")
                        value=size.attr()
                        prop:checked=move || settings.with(|s| s.text_size == size)
                        on:change=move |_| settings.update(|s| s.text_size = size)
                    />
                    <span class=format!("sample sample-{}", size.attr()) aria-hidden="true">
                        "A"
                    </span>
                    <span>{size.label()}</span>
                </label>
            }
        })
        .collect_view();
    let choice = move |name: &'static str,
                       label: &'static str,
                       value: bool,
                       get: fn(&Settings) -> bool,
                       set: fn(&mut Settings, bool)| {
        view! {
            <label class="option">
                <input
                    type="radio"
                    name=format!("{prefix}-{name}")
                    value=if value { "oui" } else { "non" }
                    prop:checked=move || settings.with(|s| get(s) == value)
                    on:change=move |_| settings.update(|s| set(s, value))
                />
                <span>{label}</span>
            </label>
        }
    };
    let speech = state.speech;
    view! {
        <div class="settings">
            <fieldset class="setting">
                <legend>"Taille du texte"</legend>
                <div class="options">{sizes}</div>
            </fieldset>
            <fieldset class="setting">
                <legend>"Contraste"</legend>
                <div class="options">
                    {choice("contrast", "Normal", false, |s| s.high_contrast, |s, v| s.high_contrast = v)}
                    {choice("contrast", "Renforcé", true, |s| s.high_contrast, |s, v| s.high_contrast = v)}
                </div>
            </fieldset>
            <Show when=move || speech.available.get()>
                <fieldset class="setting">
                    <legend>"Lire chaque écran à voix haute"</legend>
                    <div class="options">
                        {choice("read-aloud", "Non", false, |s| s.read_aloud, |s, v| s.read_aloud = v)}
                        {choice("read-aloud", "Oui", true, |s| s.read_aloud, |s, v| s.read_aloud = v)}
                    </div>
                </fieldset>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_tolerate_old_shapes() {
        let s = Settings {
            text_size: TextSize::Larger,
            high_contrast: true,
            read_aloud: false,
        };
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Settings>(&text).unwrap(), s);
        // A missing field takes its default; an unknown field is ignored.
        let old: Settings = serde_json::from_str(r#"{"high_contrast":true,"x":1}"#).unwrap();
        assert_eq!(old.text_size, TextSize::Normal);
        assert!(old.high_contrast);
    }
}
