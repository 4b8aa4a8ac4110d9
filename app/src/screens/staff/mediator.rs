//! `/mediateur`: the mediator's screens. The profiles of the structure, with
//! filters (dates, a domain's level, a skill to work on, orientation, autonomy
//! class) and exports (CSV for spreadsheets, JSON); one profile; groups of people
//! with similar needs for sessions, and the plan to print.
//!
//! The choices of the filters come from the référentiel embedded in the app (the
//! same data the server uses); the server checks them again.
//!
//! Where the area stands ([`Place`]: the filters, an opened profile, the sessions
//! tab) is the page's address, `/mediateur?orientation=…&profil=CODE`: opening a
//! profile, applying filters or changing tabs adds a history entry
//! (`pushState`); Back and Forward come back to each (`popstate`); a reload opens
//! the same place. « Retour à la liste » goes back in the history when the list
//! is the entry before, so Back and that button agree.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use repere_items::Bank;

use super::form::{Errors, FieldError, FormAlert, TextField};
use super::result::{count, result_heading, ResultPanel};
use super::{
    described_by, focus_heading_soon, focus_id_soon, focus_soon, set_title, Audience, Session,
    StaffGate,
};
use crate::api::{self, Filters, Groups, ProfileList, ResultView, Summary};
use crate::bank;
use crate::state::AppState;
use wasm_bindgen::JsValue;

/// Smallest and largest group size (the server's `GROUP_SIZES`).
const GROUP_SIZES: std::ops::RangeInclusive<usize> = 2..=30;
/// Group size proposed at first.
const DEFAULT_GROUP_SIZE: usize = 8;
/// Skills named in a row of the list (the others are counted).
const SKILLS_IN_ROW: usize = 3;

/// What the mediator's area shows.
#[derive(Clone, Debug, Default, PartialEq)]
enum View {
    /// The list of profiles.
    #[default]
    List,
    /// One profile (its code).
    Profile(String),
    /// Groups for sessions.
    Sessions,
}

/// Where the mediator's area stands: what it shows, and the filters of the list
/// (kept while a profile or the sessions are shown). It is the page's address.
#[derive(Clone, Debug, Default, PartialEq)]
struct Place {
    view: View,
    filters: Filters,
}

/// The address parameter of an opened profile (its code).
const PROFILE_PARAM: &str = "profil";
/// The address parameter of the tab shown, when it is not the list.
const VIEW_PARAM: &str = "vue";
/// [`VIEW_PARAM`]'s value for the sessions.
const SESSIONS_VIEW: &str = "seances";
/// The history state of a profile's entry opened from the list: the entry before
/// it is that list.
const FROM_LIST: &str = "repere-profile-from-list";

impl Place {
    /// The query string of this place (`?from=…&profil=…`, empty for the list
    /// without filters): the filters under the API's names, then the view.
    fn query(&self) -> String {
        let extra: Vec<(&str, &str)> = match &self.view {
            View::List => Vec::new(),
            View::Profile(code) => vec![(PROFILE_PARAM, code.as_str())],
            View::Sessions => vec![(VIEW_PARAM, SESSIONS_VIEW)],
        };
        let mut pairs = self.filters.pairs();
        pairs.extend(extra);
        Filters::default().url("", &pairs)
    }

    /// The place an address names, `get` giving each parameter's (decoded)
    /// value. A code that is not one opens the list.
    fn from_params(get: impl Fn(&str) -> Option<String>) -> Place {
        let param = |name: &str| get(name).map(|v| v.trim().to_string()).unwrap_or_default();
        let filters = Filters {
            from: param("from"),
            to: param("to"),
            domain: param("domain"),
            level: param("level"),
            skill: param("skill"),
            orientation: param("orientation"),
            class: param("class"),
        };
        let view = match get(PROFILE_PARAM).and_then(|c| api::normalise_code(&c)) {
            Some(code) => View::Profile(code),
            None if param(VIEW_PARAM) == SESSIONS_VIEW => View::Sessions,
            None => View::List,
        };
        Place { view, filters }
    }

