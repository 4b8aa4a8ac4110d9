//! `settings`: a phone settings screen with switches, and the Wi-Fi networks under
//! the `wifi` switch while it is on. Switches are `role="switch"` buttons whose
//! state is also written in words (never colour alone). In the look of the
//! person's phone ([`Look`]): on an iPhone, « Réglages » with coloured square icons
//! in a grouped list and green switches; on Android, « Paramètres » with round
//! icons and switches that carry a check mark when on.

use leptos::prelude::*;
use repere_items::{Action, BankItem, Icon, Settings};

use super::look::Look;
use super::{icons, status_bar, Recorder};
use crate::bank::dom_id;

/// The colour family of a setting's icon (iPhone squares, Android circles).
fn icon_tone(icon: Icon) -> &'static str {
    match icon {
        Icon::Airplane => "tone-orange",
        Icon::Data => "tone-green",
        Icon::Sound => "tone-red",
        Icon::Wifi | Icon::Bluetooth | Icon::Location | Icon::Brightness => "tone-blue",
    }
}

/// The settings simulation.
#[component]
pub fn SettingsSim(
    item: &'static BankItem,
    scene: &'static Settings,
    recorder: Recorder,
    look: Look,
) -> impl IntoView {
    let states = RwSignal::new(scene.toggles.iter().map(|t| t.on).collect::<Vec<bool>>());
    let connected = RwSignal::new(None::<usize>);
    let rows = scene
        .toggles
        .iter()
        .enumerate()
        .map(|(i, toggle)| {
            let label_id = dom_id(item, &format!("toggle-{}", toggle.id));
            let on = move || states.with(|s| s.get(i).copied().unwrap_or(false));
            let flip = move |_| {
                let now = !on();
                states.update(|s| {
                    if let Some(x) = s.get_mut(i) {
                        *x = now;
                    }
                });
                recorder.push(Action::Toggle {
                    target: toggle.id.clone(),
                    on: now,
                });
            };
            let networks = (toggle.id == "wifi" && !scene.networks.is_empty()).then(|| {
                let list = scene
                    .networks
                    .iter()
                    .enumerate()
                    .map(|(j, network)| {
                        let is_connected = move || connected.get() == Some(j);
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="network-row"
                                    class:connected=is_connected
                                    on:click=move |_| {
                                        recorder.tap(&network.id);
                                        connected.set(Some(j));
                                    }
                                >
                                    {icons::setting(Icon::Wifi)}
                                    <span class="network-name">{network.name.clone()}</span>
                                    {network
                                        .secured
                                        .then(|| {
                                            view! {
                                                <span class="network-lock">
                                                    {icons::padlock()}
                                                    <span class="visually-hidden">"protégé"</span>
                                                </span>
                                            }
                                        })}
                                    <Show when=is_connected>
                                        <span class="badge connected-badge">
                                            {icons::check()}
                                            "Connecté"
                                        </span>
                                    </Show>
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="networks" hidden=move || !on()>
                        <p class="label">{look.networks_heading()}</p>
                        <ul>{list}</ul>
                    </div>
                }
            });
            view! {
                <li class="setting-row">
                    <div class="setting-line">
                        <span class="setting-label" id=label_id.clone()>
                            <span class=format!("setting-icon {}", icon_tone(toggle.icon))>
                                {icons::setting(toggle.icon)}
                            </span>
                            {toggle.label.clone()}
                        </span>
                        <button
                            type="button"
                            role="switch"
                            class="switch"
                            class:on=on
                            aria-checked=move || on().to_string()
                            aria-labelledby=label_id
                            on:click=flip
                        >
                            <span class="switch-track" aria-hidden="true">
                                <span class="switch-knob">{icons::check()}</span>
                            </span>
                            <span class="switch-state" aria-hidden="true">
                                {move || if on() { "Activé" } else { "Désactivé" }}
                            </span>
                        </button>
                    </div>
                    {networks}
                </li>
            }
        })
        .collect_view();
    view! {
        <section
            class=format!("sim sim-settings {}", look.class())
            aria-label="Réglages du téléphone (simulation)"
        >
            {status_bar()}
            <div class="sim-bar">
                <span class="sim-app">{look.settings_app()}</span>
            </div>
            <div class="sim-screen">
                <h2 class="sim-title">{look.settings_title(&scene.title)}</h2>
                <ul class="setting-list">{rows}</ul>
            </div>
        </section>
    }
}
