//! `/admin`: the admin's screen. The accounts of the structure (add one, give a
//! new password, disable or enable one, remove the second factor of one that lost
//! its phone; require a second factor of the structure's admins), its kiosks
//! (whether each is installed;
//! add one and see its pairing code once, with how long it works; a new
//! code to install it on another device; remove one), and where the structure is
//! (the mediation places suggested to its people are the nearest to it). The server checks every
//! rule again (role, structure, password policy, the last active admin).
//!
//! Accessibility: every field has a label and, when it is wrong, an error tied to
//! it (`aria-describedby`, `aria-invalid`) and the focus; every outcome is said in
//! a message that takes the focus (`.confirm`) or is announced; a secret shown once
//! (a new password, a kiosk's code) sits in a message that takes the focus.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{Errors, FieldError, FormAlert, SubmitButton, TextField};
use super::table::DataTable;
use super::{
    described_by, focus_id_soon, focus_soon, set_title, Audience, Session, StaffGate,
    MIN_PASSWORD_CHARS,
};
use crate::api::{self, Account, FormError, Kiosk, KioskCode};
use crate::state::AppState;

/// Something loaded from the server.
#[derive(Clone, Debug, PartialEq)]
enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// The admin's area.
#[component]
pub fn AdminArea() -> impl IntoView {
    view! {
        <StaffGate audience=Audience::Admin>
            <AdminScreen />
        </StaffGate>
    }
}

/// The French name of a role.
fn role_name(role: &str) -> &'static str {
    match role {
        "agent" => "Agent",
        "trainer" => "Médiateur",
        "admin" => "Administrateur",
        _ => "Autre",
    }
}

/// The accounts of the structure, and whether it requires a second factor of its
/// admins.
#[derive(Clone, Copy)]
struct Accounts {
    list: RwSignal<Load<Vec<Account>>>,
    required: RwSignal<Option<bool>>,
}

/// Loads the accounts into `accounts`.
fn load_accounts(session: Session, accounts: Accounts) {
    spawn_local(async move {
        match api::accounts().await {
            Ok(a) => {
                accounts.required.set(Some(a.second_factor_required));
                accounts.list.set(Load::Ready(a.users));
            }
            Err(e) => accounts.list.set(Load::Failed(session.message(&e))),
        }
    });
}

/// Loads the kiosks into `kiosks`.
fn load_kiosks(session: Session, kiosks: RwSignal<Load<Vec<Kiosk>>>) {
    spawn_local(async move {
        match api::kiosks().await {
            Ok(list) => kiosks.set(Load::Ready(list)),
            Err(e) => kiosks.set(Load::Failed(session.message(&e))),
        }
    });
}

#[component]
fn AdminScreen() -> impl IntoView {
    set_title("Administration");
    let session = expect_context::<Session>();
    let structure = session
        .me()
        .and_then(|m| m.user.structure.name)
        .unwrap_or_default();
    let accounts = Accounts {
        list: RwSignal::new(Load::Loading),
        required: RwSignal::new(None),
    };
    let kiosks = RwSignal::new(Load::<Vec<Kiosk>>::Loading);
    load_accounts(session, accounts);
    load_kiosks(session, kiosks);
    view! {
        <div class="screen staff admin">
            <h1 tabindex="-1">"Administration"</h1>
            <p class="lead">{format!("Les comptes et les bornes de : {structure}.")}</p>
            <p>
                <a class="button secondary" href="/mediateur">
                    "Voir les profils de la structure"
                </a>
            </p>
            <AccountsSection accounts=accounts />
            <AddAccount accounts=accounts />
            <SecondFactorSetting accounts=accounts />
            <KiosksSection kiosks=kiosks />
            <LocationSection />
        </div>
    }
}

// ------------------------------------------------------------------ location

/// A decimal number as people type it (comma or point).
fn decimal(text: &str) -> Option<f64> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