    /// The place of the page's address.
    fn of_location() -> Place {
        let search = location().search().unwrap_or_default();
        match web_sys::UrlSearchParams::new_with_str(&search) {
            Ok(params) => Place::from_params(|name| params.get(name)),
            Err(_) => Place::default(),
        }
    }
}

/// How a move changes the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// A new entry (Back returns to the place before).
    Push,
    /// A new entry for a profile opened from the list.
    PushFromList,
    /// The current entry changes.
    Replace,
}

/// Moves the mediator's area from place to place, keeping the address and the
/// history in step.
#[derive(Clone, Copy)]
struct Nav {
    place: RwSignal<Place>,
    /// The filters alone: the list reloads only when they change.
    filters: Memo<Filters>,
    /// The view alone.
    view: Memo<View>,
}

impl Nav {
    fn new(place: RwSignal<Place>) -> Nav {
        Nav {
            place,
            filters: Memo::new(move |_| place.with(|p| p.filters.clone())),
            view: Memo::new(move |_| place.with(|p| p.view.clone())),
        }
    }

    /// Goes to `to`: writes the address, then shows it. Going where one is
    /// changes nothing.
    fn go(self, to: Place, entry: Entry) {
        if self.place.with_untracked(|p| *p == to) {
            return;
        }
        if let Ok(history) = window().history() {
            let url = format!(
                "{}{}",
                location().pathname().unwrap_or_default(),
                to.query()
            );
            let state = match entry {
                Entry::PushFromList => JsValue::from_str(FROM_LIST),
                _ => JsValue::NULL,
            };
            let _ = match entry {
                Entry::Push | Entry::PushFromList => {
                    history.push_state_with_url(&state, "", Some(&url))
                }
                Entry::Replace => history.replace_state_with_url(&state, "", Some(&url)),
            };
        }
        self.place.set(to);
    }

    fn filters(self) -> Filters {
        self.place.with_untracked(|p| p.filters.clone())
    }

    /// Opens the profile of `code`.
    fn open_profile(self, code: String) {
        let filters = self.filters();
        self.go(
            Place {
                view: View::Profile(code),
                filters,
            },
            Entry::PushFromList,
        );
    }

    /// Shows `view` with the same filters.
    fn show(self, view: View) {
        let filters = self.filters();
        self.go(Place { view, filters }, Entry::Push);
    }

    /// Applies `filters` to the list.
    fn apply(self, filters: Filters) {
        self.go(
            Place {
                view: View::List,
                filters,
            },
            Entry::Push,
        );
    }

    /// « Retour à la liste »: Back, when the list is the entry before; otherwise
    /// (the profile's address was opened, or reloaded) this entry becomes the
    /// list.
    fn back_to_list(self) {
        let history = window().history().ok();
        let from_list = history
            .as_ref()
            .and_then(|h| h.state().ok())
            .and_then(|s| s.as_string())
            .is_some_and(|s| s == FROM_LIST);
        match history {
            Some(h) if from_list => {
                let _ = h.back();
            }
            _ => {
                let filters = self.filters();
                self.go(
                    Place {
                        view: View::List,
                        filters,
                    },
                    Entry::Replace,
                );
            }
        }
    }
}

/// Something loaded from the server.
#[derive(Clone, Debug, PartialEq)]
enum Load<T> {
    Idle,
    Loading,
    Ready(T),
    Failed(String),
}

/// The mediator's area.
#[component]
pub fn MediatorArea() -> impl IntoView {
    view! {
        <StaffGate audience=Audience::Mediator>
            <MediatorScreens />
        </StaffGate>
    }
}

/// The id of the « Ouvrir » button of a row (focus returns there).
fn open_button_id(code: &str) -> String {
    format!("open-{code}")
}

