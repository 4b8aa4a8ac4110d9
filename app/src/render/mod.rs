//! Every item type as accessible HTML, usable by touch, mouse and keyboard.
//!
//! [`ItemView`] draws an item of the bank and hands back a
//! [`repere_items::Response`]: it never scores (the session does, with
//! [`repere_items::score`]). Every item is answered the same way: choose, then
//! « Valider ma réponse », and until then the person may change their mind. Questions
//! (`single`, `multiple`, `hotspot`, `ordering`, `text`) and the one-decision
//! simulations (`message`, `search`: the tap chosen last is the decision) keep a
//! draft response; the other simulations record the person's actions, which
//! « Valider ma réponse » sends. « Je ne sais pas » is always there and answers
//! [`Response::Skip`].

use leptos::prelude::*;
use repere_items::{Action, BankItem, Body, Response, MAX_ACTIONS};

use crate::bank::dom_id;
use crate::state::AppState;
pub use look::Look;

mod choice;
mod form;
mod hotspot;
mod icons;
pub mod look;
mod mailbox;
mod message;
mod ordering;
mod phone;
mod search;
mod text;

/// The response being built, before « Valider ma réponse ».
pub type Draft = RwSignal<Option<Response>>;

/// The actions of a simulation, in order.
#[derive(Clone, Copy)]
pub struct Recorder {
    actions: RwSignal<Vec<Action>>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            actions: RwSignal::new(Vec::new()),
        }
    }

    /// Records an action (beyond [`MAX_ACTIONS`], further actions are dropped: the
    /// response stays valid).
    pub fn push(&self, action: Action) {
        self.actions.update(|a| {
            if a.len() < MAX_ACTIONS {
                a.push(action);
            }
        });
    }

    /// Records a tap on an element.
    pub fn tap(&self, target: &str) {
        self.push(Action::Tap {
            target: target.to_string(),
        });
    }

    pub(super) fn response(&self) -> Response {
        Response::Actions(self.actions.get_untracked())
    }
}

/// The path of a picture of `assets/pictures/`.
pub fn picture_src(file: &str) -> String {
    format!("/pictures/{file}")
}

/// The top of a phone's screen: the time, the network, the battery (decorative).
pub(super) fn status_bar() -> impl IntoView {
    view! {
        <div class="sim-status" aria-hidden="true">
            <span class="sim-time">"10:12"</span>
            <span class="sim-status-icons">
                {icons::signal()}
                {icons::setting(repere_items::Icon::Wifi)}
                {icons::battery()}
            </span>
        </div>
    }
}

/// A browser's address bar showing `text` (decorative: the page says it too).
pub(super) fn browser_bar(text: &str) -> impl IntoView {
    view! {
        <div class="browser-bar" aria-hidden="true">
            <span class="browser-field">{icons::magnifier()} <span>{text.to_string()}</span></span>
        </div>
    }
}

/// What « Valider ma réponse » sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirm {
    /// The draft (nothing chosen yet: a hint).
    Draft,
    /// The recorded actions of a simulation.
    Actions,
}

/// The draft of a one-decision simulation: one tap on `target`.
pub fn tap_draft(target: &str) -> Response {
    Response::Actions(vec![Action::Tap {
        target: target.to_string(),
    }])
}

/// Whether the draft is one tap on `target` (the decision chosen).
pub fn is_tap_draft(draft: &Option<Response>, target: &str) -> bool {
    matches!(draft, Some(Response::Actions(a)) if matches!(a.as_slice(), [Action::Tap { target: t }] if t == target))
}