/// Where the structure is: its INSEE code and coordinates. The places suggested
/// on results are the nearest to this point.
#[component]
fn LocationSection() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let insee = RwSignal::new(String::new());
    let lat = RwSignal::new(String::new());
    let lon = RwSignal::new(String::new());
    let places = RwSignal::new(None::<usize>);
    let error = RwSignal::new(None::<String>);
    let lat_error = RwSignal::new(None::<String>);
    let lon_error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match api::structure().await {
            Ok(info) => {
                places.set(Some(info.places));
                if let Some(l) = info.location {
                    insee.set(l.code_insee.unwrap_or_default());
                    lat.set(l.latitude.to_string());
                    lon.set(l.longitude.to_string());
                }
            }
            Err(e) => error.set(Some(session.message(&e))),
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        done.set(None);
        error.set(None);
        let (la, lo) = (decimal(&lat.get_untracked()), decimal(&lon.get_untracked()));
        lat_error.set(
            la.filter(|x| (-90.0..=90.0).contains(x))
                .is_none()
                .then(|| "Écrivez une latitude entre −90 et 90, par exemple 46,17.".to_string()),
        );
        lon_error.set(
            lo.filter(|x| (-180.0..=180.0).contains(x))
                .is_none()
                .then(|| "Écrivez une longitude entre −180 et 180, par exemple 1,87.".to_string()),
        );
        let (Some(la), Some(lo)) = (la, lo) else {
            focus_soon(if lat_error.get_untracked().is_some() {
                "latitude"
            } else {
                "longitude"
            });
            return;
        };
        if lat_error.get_untracked().is_some() || lon_error.get_untracked().is_some() {
            focus_soon(if lat_error.get_untracked().is_some() {
                "latitude"
            } else {
                "longitude"
            });
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::set_location(&insee.get_untracked(), la, lo).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let text = "L'emplacement est enregistré. Les lieux proches s'affichent avec les résultats.".to_string();
                    state.announce(&text);
                    done.set(Some(text));
                    focus_soon("location-done");
                }
                Err(e) => {
                    error.set(Some(session.message(&e)));
                    focus_soon("insee");
                }
            }
        });
    };
    view! {
        <section class="staff-section" aria-labelledby="location-title">
            <h2 id="location-title">"Emplacement de la structure"</h2>
            <p>
                "Les lieux de médiation proposés avec chaque résultat sont les plus proches de cet endroit."
            </p>
            {move || {
                places
                    .get()
                    .map(|n| {
                        view! {
                            <p>
                                {format!(
                                    "Le serveur connaît {n}\u{a0}lieu(x) de médiation du fichier national.",
                                )}
                            </p>
                        }
                    })
            }}
            <form class="staff-form" on:submit=submit novalidate>
                <FormAlert id="location-error" message=error />
                <TextField
                    id="insee"
                    label="Code INSEE de la commune (facultatif)"
                    value=insee
                    error=RwSignal::new(None::<String>)
                    hint="5 caractères, par exemple 23096. Il sert pour les lieux sans coordonnées."
                    autocomplete="off"
                />
                <TextField
                    id="latitude"
                    label="Latitude"
                    value=lat
                    error=lat_error
                    hint="En degrés décimaux, par exemple 46,17."
                    autocomplete="off"
                    inputmode="decimal"
                />
                <TextField
                    id="longitude"
                    label="Longitude"
                    value=lon
                    error=lon_error
                    hint="En degrés décimaux, par exemple 1,87."
                    autocomplete="off"
                    inputmode="decimal"
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Enregistrer l'emplacement" busy_label="Enregistrement…" />
                </div>
                {move || {
                    done.get()
                        .map(|text| {
                            view! {
                                <p class="confirm" id="location-done" tabindex="-1">
                                    {text}
                                </p>
                            }
                        })
                }}
            </form>
        </section>
    }
}

// ------------------------------------------------------------------ accounts