#[component]
fn MediatorScreens() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let is_trainer = session.me().is_some_and(|m| m.user.role == "trainer");
    // The sessions are for trainers only (an admin's address naming them opens
    // the list).
    let allowed = move |mut p: Place| {
        if p.view == View::Sessions && !is_trainer {
            p.view = View::List;
        }
        p
    };
    let nav = Nav::new(RwSignal::new(allowed(Place::of_location())));
    let (view, filters) = (nav.view, nav.filters);
    // Back and Forward: the area shows the place of the address.
    let on_history = window_event_listener(leptos::ev::popstate, move |_| {
        let to = allowed(Place::of_location());
        if nav.place.with_untracked(|p| *p != to) {
            nav.place.set(to);
        }
    });
    on_cleanup(move || on_history.remove());
    let list = RwSignal::new(Load::<ProfileList>::Idle);
    let groups = RwSignal::new(Load::<Groups>::Idle);
    let group_size = RwSignal::new(DEFAULT_GROUP_SIZE.to_string());

    // The list follows the applied filters.
    Effect::new(move |_| {
        let f = filters.get();
        list.set(Load::Loading);
        spawn_local(async move {
            match api::profiles(&f).await {
                Ok(l) => {
                    let mut said = format!("{} trouvés.", count(l.count, "profil", "profils"));
                    if l.count == 1 {
                        said = "1\u{a0}profil trouvé.".into();
                    }
                    state.announce(&said);
                    list.set(Load::Ready(l));
                }
                Err(e) => list.set(Load::Failed(session.message(&e))),
            }
        });
    });

    // A new view: its title, and focus on its heading (or on the row it came from).
    Effect::new(move |previous: Option<View>| {
        let current = view.get();
        set_title(match &current {
            View::List => "Profils de votre structure",
            View::Profile(_) => "Profil",
            View::Sessions => "Préparer des séances",
        });
        match (&previous, &current) {
            (None, _) => {}
            (Some(View::Profile(code)), View::List) => focus_id_soon(open_button_id(code)),
            (Some(p), c) if p != c => focus_heading_soon(),
            _ => {}
        }
        current
    });

    let tabs = move || {
        let current = view.get();
        let tab = |label: &'static str, target: View, on: bool| {
            view! {
                <li>
                    <button
                        type="button"
                        class="tab"
                        aria-current=on.then_some("page")
                        on:click=move |_| nav.show(target.clone())
                    >
                        {label}
                    </button>
                </li>
            }
        };
        view! {
            <nav class="tabs no-print" aria-label="Espace médiateur">
                <ul>
                    {tab("Profils", View::List, current != View::Sessions)}
                    {is_trainer
                        .then(|| tab("Préparer des séances", View::Sessions, current == View::Sessions))}
                </ul>
            </nav>
        }
    };

    view! {
        {tabs}
        {move || match view.get() {
            View::List => view! { <ListView nav=nav list=list /> }.into_any(),
            View::Profile(code) => view! { <ProfileView nav=nav code=code /> }.into_any(),
            View::Sessions => {
                view! { <SessionsView filters=filters groups=groups size=group_size /> }.into_any()
            }
        }}
    }
}

// ------------------------------------------------------------------- filters

