//! `form`: a simulated online form. Submitting checks the fields with the items
//! crate's own rules (`Form::errors`, the function the scoring uses) and shows each
//! message under its field, as a real site would; without errors the success text
//! shows. Field changes are recorded as `fill` (or `toggle` for a checkbox) when
//! the field is left; the submit button is the element `submit`. The fields and
//! buttons follow the person's phone ([`Look`]).

use std::collections::BTreeMap;

use leptos::prelude::*;
use repere_items::{
    field_error, Action, BankItem, Field, FieldInput, Form, FORM_SUBMIT, MAX_TEXT_CHARS,
};

use super::look::Look;
use super::mailbox::focus_later;
use super::{icons, status_bar, Recorder};
use crate::bank::dom_id;

type Values = BTreeMap<String, String>;

fn errors_of(scene: &Form, values: &Values) -> Vec<(String, String)> {
    scene
        .errors(values)
        .into_iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect()
}

/// The error of one field now, by the crate's rules.
fn error_now(scene: &Form, field: &Field, values: &Values) -> Option<String> {
    let value_of = |id: &str| -> String {
        values
            .get(id)
            .cloned()
            .or_else(|| {
                scene
                    .fields
                    .iter()
                    .find(|f| f.id == id)
                    .map(|f| f.value.clone())
            })
            .unwrap_or_default()
    };
    field_error(field, &value_of).map(str::to_string)
}

