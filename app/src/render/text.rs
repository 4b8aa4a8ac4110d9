//! `text`: one field, with the keyboard that suits the expected answer.

use leptos::prelude::*;
use repere_items::{BankItem, Response, TextInput, MAX_TEXT_CHARS};

use super::Draft;
use crate::bank::dom_id;

/// A short text answer.
#[component]
pub fn TextAnswer(item: &'static BankItem, input: TextInput, draft: Draft) -> impl IntoView {
    let id = dom_id(item, "text");
    let (kind, mode) = match input {
        TextInput::Text => ("text", "text"),
        TextInput::Email => ("email", "email"),
        TextInput::Number => ("text", "numeric"),
        TextInput::Tel => ("tel", "tel"),
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        draft.set(if value.trim().is_empty() {
            None
        } else {
            Some(Response::Text(value))
        });
    };
    view! {
        <div class="text-answer">
            <label class="field-label" for=id.clone()>
                "Votre réponse"
            </label>
            <input
                id=id
                class="text-input"
                type=kind
                inputmode=mode
                maxlength=MAX_TEXT_CHARS.to_string()
                autocomplete="off"
                autocapitalize="off"
                spellcheck="false"
                on:input=on_input
            />
        </div>
    }
}
