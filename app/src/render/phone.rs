//! `settings`: a phone settings screen with switches, and the Wi-Fi networks under
//! the `wifi` switch while it is on. Switches are `role="switch"` buttons whose
//! state is also written in words (never colour alone).

use leptos::prelude::*;
use repere_items::{Action, BankItem, Settings};

use super::{icons, Recorder};
use crate::bank::dom_id;

/// The settings simulation.
#[component]
pub fn SettingsSim(
    item: &'static BankItem,
    scene: &'static Settings,
    recorder: Recorder,
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
                                    on:click=move |_| {
                                        recorder.tap(&network.id);
                                        connected.set(Some(j));
                                    }
                                >
                                    {icons::setting(repere_items::Icon::Wifi)}
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
                                        <span class="badge">"Connecté"</span>
                                    </Show>
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="networks" hidden=move || !on()>
                        <p class="label">"Réseaux disponibles"</p>
                        <ul>{list}</ul>
                    </div>
                }
            });
            view! {
                <li class="setting-row">
                    <div class="setting-line">
                        <span class="setting-label" id=label_id.clone()>
                            {icons::setting(toggle.icon)}
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
                                <span class="switch-knob"></span>
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
        <section class="sim sim-settings" aria-label="Réglages du téléphone (simulation)">
            <div class="sim-bar">
                <span class="sim-app">"Téléphone"</span>
            </div>
            <div class="sim-screen">
                <h2 class="sim-title">{scene.title.clone()}</h2>
                <ul class="setting-list">{rows}</ul>
            </div>
        </section>
    }
}
