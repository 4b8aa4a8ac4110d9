//! « Double authentification »: setting up the second factor of one's account
//! (an authenticator app on a phone reads a QR code, or the key typed by hand;
//! a code of the app confirms it; the recovery codes are shown once), and
//! removing it (the password and a code).
//!
//! The QR code comes drawn by the server, as SVG: the staff bundle carries no QR
//! encoder. The screen that sets it up is also the only screen of an admin whose
//! structure requires one and who has none yet ([`RequiredSetup`]).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{Errors, FormAlert, ShowPassword, SubmitButton, TextField};
use super::login::{CodeField, CodeInput};
use super::{focus_soon, set_title, Session, SessionState};
use crate::api::{self, Enrolment, FormError, SecondFactorState};
use crate::state::AppState;

/// Where a setup stands.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// What it is, and « Commencer ».
    Intro,
    /// The QR code and the key are shown; a code is asked.
    Scan(Enrolment),
    /// Done: the recovery codes, shown once.
    Recovery(Vec<String>),
}

/// Asks the server for the account again (its second factor changed) and shows
/// the area with it.
fn refresh(session: Session) {
    spawn_local(async move {
        match api::me().await {
            Ok(me) => session.0.set(SessionState::LoggedIn(me)),
            Err(e) => {
                session.message(&e);
            }
        }
    });
}

/// The setup, step by step. `intro`: the sentence above « Commencer »; `top`: the
/// setup is the screen (its steps are headings of level 2, else 3).
#[component]
fn Setup(#[prop(into)] intro: String, #[prop(optional)] top: bool) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let step = RwSignal::new(Step::Intro);
    let busy = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let errors = Errors::<CodeField>::new();
    let failed = RwSignal::new(None::<String>);

    let begin = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(None);
        spawn_local(async move {
            let result = api::start_second_factor().await;
            busy.set(false);
            match result {
                Ok(e) => {
                    code.set(String::new());
                    errors.clear();
                    step.set(Step::Scan(e));
                    focus_soon("second-factor-scan");
                }
                Err(e) => {
                    failed.set(Some(session.message(&e)));
                    focus_soon("second-factor-failed");
                }
            }
        });
    };
    let confirm = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = code.get_untracked().trim().to_string();
        if typed.is_empty() {
            errors.set(
                CodeField::Code,
                "Écrivez le code à 6 chiffres de l'application.",
            );
            focus_soon("second-factor-code");
            return;
        }
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            let result = api::confirm_second_factor(&typed).await;
            busy.set(false);
            match result {
                Ok(codes) => {
                    state.announce("La double authentification est activée.");
                    step.set(Step::Recovery(codes));
                    focus_soon("second-factor-recovery");
                }
                Err(FormError { error: e, .. }) if e.code == "second_factor_not_started" => {
                    step.set(Step::Intro);
                    failed.set(Some(session.message(&e)));
                    focus_soon("second-factor-failed");
                }
                Err(FormError { error: e, .. }) => {
                    code.set(String::new());
                    errors.set(CodeField::Code, session.message(&e));
                    focus_soon("second-factor-code");
                }
            }
        });
    };
    let noted = move |_| refresh(session);

    move || {
        match step.get() {
        Step::Intro => view! {
            <p>{intro.clone()}</p>
            <p>
                "Il vous faut une application d'authentification sur votre téléphone. \
                 Par exemple : FreeOTP, Aegis ou Google Authenticator."
            </p>
            <FormAlert id="second-factor-failed" message=failed focusable=true />
            <div class="actions">
                <button
                    type="button"
                    class="button primary"
                    id="second-factor-start"
                    on:click=begin
                    aria-disabled=move || busy.get().to_string()
                >
                    "Commencer"
                </button>
            </div>
        }
        .into_any(),
        Step::Scan(e) => view! {
            {step_heading(top, Some("second-factor-scan"), "1. Ajoutez le compte dans l'application")}
            <p>"Dans l'application, choisissez « Ajouter un compte ». Puis scannez ce code QR."</p>
            <div
                class="qr second-factor-qr"
                role="img"
                aria-label="Code QR à scanner avec l'application d'authentification"
                inner_html=e.qr_svg.clone()
            ></div>
            <p>"Vous ne pouvez pas scanner ? Écrivez cette clé dans l'application :"</p>
            <p class="secret second-factor-key">{e.secret_grouped.clone()}</p>
            <p class="help-text">{format!("Nom du compte : {} ({})", e.issuer, e.account)}</p>
            {step_heading(top, None, "2. Écrivez le code affiché par l'application")}
            <form class="staff-form" on:submit=confirm novalidate>
                <CodeInput
                    id="second-factor-code"
                    value=code
                    error=errors.of(CodeField::Code)
                    hint="Le code change toutes les 30 secondes."
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Valider" busy_label="Vérification…" />
                </div>
            </form>
        }
        .into_any(),
        Step::Recovery(codes) => {
            let items = codes
                .into_iter()
                .map(|c| view! { <li class="secret">{c}</li> })
                .collect_view();
            view! {
                <div class="confirm" id="second-factor-recovery" tabindex="-1">
                    <p>"La double authentification est activée."</p>
                    <p>"Voici vos codes de secours. Ils remplacent le code du téléphone si vous le perdez."</p>
                    <p>"Chaque code marche une seule fois. Notez-les maintenant : ils ne seront plus affichés."</p>
                </div>
                <ol class="recovery-codes">{items}</ol>
                <div class="actions">
                    <button type="button" class="button primary" on:click=noted>
                        "J'ai noté les codes"
                    </button>
                </div>
            }
            .into_any()
        }
    }
    }
}