/// The filter form: edits a draft, applies it on « Filtrer ».
#[component]
fn FilterForm(nav: Nav) -> impl IntoView {
    let draft = RwSignal::new(nav.filters());
    // Back or Forward to other filters: the form shows them.
    Effect::new(move |_| {
        let applied = nav.filters.get();
        if draft.with_untracked(|d| *d != applied) {
            draft.set(applied);
        }
    });
    // The error, by the id of its field.
    let errors = Errors::<&'static str>::new();
    let bank = bank::bank().ok();

    let apply = move |ev: SubmitEvent| {
        ev.prevent_default();
        let f = draft.get_untracked();
        if !f.domain.is_empty() && f.level.is_empty() {
            errors.set("f-level", "Choisissez aussi le niveau dans ce domaine.");
            focus_soon("f-level");
            return;
        }
        if f.domain.is_empty() && !f.level.is_empty() {
            errors.set("f-domain", "Choisissez aussi le domaine.");
            focus_soon("f-domain");
            return;
        }
        if !f.from.is_empty() && !f.to.is_empty() && f.from > f.to {
            errors.set("f-to", "La date de fin est avant la date de début.");
            focus_soon("f-to");
            return;
        }
        errors.clear();
        nav.apply(f);
    };
    let clear = move |_| {
        errors.clear();
        draft.set(Filters::default());
        nav.apply(Filters::default());
    };

    // One <select>, its options from the référentiel.
    let select = move |id: &'static str,
                       label: &'static str,
                       all: &'static str,
                       options: Vec<(String, String)>,
                       get: fn(&Filters) -> &String,
                       set: fn(&mut Filters, String)| {
        let options = options
            .into_iter()
            .map(|(value, text)| {
                let v = value.clone();
                view! {
                    <option value=value prop:selected=move || draft.with(|d| get(d) == &v)>
                        {text}
                    </option>
                }
            })
            .collect_view();
        view! {
            <div class="field">
                <label class="field-label" for=id>
                    {label}
                </label>
                <select
                    id=id
                    class="select"
                    aria-invalid=move || errors.on(id).to_string()
                    aria-describedby=move || {
                        described_by(&[(format!("{id}-error").as_str(), errors.on(id))])
                    }
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| set(d, value));
                    }
                >
                    <option value="" prop:selected=move || draft.with(|d| get(d).is_empty())>
                        {all}
                    </option>
                    {options}
                </select>
                <FieldError id=format!("{id}-error") message=errors.of(id) />
            </div>
        }
    };
    let date = move |id: &'static str,
                     label: &'static str,
                     get: fn(&Filters) -> &String,
                     set: fn(&mut Filters, String)| {
        view! {
            <div class="field">
                <label class="field-label" for=id>
                    {label}
                </label>
                <input
                    id=id
                    class="text-input date-input"
                    type="date"
                    aria-invalid=move || errors.on(id).to_string()
                    aria-describedby=move || {
                        described_by(&[(format!("{id}-error").as_str(), errors.on(id))])
                    }
                    prop:value=move || draft.with(|d| get(d).clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| set(d, value));
                    }
                />
                <FieldError id=format!("{id}-error") message=errors.of(id) />
            </div>
        }
    };

    let (domains, levels, skills, orientations, classes) = match bank {
        Some(b) => choices(b),
        None => Default::default(),
    };
    view! {
        <form class="filters no-print" on:submit=apply novalidate>
            <fieldset>
                <legend>"Filtrer les profils"</legend>
                <div class="filter-grid">
                    {date("f-from", "Du", |f| &f.from, |f, v| f.from = v)}
                    {date("f-to", "Au", |f| &f.to, |f, v| f.to = v)}
                    {select(
                        "f-domain",
                        "Domaine",
                        "Tous les domaines",
                        domains,
                        |f| &f.domain,
                        |f, v| f.domain = v,
                    )}
                    {select(
                        "f-level",
                        "Niveau dans ce domaine",
                        "Tous les niveaux",
                        levels,
                        |f| &f.level,
                        |f, v| f.level = v,
                    )}
                    {select(
                        "f-skill",
                        "Compétence à travailler",
                        "Toutes",
                        skills,
                        |f| &f.skill,
                        |f, v| f.skill = v,
                    )}
                    {select(
                        "f-orientation",
                        "Orientation",
                        "Toutes",
                        orientations,
                        |f| &f.orientation,
                        |f, v| f.orientation = v,
                    )}
                    {select(
                        "f-class",
                        "Niveau d'autonomie",
                        "Tous",
                        classes,
                        |f| &f.class,
                        |f, v| f.class = v,
                    )}
                </div>
                <div class="actions">
                    <button type="submit" class="button primary">
                        "Filtrer"
                    </button>
                    <button type="button" class="button secondary" on:click=clear>
                        "Tout effacer"
                    </button>
                </div>
            </fieldset>
        </form>
    }
}

type Choices = Vec<(String, String)>;

/// The choices of the filters: domains, levels, skills, orientations, classes.
fn choices(bank: &Bank) -> (Choices, Choices, Choices, Choices, Choices) {
    let r = &bank.referentiel;
    let pairs = |it: &mut dyn Iterator<Item = (&String, &String)>| -> Choices {
        it.map(|(a, b)| (a.clone(), b.clone())).collect()
    };
    (
        pairs(&mut r.domains.iter().map(|d| (&d.id, &d.label))),
        pairs(&mut r.levels.iter().map(|l| (&l.id, &l.label))),
        pairs(&mut r.skills.iter().map(|s| (&s.id, &s.label))),
        pairs(
            &mut r
                .profile
                .orientation
                .modalities
                .iter()
                .map(|m| (&m.id, &m.label)),
        ),
        pairs(&mut r.profile.classes.iter().map(|c| (&c.id, &c.label))),
    )
}