/// What the accounts section shows under its table.
#[derive(Clone, Debug, PartialEq)]
enum AccountPanel {
    None,
    /// Giving a new password to this account.
    Reset(Account),
    /// A message after a change; `secret`: a generated password, shown once.
    Done {
        text: String,
        secret: Option<String>,
    },
    /// A change was refused.
    Refused(String),
}

#[component]
fn AccountsSection(accounts: Accounts) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let panel = RwSignal::new(AccountPanel::None);
    let busy = RwSignal::new(false);

    let toggle = move |account: Account| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let active = !account.active;
        spawn_local(async move {
            let result = api::set_account_active(account.id, active).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let text = if active {
                        format!(
                            "Le compte {} est réactivé. Il peut se connecter.",
                            account.login
                        )
                    } else {
                        format!(
                            "Le compte {} est désactivé. Il ne peut plus se connecter.",
                            account.login
                        )
                    };
                    state.announce(&text);
                    panel.set(AccountPanel::Done { text, secret: None });
                    load_accounts(session, accounts);
                    // The row's button changed its name; focus comes back to it.
                    focus_id_soon(format!("toggle-{}", account.id));
                }
                Err(e) => {
                    panel.set(AccountPanel::Refused(session.message(&e)));
                    focus_soon("account-refused");
                }
            }
        });
    };

    let reset_factor = move |account: Account| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::reset_second_factor(account.id).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let text = format!(
                        "La double authentification de {} est retirée. \
                         À sa prochaine connexion, le mot de passe suffit.",
                        account.login
                    );
                    state.announce(&text);
                    panel.set(AccountPanel::Done { text, secret: None });
                    load_accounts(session, accounts);
                    focus_soon("account-done");
                }
                Err(e) => {
                    panel.set(AccountPanel::Refused(session.message(&e)));
                    focus_soon("account-refused");
                }
            }
        });
    };

    let table = move || match accounts.list.get() {
        Load::Loading => view! { <p class="wiping">"Chargement des comptes…"</p> }.into_any(),
        Load::Failed(m) => view! { <FormAlert message=Some(m) /> }.into_any(),
        Load::Ready(list) => {
            let rows = list
                .into_iter()
                .map(|a| {
                    let reset_target = a.clone();
                    let toggle_target = a.clone();
                    let factor_target = a.clone();
                    let login = a.login.clone();
                    let toggle_label = if a.active {
                        "Désactiver"
                    } else {
                        "Réactiver"
                    };
                    view! {
                        <tr>
                            <th scope="row">
                                {a.login.clone()}
                                {a.me.then_some(" (vous)")}
                            </th>
                            <td>{role_name(&a.role)}</td>
                            <td>
                                {if a.active {
                                    view! { <span>"Actif"</span> }.into_any()
                                } else {
                                    view! { <strong>"Désactivé"</strong> }.into_any()
                                }}
                            </td>
                            <td>{if a.second_factor { "Oui" } else { "Non" }}</td>
                            <td>
                                <div class="row-actions">
                                <button
                                    type="button"
                                    class="button small secondary"
                                    id=format!("reset-{}", a.id)
                                    on:click=move |_| {
                                        panel.set(AccountPanel::Reset(reset_target.clone()));
                                        focus_soon("reset-title");
                                    }
                                >
                                    "Nouveau mot de passe"
                                    <span class="visually-hidden">{format!(" pour {login}")}</span>
                                </button>
                                {(!a.me)
                                    .then(|| {
                                        let login = a.login.clone();
                                        view! {
                                            <button
                                                type="button"
                                                class="button small secondary"
                                                id=format!("toggle-{}", a.id)
                                                aria-disabled=move || busy.get().to_string()
                                                on:click=move |_| toggle(toggle_target.clone())
                                            >
                                                {toggle_label}
                                                <span class="visually-hidden">
                                                    {format!(" le compte {login}")}
                                                </span>
                                            </button>
                                        }
                                    })}
                                {(!a.me && a.second_factor)
                                    .then(|| {
                                        let login = a.login.clone();
                                        view! {
                                            <button
                                                type="button"
                                                class="button small secondary"
                                                id=format!("factor-{}", a.id)
                                                aria-disabled=move || busy.get().to_string()
                                                on:click=move |_| reset_factor(factor_target.clone())
                                            >
                                                "Retirer la double authentification"
                                                <span class="visually-hidden">
                                                    {format!(" de {login}")}
                                                </span>
                                            </button>
                                        }
                                    })}
                                </div>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <DataTable
                    name="accounts"
                    caption="Comptes de la structure"
                    columns=&["Identifiant", "Rôle", "État", "Double authentification", "Actions"]
                >
                    {rows}
                </DataTable>
            }
            .into_any()
        }
    };

    let below = move || {
        match panel.get() {
        AccountPanel::None => ().into_any(),
        AccountPanel::Reset(account) => view! { <ResetPassword account=account panel=panel /> }.into_any(),
        AccountPanel::Done { text, secret } => view! {
            <div class="confirm" id="account-done" tabindex="-1">
                <p>{text}</p>
                {secret
                    .map(|s| {
                        view! {
                            <p>
                                "Nouveau mot de passe : "
                                <strong class="secret">{s}</strong>
                            </p>
                            <p>"Notez-le maintenant et donnez-le à la personne. Il ne sera plus affiché."</p>
                        }
                    })}
            </div>
        }
        .into_any(),
        AccountPanel::Refused(m) => view! {
            <FormAlert id="account-refused" message=Some(m) focusable=true />
        }
        .into_any(),
    }
    };

    view! {
        <section class="staff-section" aria-labelledby="accounts-title">
            <h2 id="accounts-title">"Comptes"</h2>
            <p>"Un compte désactivé ne peut plus se connecter. Vous pouvez le réactiver."</p>
            {table}
            {below}
        </section>
    }
}

/// Whether the structure requires a second factor of its admins, and the button
/// that changes it.
#[component]
fn SecondFactorSetting(accounts: Accounts) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let refused = RwSignal::new(None::<String>);
    let switch = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(now) = accounts.required.get_untracked() else {
            return;
        };
        busy.set(true);
        message.set(None);
        refused.set(None);
        spawn_local(async move {
            let result = api::require_second_factor(!now).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let text = if now {
                        "La double authentification n'est plus exigée."
                    } else {
                        "La double authentification est exigée pour les administrateurs."
                    };
                    state.announce(text);
                    message.set(Some(text.to_string()));
                    load_accounts(session, accounts);
                    focus_soon("factor-setting-done");
                }
                Err(e) => {
                    refused.set(Some(session.message(&e)));
                    focus_soon("factor-setting-refused");
                }
            }
        });
    };
    let status = move || {
        match accounts.required.get() {
        Some(true) => "Elle est exigée : un administrateur sans double authentification doit l'activer à sa connexion.",
        Some(false) => "Elle n'est pas exigée.",
        None => "Chargement…",
    }
    };
    let label = move || match accounts.required.get() {
        Some(true) => "Ne plus l'exiger",
        _ => "L'exiger pour les administrateurs",
    };
    view! {
        <section class="staff-section" aria-labelledby="factor-setting-title">
            <h2 id="factor-setting-title">"Double authentification des administrateurs"</h2>
            <p>"Avec elle, il faut le mot de passe et un code du téléphone pour se connecter."</p>
            <p>{status}</p>
            <div class="actions">
                <button
                    type="button"
                    class="button secondary"
                    id="factor-setting"
                    aria-disabled=move || busy.get().to_string()
                    on:click=switch
                >
                    {label}
                </button>
            </div>
            <Show when=move || message.with(Option::is_some)>
                <p class="confirm" id="factor-setting-done" tabindex="-1">
                    {move || message.get().unwrap_or_default()}
                </p>
            </Show>
            <FormAlert id="factor-setting-refused" message=refused focusable=true />
        </section>
    }
}

