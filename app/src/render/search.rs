//! `search`: a page of search results. Touching a result's title chooses it; the
//! person may choose another, then « Valider ma réponse » confirms.
//! Advertisements carry the label « Sponsorisé », as search engines in France show
//! it (since 2022). The browser around the page follows the person's phone
//! ([`Look`]): its address bar at the top on Android, at the bottom on an iPhone.

use leptos::prelude::*;
use repere_items::{BankItem, SearchPage};

use super::look::Look;
use super::{browser_bar, icons, is_tap_draft, status_bar, tap_draft, Draft};

/// The search results simulation.
#[component]
pub fn SearchSim(
    item: &'static BankItem,
    scene: &'static SearchPage,
    draft: Draft,
    look: Look,
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
                        class:chosen=move || is_tap_draft(&draft.get(), &result.id)
                        aria-pressed=move || is_tap_draft(&draft.get(), &result.id).to_string()
                        on:click=move |_| draft.set(Some(tap_draft(&result.id)))
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
        <section
            class=format!("sim sim-search {}", look.class())
            aria-label="Page de résultats (simulation)"
        >
            {status_bar()}
            <div class="sim-bar">
                <span class="sim-app">{look.browser()}</span>
            </div>
            {browser_bar(&scene.query)}
            <div class="sim-screen">
                <p class="search-box">
                    {icons::magnifier()}
                    <span class="visually-hidden">"Recherche : "</span>
                    <span class="search-query">{scene.query.clone()}</span>
                </p>
                <h2 class="visually-hidden">"Résultats de la recherche"</h2>
                <ol class="results">{results}</ol>
            </div>
        </section>
        <p class="chosen-line" aria-live="polite">
            {move || {
                let d = draft.get();
                scene
                    .results
                    .iter()
                    .find(|r| is_tap_draft(&d, &r.id))
                    .map(|r| format!("Votre choix : {}.", r.title))
                    .unwrap_or_default()
            }}
        </p>
    }
}