/// The label of a skill id (the id itself if the référentiel does not know it).
fn skill_label(id: &str) -> String {
    bank::bank()
        .ok()
        .and_then(|b| b.referentiel.skill(id))
        .map_or_else(|| id.to_string(), |s| s.label.clone())
}

/// The filters in force, in words (for the sessions view).
fn filters_in_words(f: &Filters) -> Option<String> {
    let n = f.pairs().len();
    (n > 0).then(|| {
        if n == 1 {
            "Un filtre de la liste s'applique aussi ici.".to_string()
        } else {
            format!("{n}\u{a0}filtres de la liste s'appliquent aussi ici.")
        }
    })
}

// ---------------------------------------------------------------------- list

#[component]
fn ListView(nav: Nav, list: RwSignal<Load<ProfileList>>) -> impl IntoView {
    let filters = nav.filters;
    let csv = move || api::export_url(&filters.get(), "csv");
    let json = move || api::export_url(&filters.get(), "json");
    let technical = move || api::technical_export_url(&filters.get(), "csv");
    let table = move || match list.get() {
        Load::Idle | Load::Loading => {
            view! { <p class="wiping">"Chargement des profils…"</p> }.into_any()
        }
        Load::Failed(m) => view! { <FormAlert message=Some(m) /> }.into_any(),
        Load::Ready(l) if l.profiles.is_empty() => view! {
            <p class="count">
                {if filters.with(Filters::is_empty) {
                    "Aucun profil pour l'instant."
                } else {
                    "Aucun profil ne correspond à ces filtres."
                }}
            </p>
        }
        .into_any(),
        Load::Ready(l) => {
            let more = (l.shown < l.count)
                .then(|| format!(" Les {} plus récents sont affichés.", l.shown));
            let has_next = l.next.is_some();
            let rows = l
                .profiles
                .into_iter()
                .map(|p| view! { <ProfileRow nav=nav summary=p /> })
                .collect_view();
            view! {
                <p class="count">
                    <strong>{count(l.count, "profil", "profils")}</strong>
                    {more}
                </p>
                <div
                    class="table-wrap"
                    role="region"
                    aria-labelledby="profiles-caption"
                    tabindex="0"
                >
                    <table class="data-table profiles-table">
                        <caption id="profiles-caption">
                            "Profils, du plus récent au plus ancien"
                        </caption>
                        <thead>
                            <tr>
                                <th scope="col">"Personne"</th>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Niveau"</th>
                                <th scope="col">"Orientation"</th>
                                <th scope="col">"À travailler"</th>
                                <th scope="col">
                                    <span class="visually-hidden">"Ouvrir"</span>
                                </th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {has_next.then(|| view! { <MoreButton filters=filters list=list /> })}
            }
            .into_any()
        }
    };
    view! {
        <div class="screen staff mediator-list">
            <h1 tabindex="-1">"Profils de votre structure"</h1>
            <FilterForm nav=nav />
            <section class="staff-section export no-print" aria-labelledby="export-title">
                <h2 id="export-title">"Télécharger ces profils"</h2>
                <p>"Avec les filtres choisis. Une ligne par profil."</p>
                <div class="actions">
                    <a class="button secondary" href=csv download="">
                        "Tableur (CSV)"
                    </a>
                    <a class="button secondary" href=json download="">
                        "Données (JSON)"
                    </a>
                </div>
                <p id="technical-note">
                    "Pour une étude statistique\u{a0}: le niveau estimé (θ), sa marge d'erreur et les scores par compétence. Sans les prénoms."
                </p>
                <div class="actions">
                    <a
                        class="button secondary"
                        href=technical
                        download=""
                        aria-describedby="technical-note"
                    >
                        "Export technique (CSV)"
                    </a>
                </div>
            </section>
            <section class="staff-section" aria-labelledby="list-title">
                <h2 id="list-title">"Liste"</h2>
                {table}
            </section>
        </div>
    }
}

