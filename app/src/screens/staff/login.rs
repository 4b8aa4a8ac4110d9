//! Logging in (WCAG 2.2, 3.3.8 accessible authentication): an identifier and a
//! password, nothing to solve or transcribe; password managers and pasting work
//! (`autocomplete="username"` / `"current-password"`), and the password can be
//! shown.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{described_by, error_mark, focus_soon, home_of, set_title, Session, SessionState};
use crate::api;
use crate::state::AppState;

/// Which field an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Login,
    Password,
    /// The whole form (wrong identifier or password, server down).
    Form,
}

/// `/connexion`: the login form, then the home of the account's role.
#[component]
pub fn LoginArea() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(String::new());
    set_title("Connexion");
    let session = Session(RwSignal::new(SessionState::Checking));
    provide_context(session);
    spawn_local(async move {
        let next = match api::me().await {
            Ok(me) => SessionState::LoggedIn(me),
            Err(e) if e.is_logged_out() => SessionState::LoggedOut(None),
            Err(e) => SessionState::LoggedOut(Some(e.message)),
        };
        session.0.set(next);
    });
    move || match session.0.get() {
        SessionState::Checking => view! { <p class="wiping">"Un instant…"</p> }.into_any(),
        SessionState::LoggedOut(reason) => view! { <LoginForm reason=reason /> }.into_any(),
        SessionState::LoggedIn(me) => {
            let home = home_of(&me.user.role);
            let _ = location().replace(home);
            view! {
                <div class="screen">
                    <h1 tabindex="-1">"Vous êtes connecté"</h1>
                    <p>
                        <a class="button" href=home>
                            "Continuer"
                        </a>
                    </p>
                </div>
            }
            .into_any()
        }
    }
}

/// The login form. `reason`: why it shows (session over, server unreachable).
#[component]
pub fn LoginForm(reason: Option<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = expect_context::<Session>();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<(Field, String)>);
    let error_on = move |f: Field| error.with(|e| e.as_ref().is_some_and(|(x, _)| *x == f));
    let error_text = move || error.with(|e| e.as_ref().map(|(_, m)| m.clone()).unwrap_or_default());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = login.get_untracked().trim().to_string();
        let secret = password.get_untracked();
        if name.is_empty() {
            error.set(Some((Field::Login, "Écrivez votre identifiant.".into())));
            focus_soon("login-name");
            return;
        }
        if secret.is_empty() {
            error.set(Some((
                Field::Password,
                "Écrivez votre mot de passe.".into(),
            )));
            focus_soon("login-password");
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::login(&name, &secret).await {
                Ok(me) => {
                    session.0.set(SessionState::LoggedIn(me));
                    state.announce("Vous êtes connecté.");
                }
                Err(e) => {
                    busy.set(false);
                    password.set(String::new());
                    error.set(Some((Field::Form, e.message)));
                    focus_soon("login-password");
                }
            }
        });
    };

    view! {
        <div class="screen staff login">
            <h1 tabindex="-1">"Connexion"</h1>
            <p class="lead">"Pour les agents et les médiateurs numériques."</p>
            {reason.map(|r| view! { <p class="notice">{r}</p> })}
            <form class="staff-form" on:submit=submit novalidate>
                <Show when=move || error_on(Field::Form)>
                    <p class="form-error" id="login-error" role="alert">
                        {error_mark()}
                        {error_text}
                    </p>
                </Show>
                <div class="field">
                    <label class="field-label" for="login-name">
                        "Identifiant"
                    </label>
                    <input
                        id="login-name"
                        class="text-input"
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || error_on(Field::Login).to_string()
                        aria-describedby=move || {
                            described_by(
                                &[
                                    ("login-name-error", error_on(Field::Login)),
                                    ("login-error", error_on(Field::Form)),
                                ],
                            )
                        }
                        prop:value=move || login.get()
                        on:input=move |ev| login.set(event_target_value(&ev))
                    />
                    <Show when=move || error_on(Field::Login)>
                        <p class="field-error" id="login-name-error">
                            {error_mark()}
                            {error_text}
                        </p>
                    </Show>
                </div>
                <div class="field">
                    <label class="field-label" for="login-password">
                        "Mot de passe"
                    </label>
                    <input
                        id="login-password"
                        class="text-input"
                        type=move || if show_password.get() { "text" } else { "password" }
                        name="password"
                        autocomplete="current-password"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || error_on(Field::Password).to_string()
                        aria-describedby=move || {
                            described_by(
                                &[
                                    ("login-password-error", error_on(Field::Password)),
                                    ("login-error", error_on(Field::Form)),
                                ],
                            )
                        }
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    <Show when=move || error_on(Field::Password)>
                        <p class="field-error" id="login-password-error">
                            {error_mark()}
                            {error_text}
                        </p>
                    </Show>
                </div>
                <label class="option check">
                    <input
                        type="checkbox"
                        prop:checked=move || show_password.get()
                        on:change=move |ev| show_password.set(event_target_checked(&ev))
                    />
                    <span>"Afficher le mot de passe"</span>
                </label>
                <div class="actions">
                    <button
                        type="submit"
                        class="button primary"
                        aria-disabled=move || busy.get().to_string()
                    >
                        {move || if busy.get() { "Connexion…" } else { "Se connecter" }}
                    </button>
                </div>
            </form>
            <p class="help-text">
                "Mot de passe oublié ? Demandez à l'administrateur de votre structure."
            </p>
        </div>
    }
}