/// A new password for `account`: generated by the server, or typed here.
#[component]
fn ResetPassword(account: Account, panel: RwSignal<AccountPanel>) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let id = account.id;
    let login = StoredValue::new(account.login.clone());

    let send = move |typed: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::reset_password(id, typed.as_deref()).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    let text = format!(
                        "Le mot de passe de {} est changé. Ses connexions en cours sont terminées.",
                        r.login
                    );
                    state.announce(&text);
                    panel.set(AccountPanel::Done {
                        text,
                        secret: r.password,
                    });
                    focus_soon("account-done");
                }
                Err(FormError { error: e, .. }) => {
                    error.set(Some(session.message(&e)));
                    focus_soon("reset-password");
                }
            }
        });
    };
    let generate = move |_| send(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.chars().count() < MIN_PASSWORD_CHARS {
            error.set(Some(format!(
                "Le mot de passe doit contenir au moins {MIN_PASSWORD_CHARS} caractères."
            )));
            focus_soon("reset-password");
            return;
        }
        send(Some(typed));
    };
    let cancel = move |_| {
        panel.set(AccountPanel::None);
        focus_id_soon(format!("reset-{id}"));
    };
    view! {
        <section class="staff-section reset" aria-labelledby="reset-title">
            <h3 id="reset-title" tabindex="-1">
                {format!("Nouveau mot de passe pour {}", login.get_value())}
            </h3>
            <p>"Ses connexions en cours seront terminées."</p>
            <div class="actions">
                <button
                    type="button"
                    class="button primary"
                    on:click=generate
                    aria-disabled=move || busy.get().to_string()
                >
                    "Créer un mot de passe automatiquement"
                </button>
            </div>
            <form class="staff-form" on:submit=submit novalidate>
                <TextField
                    id="reset-password"
                    label="Ou écrivez le nouveau mot de passe"
                    value=password
                    error=error
                    hint=format!("{MIN_PASSWORD_CHARS} caractères au moins.")
                    autocomplete="new-password"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Enregistrer ce mot de passe" class="button secondary" />
                    <button type="button" class="button secondary" on:click=cancel>
                        "Annuler"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Which field an error of the account form is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Login,
    Role,
    Password,
    Form,
}

