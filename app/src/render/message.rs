//! `message`: an SMS or an e-mail to judge. Touching a link in the message, or one
//! of the decisions under it, chooses the answer (one decision, like in real
//! life); the person may choose another, then « Valider ma réponse » confirms.

use leptos::prelude::*;
use repere_items::{BankItem, Channel, MessageScene};

use super::{is_tap_draft, tap_draft, Draft};
use crate::bank::dom_id;

/// The message simulation.
#[component]
pub fn MessageSim(
    item: &'static BankItem,
    scene: &'static MessageScene,
    draft: Draft,
) -> impl IntoView {
    let decide = move |target: &str| draft.set(Some(tap_draft(target)));
    let chosen = move |target: &'static str| move || is_tap_draft(&draft.get(), target);
    let paragraphs = scene
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| view! { <p>{p.to_string()}</p> })
        .collect_view();
    let links = scene
        .links
        .iter()
        .map(|link| {
            view! {
                <p>
                    <button
                        type="button"
                        class="sim-link"
                        class:chosen=chosen(&link.id)
                        aria-pressed=move || chosen(&link.id)().to_string()
                        on:click=move |_| decide(&link.id)
                    >
                        {link.text.clone()}
                    </button>
                </p>
            }
        })
        .collect_view();
    let (app, label) = match scene.channel {
        Channel::Sms => ("Messages", "SMS reçu (simulation)"),
        Channel::Mail => ("Messagerie", "E-mail reçu (simulation)"),
    };
    let header = match scene.channel {
        Channel::Sms => view! {
            <h2 class="sim-title">{scene.from.clone()}</h2>
            <p class="sim-date">{scene.date.clone()}</p>
        }
        .into_any(),
        Channel::Mail => view! {
            <h2 class="sim-title">{scene.subject.clone().unwrap_or_default()}</h2>
            <dl class="mail-meta">
                <dt>"De :"</dt>
                <dd>
                    {match &scene.from_address {
                        Some(a) => format!("{} <{a}>", scene.from),
                        None => scene.from.clone(),
                    }}
                </dd>
                <dt>"Date :"</dt>
                <dd>{scene.date.clone()}</dd>
            </dl>
        }
        .into_any(),
    };
    let choices = scene
        .choices
        .iter()
        .map(|choice| {
            view! {
                <li>
                    <button
                        type="button"
                        class="decision"
                        class:chosen=chosen(&choice.id)
                        aria-pressed=move || chosen(&choice.id)().to_string()
                        on:click=move |_| decide(&choice.id)
                    >
                        {choice.label.clone()}
                    </button>
                </li>
            }
        })
        .collect_view();
    let decisions_id = dom_id(item, "decisions");
    view! {
        <section
            class=match scene.channel {
                Channel::Sms => "sim sim-message sim-sms",
                Channel::Mail => "sim sim-message sim-mail",
            }
            aria-label=label
        >
            <div class="sim-bar">
                <span class="sim-app">{app}</span>
            </div>
            <div class="sim-screen">
                {header}
                <div class="message-body">{paragraphs} {links}</div>
            </div>
        </section>
        <h2 class="decisions-title" id=decisions_id.clone()>
            "Que faites-vous ?"
        </h2>
        <ul class="decisions" aria-labelledby=decisions_id>
            {choices}
        </ul>
        <ChosenLine scene draft />
    }
}

/// What the person chose, said in words under the decisions (a link touched in the
/// message is chosen too, and would be easy to miss).
#[component]
fn ChosenLine(scene: &'static MessageScene, draft: Draft) -> impl IntoView {
    let text = move || {
        let d = draft.get();
        if let Some(l) = scene.links.iter().find(|l| is_tap_draft(&d, &l.id)) {
            Some(format!("Votre choix : ouvrir le lien {}.", l.text))
        } else {
            scene
                .choices
                .iter()
                .find(|c| is_tap_draft(&d, &c.id))
                .map(|c| format!("Votre choix : {}.", c.label.trim_end_matches('.')))
        }
    };
    view! {
        <p class="chosen-line" aria-live="polite">
            {move || text().unwrap_or_default()}
        </p>
    }
}