/// An item of the bank, with « Écouter »'s text, its pictures, its answer area and
/// the buttons that answer it.
#[component]
pub fn ItemView(
    /// The item.
    item: &'static BankItem,
    /// Shown above the stem, e.g. « Question 4 ».
    #[prop(into)]
    progress: String,
    /// Receives the response, once.
    #[prop(into)]
    on_response: Callback<Response>,
    /// The phone system the simulations imitate; by default, the one the person
    /// named in the context questions.
    #[prop(optional)]
    look: Option<Look>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let look = look.unwrap_or_else(|| state.context.with_untracked(|c| Look::from_context(c)));
    state.read_text.set(item.read_aloud.clone());
    let draft: Draft = RwSignal::new(None);
    let recorder = Recorder::new();
    let sent = RwSignal::new(false);
    let hint = RwSignal::new(false);
    let send = move |response: Response| {
        if !sent.get_untracked() {
            sent.set(true);
            on_response.run(response);
        }
    };
    let confirm = match item.body {
        Body::Single { .. }
        | Body::Multiple { .. }
        | Body::Hotspot { .. }
        | Body::Ordering { .. }
        | Body::Text { .. }
        | Body::Message { .. }
        | Body::Search { .. } => Confirm::Draft,
        Body::Mailbox { .. } | Body::Form { .. } | Body::Settings { .. } => Confirm::Actions,
    };
    // Once something is chosen, the hint goes away.
    Effect::new(move |_| {
        if draft.with(Option::is_some) {
            hint.set(false);
        }
    });

    let body = match &item.body {
        Body::Single { options, .. } => {
            view! { <choice::ChoiceList item options=options multiple=false draft /> }.into_any()
        }
        Body::Multiple { options, .. } => {
            view! { <choice::ChoiceList item options=options multiple=true draft /> }.into_any()
        }
        Body::Hotspot { screen, .. } => view! { <hotspot::Hotspot item screen draft /> }.into_any(),
        Body::Ordering { options, .. } => {
            view! { <ordering::Ordering item options draft /> }.into_any()
        }
        Body::Text { input, .. } => {
            view! { <text::TextAnswer item input=*input draft /> }.into_any()
        }
        Body::Mailbox { scene, .. } => {
            view! { <mailbox::MailboxSim item scene recorder look /> }.into_any()
        }
        Body::Form { scene, .. } => view! { <form::FormSim item scene recorder look /> }.into_any(),
        Body::Settings { scene, .. } => {
            view! { <phone::SettingsSim item scene recorder look /> }.into_any()
        }
        Body::Message { scene, .. } => {
            view! { <message::MessageSim item scene draft look /> }.into_any()
        }
        Body::Search { scene, .. } => {
            view! { <search::SearchSim item scene draft look /> }.into_any()
        }
    };

    let validate = move |_| match confirm {
        Confirm::Actions => send(recorder.response()),
        Confirm::Draft => match draft.get_untracked() {
            Some(r) => send(r),
            None => {
                hint.set(true);
                state.announce("Choisissez une réponse. Ou touchez « Je ne sais pas ».");
            }
        },
    };
    let skip = move |_| send(Response::Skip);
    let hint_id = dom_id(item, "hint");
    let pictures = item
        .pictures
        .iter()
        .map(|p| {
            view! {
                <figure class="item-picture">
                    <img src=picture_src(&p.file) alt=p.alt.clone() />
                </figure>
            }
        })
        .collect_view();

    view! {
        <article
            class="item"
            data-item=item.id.clone()
            data-type=item.item_type().name()
            data-look=look.class()
        >
            <p class="progress">{progress}</p>
            <h1 tabindex="-1" class="stem">{item.stem.clone()}</h1>
            {pictures}
            <div class="answer-area">{body}</div>
            <p class="hint" id=hint_id.clone() hidden=move || !hint.get()>
                "Choisissez une réponse. Ou touchez «\u{a0}Je ne sais pas\u{a0}»."
            </p>
            <div class="actions item-actions">
                <button type="button" class="button" on:click=validate>
                    "Valider ma réponse"
                </button>
                <button type="button" class="button secondary" on:click=skip>
                    "Je ne sais pas"
                </button>
            </div>
        </article>
    }
}