#[component]
fn AddAccount(accounts: Accounts) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let login = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = Errors::<Field>::new();
    let done = RwSignal::new(None::<String>);
    let fail = move |field: Field, message: String| {
        let target = match field {
            Field::Login | Field::Form => "new-login",
            Field::Role => "new-role-agent",
            Field::Password => "new-password",
        };
        errors.set(field, message);
        focus_soon(target);
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        done.set(None);
        let name = login.get_untracked().trim().to_string();
        let chosen = role.get_untracked();
        let secret = password.get_untracked();
        if name.is_empty() {
            return fail(Field::Login, "Écrivez un nom.".into());
        }
        if chosen.is_empty() {
            return fail(Field::Role, "Choisissez un rôle.".into());
        }
        if secret.chars().count() < MIN_PASSWORD_CHARS {
            return fail(
                Field::Password,
                format!("Le mot de passe doit contenir au moins {MIN_PASSWORD_CHARS} caractères."),
            );
        }
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            let result = api::add_account(&name, &chosen, &secret).await;
            busy.set(false);
            match result {
                Ok(made) => {
                    state.announce(&format!(
                        "Compte créé. Identifiant\u{a0}: {made}. Notez-le et donnez-le à la personne."
                    ));
                    done.set(Some(made));
                    login.set(String::new());
                    role.set(String::new());
                    password.set(String::new());
                    load_accounts(session, accounts);
                    focus_soon("add-account-done");
                }
                Err(FormError { error: e, field }) => {
                    let message = session.message(&e);
                    let field = match field.as_deref() {
                        Some("login") => Field::Login,
                        Some("role") => Field::Role,
                        Some("password") => Field::Password,
                        _ => Field::Form,
                    };
                    fail(field, message);
                }
            }
        });
    };

    let role_option = move |value: &'static str, label: &'static str| {
        view! {
            <label class="option">
                <input
                    type="radio"
                    name="new-role"
                    id=format!("new-role-{value}")
                    value=value
                    aria-invalid=move || errors.on(Field::Role).to_string()
                    aria-describedby=move || {
                        described_by(&[("new-role-error", errors.on(Field::Role))])
                    }
                    prop:checked=move || role.get() == value
                    on:change=move |_| role.set(value.to_string())
                />
                <span>{label}</span>
            </label>
        }
    };

    view! {
        <section class="staff-section" aria-labelledby="add-account-title">
            <h2 id="add-account-title">"Ajouter un compte"</h2>
            <form class="staff-form" on:submit=submit novalidate>
                <FormAlert id="add-account-error" message=errors.of(Field::Form) />
                <TextField
                    id="new-login"
                    label="Nom"
                    value=login
                    error=errors.of(Field::Login)
                    hint="Lettres sans accent, chiffres, point ou tiret. Repère y ajoute 4 caractères. Par exemple : marie devient marie.k7p2."
                    form_error=("add-account-error", errors.shown(Field::Form))
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <fieldset class="setting field">
                    <legend>"Rôle"</legend>
                    <div class="options">
                        {role_option("agent", "Agent (guichet)")}
                        {role_option("trainer", "Médiateur")}
                        {role_option("admin", "Administrateur")}
                    </div>
                    <FieldError id="new-role-error" message=errors.of(Field::Role) />
                </fieldset>
                <TextField
                    id="new-password"
                    label="Mot de passe"
                    value=password
                    error=errors.of(Field::Password)
                    hint=format!(
                        "{MIN_PASSWORD_CHARS} caractères au moins. Donnez-le à la personne : elle pourra le changer.",
                    )
                    autocomplete="new-password"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Ajouter le compte" busy_label="Ajout…" />
                </div>
                {move || {
                    done.get()
                        .map(|made| {
                            view! {
                                <div class="confirm" id="add-account-done" tabindex="-1">
                                    <p>
                                        "Compte créé. Identifiant\u{a0}: "
                                        <strong class="secret">{made}</strong>
                                        "."
                                    </p>
                                    <p>"Notez-le et donnez-le à la personne."</p>
                                </div>
                            }
                        })
                }}
            </form>
        </section>
    }
}