/// « Voir plus de profils »: loads the next (older) page of the list and adds it
/// below; focus moves to the first added row, and the count is announced.
#[component]
fn MoreButton(filters: Memo<Filters>, list: RwSignal<Load<ProfileList>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let more = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Load::Ready(current) = list.get_untracked() else {
            return;
        };
        let Some(cursor) = current.next.clone() else {
            return;
        };
        busy.set(true);
        error.set(None);
        let f = filters.get_untracked();
        spawn_local(async move {
            let page = api::profiles_page(&f, Some(&cursor)).await;
            // Before the list changes: the new list draws a new button.
            busy.set(false);
            match page {
                Ok(page) => {
                    let first = page.profiles.first().map(|p| open_button_id(&p.code));
                    let added = page.profiles.len();
                    list.update(|l| {
                        if let Load::Ready(l) = l {
                            l.shown += added;
                            l.count = page.count;
                            l.next = page.next;
                            l.profiles.extend(page.profiles);
                        }
                    });
                    state.announce(&format!(
                        "{} de plus.",
                        count(added, "profil affiché", "profils affichés")
                    ));
                    if let Some(id) = first {
                        focus_id_soon(id);
                    }
                }
                Err(e) => error.set(Some(session.message(&e))),
            }
        });
    };
    view! {
        <div class="actions more no-print">
            <button
                type="button"
                class="button secondary"
                id="more-profiles"
                on:click=more
                aria-disabled=move || busy.get().to_string()
                aria-describedby=move || error.get().map(|_| "more-error")
            >
                {move || if busy.get() { "Chargement…" } else { "Voir plus de profils" }}
            </button>
            <FormAlert id="more-error" message=error />
        </div>
    }
}

#[component]
fn ProfileRow(nav: Nav, summary: Summary) -> impl IntoView {
    let code = summary.code.clone();
    let work = summary.to_work_on.clone().unwrap_or_default();
    let named: Vec<String> = work
        .iter()
        .take(SKILLS_IN_ROW)
        .map(|s| skill_label(s))
        .collect();
    let others = work.len().saturating_sub(SKILLS_IN_ROW);
    let work_cell = if work.is_empty() {
        "—".to_string()
    } else if others == 0 {
        named.join(", ")
    } else {
        format!(
            "{}, et {}",
            named.join(", "),
            count(others, "autre", "autres")
        )
    };
    let open_id = open_button_id(&code);
    let target = code.clone();
    view! {
        <tr>
            <th scope="row">
                <span class="code">{code.clone()}</span>
                {summary.person.clone().map(|p| view! { <span class="person">{p}</span> })}
            </th>
            <td>{summary.date.clone()}</td>
            <td>{summary.class.clone().map(|c| c.label).unwrap_or_else(|| "—".into())}</td>
            <td>{summary.orientation.clone().map(|c| c.label).unwrap_or_else(|| "—".into())}</td>
            <td class="work-cell">{work_cell}</td>
            <td>
                <button
                    type="button"
                    class="button small"
                    id=open_id
                    on:click=move |_| nav.open_profile(target.clone())
                >
                    "Ouvrir"
                    <span class="visually-hidden">{format!(" le profil {code}")}</span>
                </button>
            </td>
        </tr>
    }
}

// ------------------------------------------------------------------- profile

