//! « Vos derniers dépistages », on the agent's first screen: the results of the
//! screenings this agent ran over the last 7 days (`GET /api/screenings`: the
//! server lists only the caller's own), newest first, each with a link to its
//! result (`/agent?resultat=CODE`, an address of its own: Back returns here).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::FormAlert;
use super::result::count;
use super::table::DataTable;
use super::Session;
use crate::api::{self, RecentScreenings, Summary};

/// The agent's recent screenings.
#[component]
pub fn RecentList() -> impl IntoView {
    let session = expect_context::<Session>();
    let recent = RwSignal::new(None::<Result<RecentScreenings, String>>);
    spawn_local(async move {
        let answer = api::recent_screenings()
            .await
            .map_err(|e| session.message(&e));
        recent.set(Some(answer));
    });
    let content = move || match recent.get() {
        None => view! { <p class="wiping">"Chargement…"</p> }.into_any(),
        Some(Err(m)) => view! { <FormAlert message=Some(m) /> }.into_any(),
        Some(Ok(r)) if r.screenings.is_empty() => view! {
            <p class="count">{format!("Aucun dépistage ces {}\u{a0}derniers jours.", r.days)}</p>
        }
        .into_any(),
        Some(Ok(r)) => {
            let mut said = format!(
                "{} ces {}\u{a0}derniers jours.",
                count(r.count, "dépistage", "dépistages"),
                r.days
            );
            if r.screenings.len() < r.count {
                said.push_str(&format!(
                    " Les {} plus récents sont affichés.",
                    r.screenings.len()
                ));
            }
            let rows = r
                .screenings
                .into_iter()
                .map(|s| view! { <RecentRow summary=s /> })
                .collect_view();
            view! {
                <p class="count">{said}</p>
                <DataTable
                    name="recent"
                    caption="Vos dépistages, du plus récent au plus ancien"
                    columns=&["Personne", "Quand", "Niveau", "Orientation", "Résultat"]
                >
                    {rows}
                </DataTable>
            }
            .into_any()
        }
    };
    view! {
        <section class="staff-section recent-screenings" aria-labelledby="recent-title">
            <h2 id="recent-title">"Vos derniers dépistages"</h2>
            {content}
        </section>
    }
}

/// When a screening was, shortly: `07/12 à 14:05` (the list covers a week: the
/// year goes without saying).
fn when(date: &str, time: &str) -> String {
    let day = match date.as_bytes() {
        [d1, d2, b'/', m1, m2, b'/', ..] if [d1, d2, m1, m2].iter().all(|b| b.is_ascii_digit()) => {
            &date[..5]
        }
        _ => date,
    };
    if time.is_empty() {
        day.to_string()
    } else {
        format!("{day} à {time}")
    }
}

#[component]
fn RecentRow(summary: Summary) -> impl IntoView {
    let person = summary
        .person
        .clone()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let href = api::agent_result_url(&summary.code);
    let label = |l: Option<api::Labelled>| l.map(|c| c.label).unwrap_or_else(|| "—".into());
    view! {
        <tr>
            <th scope="row">
                {match person {
                    Some(p) => view! { <span class="person">{p}</span> }.into_any(),
                    None => view! { <span class="person muted">"Sans prénom"</span> }.into_any(),
                }}
            </th>
            <td>{when(&summary.date, &summary.time)}</td>
            <td>{label(summary.class.clone())}</td>
            <td>{label(summary.orientation.clone())}</td>
            <td>
                <a class="button small secondary" href=href>
                    "Voir"
                    <span class="visually-hidden">{format!(" le résultat {}", summary.code)}</span>
                </a>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn a_screening_is_dated_by_day_month_and_time() {
        assert_eq!(when("07/12/2026", "14:05"), "07/12 à 14:05");
        assert_eq!(when("07/12/2026", ""), "07/12");
        assert_eq!(when("hier", "14:05"), "hier à 14:05");
    }
}
