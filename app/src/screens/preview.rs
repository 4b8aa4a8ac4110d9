//! `/apercu`: the items of the bank one by one, for authors and for the browser
//! tests. `?item=<id>` shows one item (`&systeme=android`, `iphone` or `neutre`:
//! its simulation in the look of that phone); after an answer, the response the
//! renderer produced (JSON) and its score by the items crate.

use leptos::prelude::*;
use repere_items::{BankItem, ItemType, Response};

use crate::bank;
use crate::config::query_param;
use crate::render::{ItemView, Look};
use crate::spoken;
use crate::state::AppState;

/// What an answer to a previewed item gave.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    json: String,
    score: String,
}

/// Scores a response with the items crate, for display.
fn outcome(item: &BankItem, response: &Response) -> Outcome {
    Outcome {
        json: serde_json::to_string(response).unwrap_or_default(),
        score: match repere_items::score(item, response) {
            Ok(s) => format!("{s} sur {}", item.max_score()),
            Err(e) => format!("réponse refusée : {e}"),
        },
    }
}

/// The preview area.
#[component]
pub fn Preview() -> impl IntoView {
    let state = expect_context::<AppState>();
    let search = location().search().unwrap_or_default();
    let Ok(bank) = bank::bank() else {
        return view! {
            <div class="screen">
                <h1 tabindex="-1">"Aperçu des questions"</h1>
                <p>"Les questions ne peuvent pas être chargées."</p>
            </div>
        }
        .into_any();
    };
    let Some(item) = query_param(&search, "item").and_then(|id| bank.item(&id)) else {
        state.read_text.set(spoken::PREVIEW.into());
        let groups = ItemType::ALL
            .iter()
            .map(|t| {
                let links = bank
                    .items()
                    .iter()
                    .filter(|i| i.item_type() == *t)
                    .map(|i| {
                        view! {
                            <li>
                                <a href=format!("/apercu?item={}", i.id)>{i.id.clone()}</a>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <h2>{t.name()}</h2>
                    <ul class="preview-list">{links}</ul>
                }
            })
            .collect_view();
        return view! {
            <div class="screen">
                <h1 tabindex="-1">"Aperçu des questions"</h1>
                {groups}
            </div>
        }
        .into_any();
    };

    let look = query_param(&search, "systeme")
        .and_then(|n| Look::from_name(&n))
        .unwrap_or_else(|| state.context.with_untracked(|c| Look::from_context(c)));
    let attempt = RwSignal::new(0u32);
    let result = RwSignal::new(None::<Outcome>);
    let on_response = move |response: Response| {
        result.set(Some(outcome(item, &response)));
        state.announce("Réponse enregistrée.");
    };
    view! {
        <div class="screen preview">
            {move || {
                let _ = attempt.get();
                view! {
                    <ItemView item progress=format!("Aperçu : {}", item.id) on_response look />
                }
            }}
            {move || {
                result
                    .get()
                    .map(|o| {
                        view! {
                            <section class="preview-result" aria-label="Résultat de l'aperçu">
                                <p class="recorded">"Réponse enregistrée."</p>
                                <p>"Réponse : " <code class="response-json">{o.json}</code></p>
                                <p>"Score : " <span class="response-score">{o.score}</span></p>
                                <p class="actions">
                                    <button
                                        type="button"
                                        class="button secondary"
                                        on:click=move |_| {
                                            result.set(None);
                                            attempt.update(|a| *a += 1);
                                        }
                                    >
                                        "Recommencer"
                                    </button>
                                    <a class="button secondary" href="/apercu">
                                        "Toutes les questions"
                                    </a>
                                </p>
                            </section>
                        }
                    })
            }}
        </div>
    }
    .into_any()
}