#[component]
fn ProfileView(nav: Nav, code: String) -> impl IntoView {
    let session = expect_context::<Session>();
    let result = RwSignal::new(Load::<ResultView>::Loading);
    {
        let code = code.clone();
        spawn_local(async move {
            match api::result(&code).await {
                Ok(r) => {
                    set_title(&result_heading(&r));
                    result.set(Load::Ready(r));
                }
                Err(e) => result.set(Load::Failed(session.message(&e))),
            }
            focus_heading_soon();
        });
    }
    let back = move |_| nav.back_to_list();
    move || match result.get() {
        Load::Idle | Load::Loading => view! {
            <div class="screen staff">
                <h1 tabindex="-1">{format!("Profil {code}")}</h1>
                <p class="wiping">"Chargement…"</p>
            </div>
        }
        .into_any(),
        Load::Failed(m) => view! {
            <div class="screen staff">
                <h1 tabindex="-1">{format!("Profil {code}")}</h1>
                <FormAlert message=Some(m) />
                <div class="actions">
                    <button type="button" class="button secondary" on:click=back>
                        "Retour à la liste"
                    </button>
                </div>
            </div>
        }
        .into_any(),
        Load::Ready(r) => {
            let data = api::data_url(&r.code);
            view! {
                <div class="screen staff mediator-profile">
                    <ResultPanel result=r>
                        <button type="button" class="button secondary" on:click=back>
                            "Retour à la liste"
                        </button>
                        <button
                            type="button"
                            class="button primary"
                            on:click=move |_| {
                                let _ = window().print();
                            }
                        >
                            "Imprimer la fiche"
                        </button>
                        <a class="button secondary" href=data.clone() download="">
                            "Télécharger ses données"
                        </a>
                    </ResultPanel>
                </div>
            }
            .into_any()
        }
    }
}

// ------------------------------------------------------------------ sessions

#[component]
fn SessionsView(
    filters: Memo<Filters>,
    groups: RwSignal<Load<Groups>>,
    size: RwSignal<String>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let error = RwSignal::new(None::<String>);
    let form = move |ev: SubmitEvent| {
        ev.prevent_default();
        let raw = size.get_untracked();
        let Some(n) = raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| GROUP_SIZES.contains(n))
        else {
            error.set(Some(format!(
                "Écrivez un nombre de {} à {}.",
                GROUP_SIZES.start(),
                GROUP_SIZES.end()
            )));
            focus_soon("group-size");
            return;
        };
        error.set(None);
        groups.set(Load::Loading);
        let f = filters.get_untracked();
        spawn_local(async move {
            match api::groups(&f, n).await {
                Ok(g) => {
                    state.announce(&format!(
                        "{} formés.",
                        count(g.groups.len(), "groupe", "groupes")
                    ));
                    groups.set(Load::Ready(g));
                }
                Err(e) => groups.set(Load::Failed(session.message(&e))),
            }
        });
    };
    let filters_note = move || filters.with(filters_in_words);
    let plan_line = {
        let structure = session
            .me()
            .and_then(|m| m.user.structure.name)
            .unwrap_or_default();
        let today = js_sys::Date::new_0();
        format!(
            "Plan des séances, {structure}. Imprimé le {:02}/{:02}/{}.",
            today.get_date(),
            today.get_month() + 1,
            today.get_full_year()
        )
    };
    let print = move |_| {
        let _ = window().print();
    };
    let result = move || match groups.get() {
        Load::Idle => ().into_any(),
        Load::Loading => view! { <p class="wiping">"Calcul des groupes…"</p> }.into_any(),
        Load::Failed(m) => view! { <FormAlert message=Some(m) /> }.into_any(),
        Load::Ready(g) if g.groups.is_empty() => view! {
            <p class="count">"Aucun profil à répartir pour l'instant."</p>
        }
        .into_any(),
        Load::Ready(g) => {
            let mut summary = format!(
                "{} pour {}, {} au plus par groupe.",
                count(g.groups.len(), "groupe", "groupes"),
                count(g.people, "personne", "personnes"),
                g.size
            );
            if g.without_profile > 0 {
                summary.push_str(&format!(
                    " {} sans profil ne sont pas comptés.",
                    count(g.without_profile, "résultat", "résultats")
                ));
            }
            let list = g
                .groups
                .into_iter()
                .map(|group| view! { <GroupBlock group=group /> })
                .collect_view();
            view! {
                <p class="count">{summary}</p>
                <div class="actions no-print">
                    <button type="button" class="button primary" on:click=print>
                        "Imprimer le plan"
                    </button>
                </div>
                {list}
            }
            .into_any()
        }
    };
    view! {
        <div class="screen staff mediator-sessions">
            <h1 tabindex="-1">"Préparer des séances"</h1>
            <p class="print-only">{plan_line}</p>
            <p class="lead no-print">
                "Repère met ensemble les personnes qui ont des besoins proches. Pour chaque groupe, il dit quoi travailler d'abord."
            </p>
            {move || filters_note().map(|t| view! { <p class="notice no-print">{t}</p> })}
            <form class="staff-form no-print" on:submit=form novalidate>
                <TextField
                    id="group-size"
                    label="Nombre de personnes par groupe, au plus"
                    value=size
                    error=error
                    hint=format!("De {} à {}.", GROUP_SIZES.start(), GROUP_SIZES.end())
                    class="text-input number-input"
                    input_type="number"
                    inputmode="numeric"
                    min=GROUP_SIZES.start().to_string()
                    max=GROUP_SIZES.end().to_string()
                />
                <div class="actions">
                    <button type="submit" class="button primary">
                        "Former les groupes"
                    </button>
                </div>
            </form>
            <section class="staff-section groups" aria-label="Groupes">
                {result}
            </section>
        </div>
    }
}

