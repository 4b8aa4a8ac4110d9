//! Logging in (WCAG 2.2, 3.3.8 accessible authentication): an identifier and a
//! password, nothing to solve or transcribe; password managers and pasting work
//! (`autocomplete="username"` / `"current-password"`), and the password can be
//! shown. The same fields ([`CredentialFields`]) ask for an admin's login when a
//! kiosk is uninstalled at `/borne`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{Errors, FormAlert, ShowPassword, SubmitButton, TextField};
use super::{focus_soon, home_of, set_title, Session, SessionState};
use crate::api;
use crate::state::AppState;

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
        // Not set on this page (a failed check shows the form with its message).
        SessionState::Unreachable => view! { <LoginForm reason=None /> }.into_any(),
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

/// Where the error of a login is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// The identifier.
    Login,
    /// The password.
    Password,
    /// The whole form (wrong identifier or password, server down).
    Form,
}

/// The ids and words of a form that asks for an identifier and a password.
pub struct CredentialForm {
    /// The identifier's input.
    pub login_id: &'static str,
    /// The password's input.
    pub password_id: &'static str,
    /// The form's own error (wrong identifier or password, server down).
    pub error_id: &'static str,
    /// The identifier's label.
    pub login_label: &'static str,
    /// The error when no identifier is typed.
    pub missing_login: &'static str,
    /// The error when no password is typed.
    pub missing_password: &'static str,
}

/// What is typed in a [`CredentialForm`], and its error.
#[derive(Clone, Copy)]
pub struct Credentials {
    /// The form's ids and words.
    pub form: &'static CredentialForm,
    /// The identifier typed.
    pub login: RwSignal<String>,
    /// The password typed.
    pub password: RwSignal<String>,
    /// The error shown.
    pub errors: Errors<Credential>,
}

impl Credentials {
    /// Nothing typed yet.
    pub fn new(form: &'static CredentialForm) -> Self {
        Credentials {
            form,
            login: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            errors: Errors::new(),
        }
    }

    /// The identifier (trimmed) and the password. When one is empty: its error,
    /// the focus on it, and `None`.
    pub fn typed(self) -> Option<(String, String)> {
        let name = self.login.get_untracked().trim().to_string();
        let secret = self.password.get_untracked();
        if name.is_empty() {
            self.errors.set(Credential::Login, self.form.missing_login);
            focus_soon(self.form.login_id);
            return None;
        }
        if secret.is_empty() {
            self.errors
                .set(Credential::Password, self.form.missing_password);
            focus_soon(self.form.password_id);
            return None;
        }
        Some((name, secret))
    }
}

/// The identifier and password fields of a login, and « Afficher le mot de passe »
/// (password managers and pasting work: `autocomplete="username"` /
/// `"current-password"`). Each input names the form's error while it shows.
#[component]
pub fn CredentialFields(credentials: Credentials) -> impl IntoView {
    let Credentials {
        form,
        login,
        password,
        errors,
    } = credentials;
    let show_password = RwSignal::new(false);
    let form_error = (form.error_id, errors.shown(Credential::Form));
    view! {
        <TextField
            id=form.login_id
            label=form.login_label
            value=login
            error=errors.of(Credential::Login)
            form_error=form_error
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck="false"
        />
        <TextField
            id=form.password_id
            label="Mot de passe"
            value=password
            error=errors.of(Credential::Password)
            form_error=form_error
            input_type=Signal::derive(move || {
                if show_password.get() { "text" } else { "password" }
            })
            name="password"
            autocomplete="current-password"
            autocapitalize="none"
            spellcheck="false"
        />
        <ShowPassword shown=show_password label="Afficher le mot de passe" />
    }
}

/// The login form of `/connexion` and of every staff area.
const LOGIN: CredentialForm = CredentialForm {
    login_id: "login-name",
    password_id: "login-password",
    error_id: "login-error",
    login_label: "Identifiant",
    missing_login: "Écrivez votre identifiant.",
    missing_password: "Écrivez votre mot de passe.",
};

