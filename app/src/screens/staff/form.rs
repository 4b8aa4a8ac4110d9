//! The pieces every staff form is made of: which field an error is about, a
//! labelled text field with its hint and its error, the error paragraphs, the box
//! that shows a password, and the submit button.
//!
//! Accessibility (WCAG 1.3.1, 3.3.1, 3.3.2): every field has a label; a hint and an
//! error are tied to their field by `aria-describedby` (`{id}-hint`,
//! `{id}-error`), the field is `aria-invalid` while its error shows, and the error
//! says in words what is wrong (the mark before it is never the only sign).

use leptos::prelude::*;

use super::{described_by, error_mark};

/// A form's error: which field `F` it is about, and its message. A form shows one
/// error at a time.
pub struct Errors<F: Send + Sync + 'static>(RwSignal<Option<(F, String)>>);

impl<F: Send + Sync + 'static> Clone for Errors<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Send + Sync + 'static> Copy for Errors<F> {}

impl<F: Copy + PartialEq + Send + Sync + 'static> Default for Errors<F> {
    fn default() -> Self {
        Self::starting_with(None)
    }
}

impl<F: Copy + PartialEq + Send + Sync + 'static> Errors<F> {
    /// No error yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts with `first` shown (an error brought from a step before).
    pub fn starting_with(first: Option<(F, String)>) -> Self {
        Errors(RwSignal::new(first))
    }

    /// Shows `message` about `field`.
    pub fn set(self, field: F, message: impl Into<String>) {
        self.0.set(Some((field, message.into())));
    }

    /// Hides the error.
    pub fn clear(self) {
        self.0.set(None);
    }

    /// Whether the error is about `field` (tracked).
    pub fn on(self, field: F) -> bool {
        self.0
            .with(|e| e.as_ref().is_some_and(|(f, _)| *f == field))
    }

    /// The message while the error is about `field` (tracked).
    pub fn of(self, field: F) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.0.with(|e| {
                e.as_ref()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            })
        })
    }

    /// Whether the error is about `field`, as a signal (for a field that names the
    /// form's error).
    pub fn shown(self, field: F) -> Signal<bool> {
        Signal::derive(move || self.on(field))
    }
}

/// The error under a field (`id`: `{field}-error`), shown while `message` holds
/// one. `alert`: said at once (`role="alert"`), for a field whose error comes from
/// the server while the focus stays put.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] alert: bool,
) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="field-error" id=id.clone() role=alert.then_some("alert")>
                {error_mark()}
                {move || message.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

/// An error about a whole form or list (`role="alert"`), shown while `message`
/// holds one. `focusable`: it takes the focus when there is no field to go to.
#[component]
pub fn FormAlert(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] focusable: bool,
) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="form-error" id=id tabindex=focusable.then_some("-1") role="alert">
                {error_mark()}
                {move || message.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

/// A labelled text field: the label, the hint when there is one (`{id}-hint`), the
/// input, and its error (`{id}-error`). The input names the hint, its error and,
/// while it shows, the form's error (`form_error`: its id and when it shows) in
/// `aria-describedby`.
///
/// The other props are the input's attributes of the same name (`input_type` is
/// `type`, which may change: a password shown or hidden).
#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] form_error: Option<(&'static str, Signal<bool>)>,
    #[prop(optional)] alert: bool,
    #[prop(into, default = "text".into())] input_type: Signal<&'static str>,
    #[prop(default = "text-input")] class: &'static str,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] autocapitalize: Option<&'static str>,
    #[prop(optional)] spellcheck: Option<&'static str>,
    #[prop(optional)] maxlength: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] min: Option<String>,
    #[prop(optional)] max: Option<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let invalid = move || error.with(Option::is_some);
    let hint = hint.map(|text| {
        view! {
            <p class="field-hint" id=hint_id.clone()>
                {text}
            </p>
        }
    });
    let names = {
        let error_id = error_id.clone();
        move || {
            let (form_id, form_shown) = form_error.map_or(("", false), |(f, s)| (f, s.get()));
            described_by(&[
                (hint_id.as_str(), has_hint),
                (error_id.as_str(), invalid()),
                (form_id, form_shown),
            ])
        }
    };
    view! {
        <div class="field">
            <label class="field-label" for=id>
                {label}
            </label>
            {hint}
            <input
                id=id
                class=class
                type=input_type
                name=name
                autocomplete=autocomplete
                autocapitalize=autocapitalize
                spellcheck=spellcheck
                maxlength=maxlength
                inputmode=inputmode
                min=min
                max=max
                aria-invalid=move || invalid().to_string()
                aria-describedby=names
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <FieldError id=error_id message=error alert=alert />
        </div>
    }
}

/// The box that shows the password(s) of a form as plain text while it is checked
/// (`shown`), so a person can check what they typed.
#[component]
pub fn ShowPassword(shown: RwSignal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <label class="option check">
            <input
                type="checkbox"
                prop:checked=move || shown.get()
                on:change=move |ev| shown.set(event_target_checked(&ev))
            />
            <span>{label}</span>
        </label>
    }
}

/// A form's submit button. While `busy` (the request is on its way) it says so
/// (`aria-disabled`, and `busy_label` when there is one); the form's handler does
/// nothing on a second press.
#[component]
pub fn SubmitButton(
    busy: RwSignal<bool>,
    label: &'static str,
    #[prop(optional)] busy_label: Option<&'static str>,
    #[prop(default = "button primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class aria-disabled=move || busy.get().to_string()>
            {move || match busy_label {
                Some(text) if busy.get() => text,
                _ => label,
            }}
        </button>
    }
}
