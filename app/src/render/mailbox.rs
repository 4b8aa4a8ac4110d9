//! `mailbox`: a simulated mailbox as real HTML: inbox, message, composer, file
//! picker, "sent" screen. Every tap and field change is recorded as an action with
//! the element ids of the items README (`write`, `reply`, `forward`, `delete`,
//! `attach`, `send`, `back`, `to`, `subject`, `body`, message and file ids).
//!
//! As in real mail apps, the composer's « Joindre un fichier » is a paper clip
//! alone (its name is for screen readers and a pointer's tooltip). The rest follows
//! the person's phone ([`Look`]): on Android, « Supprimer » at the top of an opened
//! e-mail, « Répondre » and « Transférer » as round-cornered buttons under it, the
//! paper clip and « Envoyer » at the top of the composer; on an iPhone, the
//! actions in a bar at the bottom and the paper clip above the text.

use leptos::prelude::*;
use repere_items::{Action, BankItem, Mailbox, MailboxStart, MAX_TEXT_CHARS};

use super::look::Look;
use super::message::avatar;
use super::{icons, status_bar, Recorder};
use crate::bank::dom_id;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Inbox,
    Message(usize),
    Compose,
    Picker,
    Sent,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Composer {
    to: String,
    subject: String,
    body: String,
    attachments: Vec<String>,
    /// Where « Retour » leads from the composer.
    from_message: Option<usize>,
}

/// Moves focus to the heading of the simulated screen after it changed.
pub fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(h) = document()
            .get_element_by_id(&id)
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = h.focus();
        }
    });
}