/// The login form. `reason`: why it shows (session over, server unreachable).
/// For an account with a second factor, a right password brings the code field
/// (the code of the authenticator app, or a recovery code): the second step.
#[component]
pub fn LoginForm(reason: Option<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = expect_context::<Session>();
    let credentials = Credentials::new(&LOGIN);
    let busy = RwSignal::new(false);
    let errors = credentials.errors;
    // The challenge of a right password, while its code is asked.
    let challenge = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let code_errors = Errors::<CodeField>::new();

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some((name, secret)) = credentials.typed() else {
            return;
        };
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            match api::login(&name, &secret).await {
                Ok(api::LoginStep::Done(me)) => {
                    session.0.set(SessionState::LoggedIn(me));
                    state.announce("Vous êtes connecté.");
                }
                Ok(api::LoginStep::Code(c)) => {
                    busy.set(false);
                    credentials.password.set(String::new());
                    code.set(String::new());
                    code_errors.clear();
                    challenge.set(Some(c));
                    focus_soon(CODE_ID);
                }
                Err(e) => {
                    busy.set(false);
                    credentials.password.set(String::new());
                    errors.set(Credential::Form, e.message);
                    focus_soon(LOGIN.password_id);
                }
            }
        });
    };
    let submit_code = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(c) = challenge.get_untracked() else {
            return;
        };
        let typed = code.get_untracked().trim().to_string();
        if typed.is_empty() {
            code_errors.set(CodeField::Code, "Écrivez le code à 6 chiffres.");
            focus_soon(CODE_ID);
            return;
        }
        code_errors.clear();
        busy.set(true);
        spawn_local(async move {
            match api::login_code(&c, &typed).await {
                Ok(me) => {
                    session.0.set(SessionState::LoggedIn(me));
                    state.announce("Vous êtes connecté.");
                }
                Err(e) if e.code == "challenge_expired" => {
                    busy.set(false);
                    challenge.set(None);
                    errors.set(Credential::Form, e.message);
                    focus_soon(LOGIN.password_id);
                }
                Err(e) => {
                    busy.set(false);
                    code.set(String::new());
                    code_errors.set(CodeField::Code, e.message);
                    focus_soon(CODE_ID);
                }
            }
        });
    };
    let start_again = move |_| {
        challenge.set(None);
        code_errors.clear();
        focus_soon(LOGIN.login_id);
    };

    view! {
        <div class="screen staff login">
            <h1 tabindex="-1">"Connexion"</h1>
            <p class="lead">"Pour les agents et les médiateurs numériques."</p>
            {reason.map(|r| view! { <p class="notice">{r}</p> })}
            <Show
                when=move || challenge.with(Option::is_some)
                fallback=move || {
                    view! {
                        <form class="staff-form" on:submit=submit novalidate>
                            <FormAlert id=LOGIN.error_id message=errors.of(Credential::Form) />
                            <CredentialFields credentials />
                            <div class="actions">
                                <SubmitButton
                                    busy=busy
                                    label="Se connecter"
                                    busy_label="Connexion…"
                                />
                            </div>
                        </form>
                    }
                }
            >
                <form class="staff-form login-code" on:submit=submit_code novalidate>
                    <p class="confirm">"Votre mot de passe est bon."</p>
                    <CodeInput
                        id=CODE_ID
                        value=code
                        error=code_errors.of(CodeField::Code)
                        hint="Ouvrez votre application d'authentification. Écrivez le code affiché. Vous n'avez pas votre téléphone ? Écrivez un code de secours."
                    />
                    <div class="actions">
                        <SubmitButton busy=busy label="Valider le code" busy_label="Vérification…" />
                        <button type="button" class="button secondary" on:click=start_again>
                            "Recommencer"
                        </button>
                    </div>
                </form>
            </Show>
            <p class="help-text">
                "Mot de passe oublié ? Demandez à l'administrateur de votre structure."
            </p>
        </div>
    }
}

/// The id of the login's code field.
const CODE_ID: &str = "login-code";

/// The one field of a code form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeField {
    /// The code.
    Code,
}

/// The field of a second-factor code: 6 digits from the authenticator app (or a
/// recovery code), `autocomplete="one-time-code"` and a numeric keyboard.
#[component]
pub fn CodeInput(
    id: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] hint: String,
    #[prop(default = "Code à 6 chiffres")] label: &'static str,
) -> impl IntoView {
    view! {
        <TextField
            id=id
            label=label
            value=value
            error=error
            hint=hint
            class="text-input code-input"
            name="one-time-code"
            autocomplete="one-time-code"
            inputmode="numeric"
            autocapitalize="none"
            spellcheck="false"
            maxlength="14"
        />
    }
}
