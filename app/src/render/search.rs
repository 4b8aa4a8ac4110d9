//! `search`: a page of search results. Touching a result's title is the answer.
//! Advertisements carry the label « Sponsorisé », as search engines in France show it (since 2022).

use leptos::prelude::*;
use repere_items::{BankItem, Response, SearchPage};

use super::{icons, Recorder};

/// The search results simulation.
#[component]
pub fn SearchSim(
    item: &'static BankItem,
    scene: &'static SearchPage,
    recorder: Recorder,
    commit: Callback<Response>,
) -> impl IntoView {
    let _ = item;
    let results = scene
        .results
        .iter()
        .map(|result| {
            view! {
                <li class="search-result">
                    {result.ad.then(|| view! { <span class="badge ad">"Sponsorisé"</span> })}
                    <button
                        type="button"
                        class="sim-link result-title"
                        on:click=move |_| {
                            recorder.tap(&result.id);
                            commit.run(recorder.response());
                        }
                    >
                        {result.title.clone()}
                    </button>
                    <p class="result-url">{result.url.clone()}</p>
                    <p class="result-snippet">{result.snippet.clone()}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="sim sim-search" aria-label="Page de résultats (simulation)">
            <div class="sim-bar">
                <span class="sim-app">"Navigateur"</span>
            </div>
            <div class="sim-screen">
                <p class="search-box">
                    {icons::magnifier()}
                    <span class="visually-hidden">"Recherche : "</span>
                    {scene.query.clone()}
                </p>
                <h2 class="visually-hidden">"Résultats de la recherche"</h2>
                <ol class="results">{results}</ol>
            </div>
        </section>
    }
}