// -------------------------------------------------------------------- kiosks

/// A kiosk's pairing code (« code d'installation »), shown once: what it is,
/// where to type it, how long it works. `renewed`: a new code for a kiosk that
/// had one.
#[component]
fn CodePanel(code: KioskCode, renewed: bool, id: &'static str) -> impl IntoView {
    let first = if renewed {
        format!("Nouveau code pour la borne « {} ».", code.name)
    } else {
        format!("La borne « {} » est ajoutée.", code.name)
    };
    let days = code.valid_days;
    let until = if code.expires.is_empty() {
        String::new()
    } else {
        format!("\u{a0}: jusqu'au {}", code.expires)
    };
    view! {
        <div class="confirm kiosk-code" id=id tabindex="-1">
            <p>{first}</p>
            <p>
                "Code d'installation\u{a0}: "
                <strong class="secret">{code.code.clone()}</strong>
            </p>
            <p>"Sur la borne, ouvrez l'adresse /borne et tapez ce code."</p>
            <p class="code-validity">
                {format!("Ce code marche une seule fois, pendant {days}\u{a0}jours{until}.")}
            </p>
            {renewed
                .then(|| {
                    view! {
                        <p>
                            "L'appareil installé avec ce code devient la borne. L'ancien appareil ne l'est plus."
                        </p>
                    }
                })}
            <p>"Notez ce code maintenant\u{a0}: il ne sera plus affiché."</p>
        </div>
    }
}