/// The form simulation.
#[component]
pub fn FormSim(
    item: &'static BankItem,
    scene: &'static Form,
    recorder: Recorder,
    look: Look,
) -> impl IntoView {
    let values = RwSignal::new(
        scene
            .fields
            .iter()
            .map(|f| (f.id.clone(), f.value.clone()))
            .collect::<Values>(),
    );
    let shown = RwSignal::new(if scene.show_errors {
        errors_of(scene, &values.get_untracked())
    } else {
        Vec::new()
    });
    let done = RwSignal::new(false);
    let title_id = dom_id(item, "sim-title");
    let summary_id = dom_id(item, "form-summary");

    let set_value = move |field: &'static Field, value: String| {
        values.update(|v| {
            v.insert(field.id.clone(), value.clone());
        });
        // A message already shown follows the correction at once.
        if shown.with_untracked(|s| s.iter().any(|(f, _)| *f == field.id)) {
            let now = values.with_untracked(|v| error_now(scene, field, v));
            shown.update(|s| {
                s.retain(|(f, _)| *f != field.id);
                if let Some(m) = now {
                    s.push((field.id.clone(), m));
                }
            });
        }
        let action = if field.input == FieldInput::Checkbox {
            Action::Toggle {
                target: field.id.clone(),
                on: value == "true",
            }
        } else {
            Action::Fill {
                target: field.id.clone(),
                value,
            }
        };
        recorder.push(action);
    };

    let submit = {
        let title_id = title_id.clone();
        let summary_id = summary_id.clone();
        move |_| {
            recorder.tap(FORM_SUBMIT);
            let errors = values.with_untracked(|v| errors_of(scene, v));
            if errors.is_empty() {
                shown.set(Vec::new());
                done.set(true);
                focus_later(title_id.clone());
            } else {
                shown.set(errors);
                focus_later(summary_id.clone());
            }
        }
    };

    let fields = scene
        .fields
        .iter()
        .map(|field| {
            let id = dom_id(item, &format!("field-{}", field.id));
            let help_id = format!("{id}-help");
            let error_id = format!("{id}-error");
            let error = move || {
                shown.with(|s| {
                    s.iter()
                        .find(|(f, _)| *f == field.id)
                        .map(|(_, m)| m.clone())
                })
            };
            let invalid = move || error().is_some().then_some("true");
            let described = {
                let mut ids = Vec::new();
                if field.help.is_some() {
                    ids.push(help_id.clone());
                }
                let error_id = error_id.clone();
                move || {
                    let mut all = ids.clone();
                    if error().is_some() {
                        all.push(error_id.clone());
                    }
                    (!all.is_empty()).then(|| all.join(" "))
                }
            };
            let value = move || values.with(|v| v.get(&field.id).cloned().unwrap_or_default());
            let on_change = move |ev: leptos::ev::Event| set_value(field, event_target_value(&ev));
            let help = field
                .help
                .clone()
                .map(|h| view! { <p class="sim-help" id=help_id.clone()>{h}</p> });
            let error_view = move || {
                error().map(|m| {
                    view! {
                        <p class="sim-error" id=error_id.clone()>
                            <span class="sim-error-mark" aria-hidden="true">"!"</span>
                            {m}
                        </p>
                    }
                })
            };
            let control = match field.input {
                FieldInput::Checkbox => {
                    let checked =
                        move || values.with(|v| v.get(&field.id).is_some_and(|x| x == "true"));
                    return view! {
                        <div class="sim-field sim-check">
                            <label for=id.clone()>
                                <input
                                    id=id.clone()
                                    type="checkbox"
                                    prop:checked=checked
                                    aria-invalid=invalid
                                    aria-describedby=described
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        set_value(field, on.to_string());
                                    }
                                />
                                <span>{field.label.clone()}</span>
                            </label>
                            {help}
                            {error_view}
                        </div>
                    }
                    .into_any();
                }
                FieldInput::Select => {
                    let options = field
                        .choices
                        .iter()
                        .map(|c| {
                            let c2 = c.clone();
                            view! {
                                <option value=c.clone() prop:selected=move || value() == c2>
                                    {c.clone()}
                                </option>
                            }
                        })
                        .collect_view();
                    view! {
                        <select
                            id=id.clone()
                            class="sim-input"
                            aria-invalid=invalid
                            aria-describedby=described
                            on:change=on_change
                        >
                            <option value="" prop:selected=move || value().is_empty()>
                                "Choisir…"
                            </option>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                FieldInput::Password => {
                    let visible = RwSignal::new(false);
                    view! {
                        <span class="sim-password">
                            <input
                                id=id.clone()
                                class="sim-input"
                                type=move || if visible.get() { "text" } else { "password" }
                                maxlength=MAX_TEXT_CHARS.to_string()
                                autocomplete="off"
                                prop:value=value
                                aria-invalid=invalid
                                aria-describedby=described
                                on:change=on_change
                            />
                            <button
                                type="button"
                                class="sim-button"
                                aria-pressed=move || visible.get().to_string()
                                on:click=move |_| visible.update(|v| *v = !*v)
                            >
                                {icons::eye()}
                                "Afficher"
                            </button>
                        </span>
                    }
                    .into_any()
                }
                input => {
                    let (kind, mode, placeholder) = match input {
                        FieldInput::Email => ("email", "email", None),
                        FieldInput::Tel => ("tel", "tel", None),
                        FieldInput::Number => ("text", "numeric", None),
                        FieldInput::Date => ("text", "numeric", Some("JJ/MM/AAAA")),
                        _ => ("text", "text", None),
                    };
                    view! {
                        <input
                            id=id.clone()
                            class="sim-input"
                            type=kind
                            inputmode=mode
                            placeholder=placeholder
                            maxlength=MAX_TEXT_CHARS.to_string()
                            autocomplete="off"
                            prop:value=value
                            aria-invalid=invalid
                            aria-describedby=described
                            on:change=on_change
                        />
                    }
                    .into_any()
                }
            };
            view! {
                <div class="sim-field">
                    <label for=id.clone()>{field.label.clone()}</label>
                    {help}
                    {control}
                    {error_view}
                </div>
            }
            .into_any()
        })
        .collect_view();

    let summary = move || {
        let n = shown.with(Vec::len);
        match n {
            0 => String::new(),
            1 => "Un champ est à corriger.".to_string(),
            n => format!("{n} champs sont à corriger."),
        }
    };

    view! {
        <section
            class=format!("sim sim-form {}", look.class())
            aria-label="Formulaire en ligne (simulation)"
        >
            {status_bar()}
            <div class="sim-bar">
                <span class="sim-app">"Site internet"</span>
            </div>

            <div class="sim-screen">
                <h2 id=title_id tabindex="-1" class="sim-title">{scene.title.clone()}</h2>
                <p class="sim-success" hidden=move || !done.get()>
                    {scene.success.clone()}
                </p>
                <div hidden=move || done.get()>
                    {scene.intro.clone().map(|i| view! { <p>{i}</p> })}
                    <p
                        class="sim-summary"
                        id=summary_id.clone()
                        tabindex="-1"
                        hidden=move || shown.with(Vec::is_empty)
                    >
                        {summary}
                    </p>
                    {fields}
                    <div class="sim-toolbar">
                        <button type="button" class="sim-button sim-primary" on:click=submit>
                            {scene.submit.clone()}
                        </button>
                    </div>
                </div>
            </div>
        </section>
    }
}