/// The mailbox simulation.
#[component]
pub fn MailboxSim(
    item: &'static BankItem,
    scene: &'static Mailbox,
    recorder: Recorder,
    look: Look,
) -> impl IntoView {
    let start = match scene.start {
        MailboxStart::Inbox => View::Inbox,
        MailboxStart::Draft => View::Compose,
    };
    let view_state = RwSignal::new(start);
    let present = RwSignal::new((0..scene.messages.len()).collect::<Vec<usize>>());
    let unread = RwSignal::new(
        scene
            .messages
            .iter()
            .map(|m| m.unread)
            .collect::<Vec<bool>>(),
    );
    let draft = scene.draft.clone().unwrap_or_default();
    let composer = RwSignal::new(Composer {
        to: draft.to,
        subject: draft.subject,
        body: draft.body,
        ..Composer::default()
    });
    let title_id = dom_id(item, "sim-title");

    // Each new simulated screen takes the focus (not the first one).
    {
        let title_id = title_id.clone();
        Effect::new(move |previous: Option<View>| {
            let v = view_state.get();
            if previous.is_some_and(|p| p != v) {
                focus_later(title_id.clone());
            }
            v
        });
    }

    let go = move |v: View| view_state.set(v);
    let tap = move |target: &str| recorder.tap(target);

    let screen = move || {
        let title_id = title_id.clone();
        match view_state.get() {
            View::Inbox => {
                let rows = move || {
                    present
                        .get()
                        .into_iter()
                        .filter_map(|i| scene.messages.get(i).map(|m| (i, m)))
                        .map(|(i, m)| {
                            let is_unread =
                                move || unread.with(|u| u.get(i).copied().unwrap_or(false));
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="mail-row"
                                        class:unread=is_unread
                                        on:click=move |_| {
                                            tap(&m.id);
                                            unread.update(|u| {
                                                if let Some(x) = u.get_mut(i) {
                                                    *x = false;
                                                }
                                            });
                                            go(View::Message(i));
                                        }
                                    >
                                        {avatar(&m.from)}
                                        <span class="mail-from">
                                            <Show when=is_unread>
                                                <span class="unread-dot" aria-hidden="true"></span>
                                            </Show>
                                            {m.from.clone()}
                                            <Show when=is_unread>
                                                <span class="badge">"Nouveau"</span>
                                            </Show>
                                        </span>
                                        <span class="mail-subject">{m.subject.clone()}</span>
                                        <span class="mail-date">{m.date.clone()}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                };
                view! {
                    <h2 id=title_id tabindex="-1" class="sim-title">"Boîte de réception"</h2>
                    <div class="sim-toolbar compose-bar">
                        <button
                            type="button"
                            class="sim-button compose-button"
                            on:click=move |_| {
                                tap("write");
                                composer.set(Composer::default());
                                go(View::Compose);
                            }
                        >
                            {icons::pencil()}
                            "Écrire"
                        </button>
                    </div>
                    <Show
                        when=move || present.with(|p| !p.is_empty())
                        fallback=|| view! { <p>"Aucun message."</p> }
                    >
                        <ul class="mail-list">{rows}</ul>
                    </Show>
                }
                .into_any()
            }
            View::Message(i) => {
                let Some(m) = scene.messages.get(i) else {
                    return ().into_any();
                };
                let paragraphs = m
                    .body
                    .split("\n\n")
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| view! { <p>{p.to_string()}</p> })
                    .collect_view();
                let attachments = (!m.attachments.is_empty()).then(|| {
                    let files = m
                        .attachments
                        .iter()
                        .map(|a| view! { <li>{icons::file(repere_items::FileKind::Document)}{a.clone()}</li> })
                        .collect_view();
                    view! {
                        <div class="attachments">
                            <p class="label">"Pièces jointes :"</p>
                            <ul>{files}</ul>
                        </div>
                    }
                });
                let delete = move || {
                    view! {
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("delete");
                                present.update(|p| p.retain(|x| *x != i));
                                go(View::Inbox);
                            }
                        >
                            {icons::bin()}
                            "Supprimer"
                        </button>
                    }
                };
                let delete_on_top = look == Look::Android;
                view! {
                    <div class="sim-toolbar top-bar-sim">
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("back");
                                go(View::Inbox);
                            }
                        >
                            {icons::back()}
                            "Retour"
                        </button>
                        {delete_on_top.then(delete)}
                    </div>
                    <h2 id=title_id tabindex="-1" class="sim-title">{m.subject.clone()}</h2>
                    <div class="mail-sender">
                        {avatar(&m.from)}
                        <dl class="mail-meta">
                            <dt>"De :"</dt>
                            <dd>
                                <span class="sender-name">{m.from.clone()}</span>
                                " "
                                <span class="sender-address">{format!("<{}>", m.from_address)}</span>
                            </dd>
                            <dt>"Date :"</dt>
                            <dd>{m.date.clone()}</dd>
                        </dl>
                    </div>
                    <div class="mail-body">{paragraphs}</div>
                    {attachments}
                    <div class="sim-toolbar mail-actions">
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("reply");
                                composer.set(Composer {
                                    to: m.from_address.clone(),
                                    subject: format!("RE : {}", m.subject),
                                    from_message: Some(i),
                                    ..Composer::default()
                                });
                                go(View::Compose);
                            }
                        >
                            {icons::reply()}
                            "Répondre"
                        </button>
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("forward");
                                composer.set(Composer {
                                    subject: format!("TR : {}", m.subject),
                                    attachments: m.attachments.clone(),
                                    from_message: Some(i),
                                    ..Composer::default()
                                });
                                go(View::Compose);
                            }
                        >
                            {icons::forward()}
                            "Transférer"
                        </button>
                        {(!delete_on_top).then(delete)}
                    </div>
                }
                .into_any()
            }
            View::Compose => {
                let field = move |target: &'static str, label: &'static str, multiline: bool| {
                    let id = dom_id(item, &format!("mail-{target}"));
                    let value = move || {
                        composer.with(|c| match target {
                            "to" => c.to.clone(),
                            "subject" => c.subject.clone(),
                            _ => c.body.clone(),
                        })
                    };
                    let on_change = move |ev: leptos::ev::Event| {
                        let v = event_target_value(&ev);
                        composer.update(|c| match target {
                            "to" => c.to = v.clone(),
                            "subject" => c.subject = v.clone(),
                            _ => c.body = v.clone(),
                        });
                        recorder.push(Action::Fill {
                            target: target.to_string(),
                            value: v,
                        });
                    };
                    let input = if multiline {
                        view! {
                            <textarea
                                id=id.clone()
                                class="sim-input"
                                rows="5"
                                maxlength=MAX_TEXT_CHARS.to_string()
                                prop:value=value
                                on:change=on_change
                            ></textarea>
                        }
                        .into_any()
                    } else {
                        view! {
                            <input
                                id=id.clone()
                                class="sim-input"
                                type="text"
                                maxlength=MAX_TEXT_CHARS.to_string()
                                autocomplete="off"
                                prop:value=value
                                on:change=on_change
                            />
                        }
                        .into_any()
                    };
                    view! {
                        <div class="sim-field">
                            <label for=id>{label}</label>
                            {input}
                        </div>
                    }
                };
                let attached = move || {
                    composer.with(|c| {
                        (!c.attachments.is_empty()).then(|| {
                            let files = c
                                .attachments
                                .iter()
                                .map(|a| view! { <li>{icons::file(repere_items::FileKind::Document)}{a.clone()}</li> })
                                .collect_view();
                            view! {
                                <div class="attachments">
                                    <p class="label">"Pièce jointe :"</p>
                                    <ul>{files}</ul>
                                </div>
                            }
                        })
                    })
                };
                let attach = move || {
                    view! {
                        <button
                            type="button"
                            class="sim-button sim-icon-button attach-button"
                            aria-label="Joindre un fichier"
                            title="Joindre un fichier"
                            on:click=move |_| {
                                tap("attach");
                                go(View::Picker);
                            }
                        >
                            {icons::paper_clip()}
                        </button>
                    }
                };
                let send = move || {
                    view! {
                        <button
                            type="button"
                            class="sim-button sim-primary"
                            on:click=move |_| {
                                tap("send");
                                go(View::Sent);
                            }
                        >
                            {icons::paper_plane()}
                            "Envoyer"
                        </button>
                    }
                };
                let back = move || {
                    view! {
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("back");
                                match composer.with_untracked(|c| c.from_message) {
                                    Some(i) => go(View::Message(i)),
                                    None => go(View::Inbox),
                                }
                            }
                        >
                            {icons::back()}
                            "Retour"
                        </button>
                    }
                };
                // Android: back, the paper clip and « Envoyer » in the app bar;
                // iPhone: back and « Envoyer » in the app bar, the paper clip above
                // the text, where the keyboard's bar offers attachments; neutral:
                // the buttons under the message.
                let app_bar = look != Look::Neutral;
                let clip_in_bar = look == Look::Android;
                view! {
                    {app_bar
                        .then(|| {
                            view! {
                                <div class="sim-toolbar top-bar-sim">
                                    {back()}
                                    <span class="toolbar-gap"></span>
                                    {clip_in_bar.then(attach)}
                                    {send()}
                                </div>
                            }
                        })}
                    <h2 id=title_id tabindex="-1" class="sim-title">"Nouveau message"</h2>
                    {field("to", "À", false)}
                    {field("subject", "Objet", false)}
                    {(look == Look::Ios)
                        .then(|| view! { <div class="sim-toolbar format-bar">{attach()}</div> })}
                    {field("body", "Message", true)}
                    {attached}
                    {(!app_bar)
                        .then(|| {
                            view! { <div class="sim-toolbar">{attach()} {send()} {back()}</div> }
                        })}
                }
                .into_any()
            }
            View::Picker => {
                let files = scene
                    .files
                    .iter()
                    .map(|f| {
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="file-row"
                                    on:click=move |_| {
                                        tap(&f.id);
                                        composer.update(|c| {
                                            if !c.attachments.contains(&f.name) {
                                                c.attachments.push(f.name.clone());
                                            }
                                        });
                                        go(View::Compose);
                                    }
                                >
                                    {icons::file(f.kind)}
                                    {f.name.clone()}
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <h2 id=title_id tabindex="-1" class="sim-title">{look.picker_title()}</h2>
                    <ul class="file-list">{files}</ul>
                    <div class="sim-toolbar">
                        <button
                            type="button"
                            class="sim-button"
                            on:click=move |_| {
                                tap("back");
                                go(View::Compose);
                            }
                        >
                            {icons::back()}
                            "Retour"
                        </button>
                    </div>
                }
                .into_any()
            }
            View::Sent => view! {
                <h2 id=title_id tabindex="-1" class="sim-title">"Message envoyé"</h2>
                <p>"Votre message est parti."</p>
            }
            .into_any(),
        }
    };

    view! {
        <section
            class=format!("sim sim-mail {}", look.class())
            aria-label="Boîte mail (simulation)"
        >
            {status_bar()}
            <div class="sim-bar">
                <span class="sim-app">{look.mail_app()}</span>
                <span class="sim-address">{scene.address.clone()}</span>
            </div>
            <div class="sim-screen">{screen}</div>
        </section>
    }
}
