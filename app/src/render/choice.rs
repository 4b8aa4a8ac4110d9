//! `single` and `multiple`: options as large tiles (text, picture, or both) around
//! native radio buttons or checkboxes.

use leptos::prelude::*;
use repere_items::{BankItem, Choice, Response};

use super::{picture_src, Draft};
use crate::bank::dom_id;

/// The options of a `single` (radio buttons) or `multiple` (checkboxes) item.
#[component]
pub fn ChoiceList(
    item: &'static BankItem,
    options: &'static [Choice],
    multiple: bool,
    draft: Draft,
) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<usize>::new());
    let name = dom_id(item, "options");
    let pictured = options.iter().any(|o| o.picture.is_some());
    let tiles = options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let on_change = move |_| {
                chosen.update(|c| {
                    if multiple {
                        if let Some(at) = c.iter().position(|x| *x == i) {
                            c.remove(at);
                        } else {
                            c.push(i);
                            c.sort_unstable();
                        }
                    } else {
                        *c = vec![i];
                    }
                });
                let c = chosen.get_untracked();
                draft.set(match (multiple, c.as_slice()) {
                    (_, []) => None,
                    (false, [one, ..]) => Some(Response::Choice(*one)),
                    (true, many) => Some(Response::Choices(many.to_vec())),
                });
            };
            let picture = option.picture.as_ref().map(|p| {
                // With a text beside it, the picture repeats the text: no alt.
                let alt = if option.text.is_some() {
                    String::new()
                } else {
                    p.alt.clone()
                };
                view! { <img class="option-picture" src=picture_src(&p.file) alt=alt /> }
            });
            let text = option
                .text
                .clone()
                .map(|t| view! { <span class="option-text">{t}</span> });
            view! {
                <label class="answer-option">
                    <input
                        type=if multiple { "checkbox" } else { "radio" }
                        name=name.clone()
                        value=option.id.clone()
                        prop:checked=move || chosen.with(|c| c.contains(&i))
                        on:change=on_change
                    />
                    {picture}
                    {text}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="answers">
            <legend class="instruction">
                {if multiple {
                    "Vous pouvez choisir plusieurs réponses."
                } else {
                    "Choisissez une réponse."
                }}
            </legend>
            <div class=if pictured { "answer-options pictured" } else { "answer-options" }>
                {tiles}
            </div>
        </fieldset>
    }
}