/// What a kiosk's row says of its state.
fn kiosk_state(k: &Kiosk) -> String {
    let installed = match (&k.installed, &k.paired_date) {
        (true, Some(d)) => format!("Installée le {d}."),
        (true, None) => "Installée.".to_string(),
        (false, _) => "Pas encore installée.".to_string(),
    };
    match (k.code_waiting, &k.code_expires) {
        (true, Some(d)) => format!("{installed} Un code attend, valable jusqu'au {d}."),
        (true, None) => format!("{installed} Un code attend."),
        (false, _) => installed,
    }
}

#[component]
fn KiosksSection(kiosks: RwSignal<Load<Vec<Kiosk>>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let confirming = RwSignal::new(None::<u64>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let renewed = RwSignal::new(None::<KioskCode>);
    let added = RwSignal::new(None::<KioskCode>);
    let busy = RwSignal::new(false);

    let remove = move |kiosk: Kiosk| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::remove_kiosk(kiosk.id).await;
            busy.set(false);
            confirming.set(None);
            renewed.set(None);
            match result {
                Ok(()) => {
                    let text = format!(
                        "La borne « {} » est retirée. Ses résultats ne vont plus à votre structure.",
                        kiosk.name
                    );
                    state.announce(&text);
                    message.set(Some(Ok(text)));
                    load_kiosks(session, kiosks);
                }
                Err(e) => message.set(Some(Err(session.message(&e)))),
            }
            focus_soon("kiosk-message");
        });
    };

    let renew = move |kiosk: Kiosk| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        added.set(None);
        spawn_local(async move {
            let result = api::renew_kiosk_code(kiosk.id).await;
            busy.set(false);
            match result {
                Ok(code) => {
                    state.announce(&format!("Nouveau code pour la borne « {} ».", code.name));
                    message.set(None);
                    renewed.set(Some(code));
                    load_kiosks(session, kiosks);
                    focus_soon("kiosk-new-code");
                }
                Err(e) => {
                    renewed.set(None);
                    message.set(Some(Err(session.message(&e))));
                    focus_soon("kiosk-message");
                }
            }
        });
    };

    let table = move || match kiosks.get() {
        Load::Loading => view! { <p class="wiping">"Chargement des bornes…"</p> }.into_any(),
        Load::Failed(m) => view! { <FormAlert message=Some(m) /> }.into_any(),
        Load::Ready(list) if list.is_empty() => {
            view! { <p class="count">"Aucune borne pour l'instant."</p> }.into_any()
        }
        Load::Ready(list) => {
            let rows = list
                .into_iter()
                .map(|k| {
                    let id = k.id;
                    let name = k.name.clone();
                    let target = k.clone();
                    let renew_target = k.clone();
                    let actions = move || {
                        if confirming.get() == Some(id) {
                            let target = target.clone();
                            view! {
                                <p id=format!("confirm-{id}")>
                                    "Retirer cette borne\u{a0}? Ses résultats n'iront plus à votre structure."
                                </p>
                                <button
                                    type="button"
                                    class="button small primary"
                                    id=format!("confirm-remove-{id}")
                                    aria-describedby=format!("confirm-{id}")
                                    aria-disabled=move || busy.get().to_string()
                                    on:click=move |_| remove(target.clone())
                                >
                                    "Oui, retirer"
                                </button>
                                <button
                                    type="button"
                                    class="button small secondary"
                                    on:click=move |_| {
                                        confirming.set(None);
                                        focus_id_soon(format!("remove-{id}"));
                                    }
                                >
                                    "Annuler"
                                </button>
                            }
                            .into_any()
                        } else {
                            let name = name.clone();
                            let renew_name = name.clone();
                            let renew_target = renew_target.clone();
                            view! {
                                <button
                                    type="button"
                                    class="button small secondary"
                                    id=format!("code-{id}")
                                    aria-disabled=move || busy.get().to_string()
                                    on:click=move |_| renew(renew_target.clone())
                                >
                                    "Nouveau code d'installation"
                                    <span class="visually-hidden">
                                        {format!(" pour la borne {renew_name}")}
                                    </span>
                                </button>
                                <button
                                    type="button"
                                    class="button small secondary"
                                    id=format!("remove-{id}")
                                    on:click=move |_| {
                                        confirming.set(Some(id));
                                        focus_id_soon(format!("confirm-remove-{id}"));
                                    }
                                >
                                    "Retirer"
                                    <span class="visually-hidden">{format!(" la borne {name}")}</span>
                                </button>
                            }
                            .into_any()
                        }
                    };
                    view! {
                        <tr>
                            <th scope="row">{k.name.clone()}</th>
                            <td>{k.date.clone()}</td>
                            <td>{kiosk_state(&k)}</td>
                            <td>
                                <div class="row-actions">{actions}</div>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <DataTable
                    name="kiosks"
                    caption="Bornes de la structure"
                    columns=&["Nom", "Ajoutée le", "État", "Actions"]
                >
                    {rows}
                </DataTable>
            }
            .into_any()
        }
    };

    let status = move || {
        message.get().map(|m| match m {
            Ok(text) => view! {
                <p class="confirm" id="kiosk-message" tabindex="-1">
                    {text}
                </p>
            }
            .into_any(),
            Err(text) => view! {
                <FormAlert id="kiosk-message" message=Some(text) focusable=true />
            }
            .into_any(),
        })
    };

    view! {
        <section class="staff-section" aria-labelledby="kiosks-title">
            <h2 id="kiosks-title">"Bornes"</h2>
            <p>"Une borne est un appareil en libre accès. Les personnes y font le test seules."</p>
            <p>
                "Pour installer une borne, ou la remettre sur un autre appareil, donnez un code d'installation."
            </p>
            {table}
            {status}
            {move || {
                renewed
                    .get()
                    .map(|code| view! { <CodePanel code renewed=true id="kiosk-new-code" /> })
            }}
        </section>
        <AddKiosk kiosks=kiosks added=added renewed=renewed />
    }
}

#[component]
fn AddKiosk(
    kiosks: RwSignal<Load<Vec<Kiosk>>>,
    added: RwSignal<Option<KioskCode>>,
    renewed: RwSignal<Option<KioskCode>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = name.get_untracked().trim().to_string();
        if typed.is_empty() {
            error.set(Some("Écrivez le nom de la borne.".into()));
            focus_soon("kiosk-name");
            return;
        }
        error.set(None);
        added.set(None);
        renewed.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api::add_kiosk(&typed).await;
            busy.set(false);
            match result {
                Ok(k) => {
                    state.announce(&format!("La borne « {} » est ajoutée.", k.name));
                    added.set(Some(k));
                    name.set(String::new());
                    load_kiosks(session, kiosks);
                    focus_soon("kiosk-added");
                }
                Err(FormError { error: e, .. }) => {
                    error.set(Some(session.message(&e)));
                    focus_soon("kiosk-name");
                }
            }
        });
    };

    view! {
        <section class="staff-section" aria-labelledby="add-kiosk-title">
            <h2 id="add-kiosk-title">"Ajouter une borne"</h2>
            <form class="staff-form" on:submit=submit novalidate>
                <TextField
                    id="kiosk-name"
                    label="Nom de la borne"
                    value=name
                    error=error
                    hint="Pour la reconnaître. Par exemple : Borne de l'accueil"
                    autocomplete="off"
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Ajouter la borne" busy_label="Ajout…" />
                </div>
            </form>
            {move || {
                added
                    .get()
                    .map(|code| view! { <CodePanel code renewed=false id="kiosk-added" /> })
            }}
        </section>
    }
}