#[component]
fn GroupBlock(group: api::Group) -> impl IntoView {
    let n = group.number;
    let title_id = format!("group-{n}-title");
    let labelled_by = title_id.clone();
    let priorities = if group.priorities.is_empty() {
        view! { <p>"Aucune compétence à travailler."</p> }.into_any()
    } else {
        let size = group.size;
        view! {
            <ol class="priorities">
                {group
                    .priorities
                    .iter()
                    .take(6)
                    .map(|p| {
                        let label = if p.label.is_empty() { skill_label(&p.skill) } else { p.label.clone() };
                        view! {
                            <li>
                                <strong>{label}</strong>
                                {format!(" — {} sur {size}", count(p.members, "personne", "personnes"))}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    let rows = group
        .members
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{m.code.clone()}</th>
                    <td>{m.person.clone().unwrap_or_default()}</td>
                    <td>{m.date.clone()}</td>
                    <td>{m.class.clone().map(|c| c.label).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="group" aria-labelledby=labelled_by>
            <h2 id=title_id>
                {format!("Groupe {n} : {}", count(group.size, "personne", "personnes"))}
            </h2>
            <h3>"À travailler en priorité"</h3>
            {priorities}
            <table class="data-table">
                <caption>{format!("Personnes du groupe {n}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Code"</th>
                        <th scope="col">"Prénom"</th>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Niveau"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The place of a query string whose values need no decoding.
    fn parse(query: &str) -> Place {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Place::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    fn filters() -> Filters {
        Filters {
            from: "2026-03-01".into(),
            domain: "safety".into(),
            level: "autonome".into(),
            orientation: "atelier_collectif".into(),
            ..Filters::default()
        }
    }

    #[test]
    fn a_place_is_an_address_and_back() {
        assert_eq!(Place::default().query(), "");
        let profile = Place {
            view: View::Profile("K7M4-QX2P".into()),
            filters: filters(),
        };
        assert_eq!(
            profile.query(),
            "?from=2026-03-01&domain=safety&level=autonome&orientation=atelier_collectif&profil=K7M4-QX2P"
        );
        let sessions = Place {
            view: View::Sessions,
            filters: Filters {
                class: "debutant".into(),
                ..Filters::default()
            },
        };
        assert_eq!(sessions.query(), "?class=debutant&vue=seances");
        let list = Place {
            view: View::List,
            filters: filters(),
        };
        for place in [Place::default(), profile, sessions, list] {
            assert_eq!(parse(&place.query()), place, "{}", place.query());
        }
    }

    #[test]
    fn an_address_names_a_profile_only_with_a_code() {
        // As typed or copied: the code is normalised.
        let typed = Place::from_params(|name| (name == PROFILE_PARAM).then(|| " k7m4 qx2p".into()));
        assert_eq!(typed.view, View::Profile("K7M4-QX2P".into()));
        assert_eq!(parse("?profil=abc").view, View::List);
        assert_eq!(parse("?profil=abc&vue=seances").view, View::Sessions);
        assert_eq!(parse("?vue=autre").view, View::List);
        // Spaces around a value are not a filter.
        let spaced = Place::from_params(|name| (name == "skill").then(|| "  ".into()));
        assert!(spaced.filters.is_empty());
    }
}
