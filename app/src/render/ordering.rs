//! `ordering`: put the steps in order with large « Monter » / « Descendre »
//! buttons (no dragging needed). Focus stays on the button pressed, and the new
//! position is said through the live region.

use leptos::prelude::*;
use repere_items::{BankItem, Choice, Response};
use wasm_bindgen::JsCast;

use super::{picture_src, Draft};
use crate::bank::dom_id;
use crate::state::AppState;

/// Text of an option for buttons and announcements.
fn option_name(option: &Choice) -> String {
    option
        .text
        .clone()
        .or_else(|| option.picture.as_ref().map(|p| p.alt.clone()))
        .unwrap_or_else(|| option.id.clone())
}

/// The steps, in the order the person chose.
#[component]
pub fn Ordering(
    item: &'static BankItem,
    options: &'static [Choice],
    draft: Draft,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let order = RwSignal::new((0..options.len()).collect::<Vec<usize>>());
    // Any order is an answer, the first one included.
    draft.set(Some(Response::Order(order.get_untracked())));
    let n = options.len();

    let move_option = move |option: usize, up: bool| {
        let mut o = order.get_untracked();
        let Some(at) = o.iter().position(|x| *x == option) else {
            return;
        };
        let name = options.get(option).map(option_name).unwrap_or_default();
        let to = match (up, at) {
            (true, 0) => {
                state.announce(&format!("« {name} » est déjà en première position."));
                return;
            }
            (false, a) if a + 1 >= n => {
                state.announce(&format!("« {name} » est déjà en dernière position."));
                return;
            }
            (true, a) => a - 1,
            (false, a) => a + 1,
        };
        o.swap(at, to);
        order.set(o.clone());
        draft.set(Some(Response::Order(o)));
        state.announce(&format!(
            "« {name} » est maintenant en position {}.",
            to + 1
        ));
        // The row moved in the page: keep the focus on the button pressed.
        let id = dom_id(
            item,
            &format!("{}-{}", if up { "up" } else { "down" }, option),
        );
        request_animation_frame(move || {
            if let Some(b) = document()
                .get_element_by_id(&id)
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        });
    };

    view! {
        <div class="ordering">
            <p class="instruction">"Mettez les étapes dans l'ordre. La première étape en haut."</p>
            <ol class="ordering-list">
                <For
                    each=move || order.get().into_iter().enumerate()
                    key=|(position, option)| (*position, *option)
                    children=move |(position, option)| {
                        let choice = options.get(option);
                        let name = choice.map(option_name).unwrap_or_default();
                        let picture = choice
                            .and_then(|c| c.picture.as_ref())
                            .map(|p| {
                                view! {
                                    <img class="option-picture" src=picture_src(&p.file) alt="" />
                                }
                            });
                        view! {
                            <li class="ordering-row">
                                <span class="ordering-position" aria-hidden="true">
                                    {position + 1}
                                </span>
                                {picture}
                                <span class="ordering-text">{name.clone()}</span>
                                <span class="ordering-buttons">
                                    <button
                                        type="button"
                                        class="tool"
                                        id=dom_id(item, &format!("up-{option}"))
                                        aria-label=format!("Monter : {name}")
                                        on:click=move |_| move_option(option, true)
                                    >
                                        <span aria-hidden="true">"▲ "</span>
                                        "Monter"
                                    </button>
                                    <button
                                        type="button"
                                        class="tool"
                                        id=dom_id(item, &format!("down-{option}"))
                                        aria-label=format!("Descendre : {name}")
                                        on:click=move |_| move_option(option, false)
                                    >
                                        <span aria-hidden="true">"▼ "</span>
                                        "Descendre"
                                    </button>
                                </span>
                            </li>
                        }
                    }
                />
            </ol>
        </div>
    }
}
