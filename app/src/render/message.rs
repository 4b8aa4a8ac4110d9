//! `message`: an SMS or an e-mail to judge. Touching a link in the message, or one
//! of the decisions under it, chooses the answer (one decision, like in real
//! life); the person may choose another, then « Valider ma réponse » confirms.
//! In the look of the person's phone ([`Look`]): the sender's round picture and
//! name at the top, the SMS in a bubble under « Message texte » (iPhone) or
//! « SMS » (Android), the e-mail's sender under its subject.

use leptos::prelude::*;
use repere_items::{BankItem, Channel, MessageScene};

use super::look::{initial, Look};
use super::{icons, is_tap_draft, status_bar, tap_draft, Draft};
use crate::bank::dom_id;

/// A contact's round picture: the first letter of the name, or a person's
/// outline for a number (decorative: the name is written beside it).
pub fn avatar(name: &str) -> impl IntoView {
    let letter = initial(name);
    view! {
        <span class="avatar" aria-hidden="true">
            {match letter {
                Some(c) => c.to_string().into_any(),
                None => icons::person().into_any(),
            }}
        </span>
    }
}

/// The message simulation.
#[component]
pub fn MessageSim(
    item: &'static BankItem,
    scene: &'static MessageScene,
    draft: Draft,
    look: Look,
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
        Channel::Sms => (look.messages_app(), "SMS reçu (simulation)"),
        Channel::Mail => (look.mail_app(), "E-mail reçu (simulation)"),
    };
    let header = match scene.channel {
        Channel::Sms => view! {
            <div class="sms-head">
                <span class="sim-back" aria-hidden="true">{icons::back()}</span>
                {avatar(&scene.from)}
                <h2 class="sim-title">{scene.from.clone()}</h2>
            </div>
            <p class="sim-date">
                <span class="sms-kind">{look.sms_label()}</span>
                " "
                {scene.date.clone()}
            </p>
        }
        .into_any(),
        Channel::Mail => view! {
            <h2 class="sim-title">{scene.subject.clone().unwrap_or_default()}</h2>
            <div class="mail-sender">
                {avatar(&scene.from)}
                <dl class="mail-meta">
                    <dt>"De :"</dt>
                    <dd>
                        <span class="sender-name">{scene.from.clone()}</span>
                        " "
                        {scene
                            .from_address
                            .as_ref()
                            .map(|a| view! { <span class="sender-address">{format!("<{a}>")}</span> })}
                    </dd>
                    <dt>"Date :"</dt>
                    <dd>{scene.date.clone()}</dd>
                </dl>
            </div>
        }
        .into_any(),
    };
    let reply_field = (scene.channel == Channel::Sms).then(|| {
        view! {
            <div class="sms-compose" aria-hidden="true">
                <span class="sms-field">{look.sms_field()}</span>
                <span class="sms-send">{icons::paper_plane()}</span>
            </div>
        }
    });
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
            class=format!(
                "sim sim-message {} {}",
                match scene.channel {
                    Channel::Sms => "sim-sms",
                    Channel::Mail => "sim-mail",
                },
                look.class(),
            )
            aria-label=label
        >
            {status_bar()}
            <div class="sim-bar">
                <span class="sim-app">{app}</span>
            </div>
            <div class="sim-screen">
                {header}
                <div class="message-body">{paragraphs} {links}</div>
                {reply_field}
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
