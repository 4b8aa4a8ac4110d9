//! A data table of the staff screens.

use leptos::prelude::*;

/// A table that scrolls sideways on its own on a narrow screen (WCAG 1.4.10): the
/// region is named by the caption (`{name}-caption`) and takes the focus, so a
/// keyboard can scroll it. `columns`: the headers; `children`: the rows.
#[component]
pub fn DataTable(
    name: &'static str,
    caption: &'static str,
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let caption_id = format!("{name}-caption");
    let labelled_by = caption_id.clone();
    view! {
        <div class="table-wrap" role="region" aria-labelledby=labelled_by tabindex="0">
            <table class=format!("data-table {name}-table")>
                <caption id=caption_id>{caption}</caption>
                <thead>
                    <tr>
                        {columns
                            .iter()
                            .map(|c| view! { <th scope="col">{*c}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