/// A heading of the setup's steps: level 2 when the setup is the screen, else 3.
fn step_heading(top: bool, id: Option<&'static str>, text: &'static str) -> AnyView {
    let tabindex = id.map(|_| "-1");
    if top {
        view! { <h2 id=id tabindex=tabindex>{text}</h2> }.into_any()
    } else {
        view! { <h3 id=id tabindex=tabindex>{text}</h3> }.into_any()
    }
}

/// The screen of an admin whose structure requires a second factor and who has
/// none yet: nothing else until it is set up.
#[component]
pub fn RequiredSetup() -> impl IntoView {
    set_title("Double authentification");
    view! {
        <div class="screen staff second-factor">
            <h1 tabindex="-1">"Double authentification"</h1>
            <p class="notice">
                "Votre structure demande la double authentification pour les administrateurs."
            </p>
            <Setup
                top=true
                intro="À chaque connexion, vous écrirez votre mot de passe, puis un code de votre téléphone."
            />
        </div>
    }
}

/// Which field of the removal form an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RemoveField {
    Password,
    Code,
    Form,
}

/// « Double authentification » of the account bar: the setup, or where it
/// stands and how to remove it.
#[component]
pub fn SecondFactorPanel(factor: SecondFactorState) -> impl IntoView {
    if !factor.active {
        return view! {
            <section class="setting second-factor" aria-labelledby="second-factor-title">
                <h2 id="second-factor-title" tabindex="-1">"Double authentification"</h2>
                <Setup intro="Avec la double authentification, votre mot de passe ne suffit plus pour vous connecter : il faut aussi un code de votre téléphone." />
            </section>
        }
        .into_any();
    }
    let left = factor.recovery_left.unwrap_or(0);
    let body = if factor.required {
        view! {
            <p>"Votre structure la demande pour les administrateurs : vous ne pouvez pas la retirer."</p>
        }
        .into_any()
    } else {
        view! { <RemoveForm /> }.into_any()
    };
    view! {
        <section class="setting second-factor" aria-labelledby="second-factor-title">
            <h2 id="second-factor-title" tabindex="-1">"Double authentification"</h2>
            <p>"Elle est activée. À chaque connexion, un code de votre téléphone est demandé."</p>
            <p>{format!("Codes de secours pas encore utilisés : {left}.")}</p>
            {body}
        </section>
    }
    .into_any()
}

/// Removing one's second factor: the password and a code.
#[component]
fn RemoveForm() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let shown = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let errors = Errors::<RemoveField>::new();
    let fail = move |field: RemoveField, message: String| {
        errors.set(field, message);
        focus_soon(match field {
            RemoveField::Password | RemoveField::Form => "remove-password",
            RemoveField::Code => "remove-code",
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (p, c) = (password.get_untracked(), code.get_untracked());
        if p.is_empty() {
            return fail(RemoveField::Password, "Écrivez votre mot de passe.".into());
        }
        if c.trim().is_empty() {
            return fail(RemoveField::Code, "Écrivez le code à 6 chiffres.".into());
        }
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            let result = api::remove_second_factor(&p, c.trim()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    state.announce("La double authentification est retirée.");
                    refresh(session);
                }
                Err(FormError { error: e, field }) => {
                    let message = session.message(&e);
                    let field = match field.as_deref() {
                        Some("password") => RemoveField::Password,
                        Some("code") => RemoveField::Code,
                        _ => RemoveField::Form,
                    };
                    fail(field, message);
                }
            }
        });
    };
    let kind = Signal::derive(move || if shown.get() { "text" } else { "password" });
    view! {
        <form class="staff-form" on:submit=submit novalidate>
            <fieldset class="setting">
                <legend>"Retirer la double authentification"</legend>
                <FormAlert id="remove-error" message=errors.of(RemoveField::Form) />
                <TextField
                    id="remove-password"
                    label="Mot de passe"
                    value=password
                    error=errors.of(RemoveField::Password)
                    form_error=("remove-error", errors.shown(RemoveField::Form))
                    input_type=kind
                    autocomplete="current-password"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <ShowPassword shown=shown label="Afficher le mot de passe" />
                <CodeInput
                    id="remove-code"
                    value=code
                    error=errors.of(RemoveField::Code)
                    hint="Le code de l'application, ou un code de secours."
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Retirer" class="button secondary" />
                </div>
            </fieldset>
        </form>
    }
}
