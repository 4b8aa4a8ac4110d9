//! The context questions (equipment, e-mail, goals): one per screen, never scored.
//! Their answers (`question:answer`) choose where the adaptive test starts; the
//! person may go on without answering.

use leptos::prelude::*;
use repere_items::{ContextAnswer, ContextQuestion, Requirement};

use crate::bank;
use crate::routes::Screen;
use crate::state::AppState;

/// The answers chosen for one question, as `question:answer` strings, after a tap
/// on `answer` (pure: exclusive answers clear the others, and the reverse).
pub fn toggle(question: &ContextQuestion, chosen: &[String], answer: &str) -> Vec<String> {
    let key = |a: &str| format!("{}:{a}", question.id);
    let own = |c: &String| c.starts_with(&format!("{}:", question.id));
    let tapped = key(answer);
    let mut others: Vec<String> = chosen.iter().filter(|c| !own(c)).cloned().collect();
    let mut mine: Vec<String> = chosen.iter().filter(|c| own(c)).cloned().collect();
    if !question.multiple {
        mine = vec![tapped];
    } else if let Some(at) = mine.iter().position(|c| *c == tapped) {
        mine.remove(at);
    } else {
        let exclusive = |id: &str| question.answers.iter().any(|a| a.id == id && a.exclusive);
        if exclusive(answer) {
            mine.clear();
        } else {
            mine.retain(|c| !exclusive(c.rsplit(':').next().unwrap_or("")));
        }
        mine.push(tapped);
    }
    // Keep the file order of the answers, for a stable log.
    mine.sort_by_key(|c| {
        question
            .answers
            .iter()
            .position(|a| key(&a.id) == *c)
            .unwrap_or(usize::MAX)
    });
    others.extend(mine);
    others
}

/// A person who has just said they see the screen badly (an answer that makes
/// items needing sight unavailable) gets each screen read aloud from now on, if the
/// app can read aloud (a French voice of the device, or else the recorded voice:
/// on every device the build's clips reach) and the reading is not already on; the
/// change is said.
fn offer_reading(state: AppState, answer: &ContextAnswer, chosen: bool) {
    let reading_helps = chosen && answer.unavailable.contains(&Requirement::Sight);
    if !reading_helps
        || !state.speech.available.get_untracked()
        || state.settings.with_untracked(|s| s.read_aloud)
    {
        return;
    }
    state.settings.update(|s| s.read_aloud = true);
    state
        .announce("Chaque écran sera lu à voix haute. Vous pouvez changer cela dans les réglages.");
}

/// One context question.
#[component]
pub fn ContextScreen(index: usize) -> impl IntoView {
    let state = expect_context::<AppState>();
    let questions = bank::bank()
        .map(|b| b.context.questions.as_slice())
        .unwrap_or(&[]);
    let Some(question) = questions.get(index) else {
        // No (more) context questions: straight to the test.
        state.go(Screen::Question);
        return ().into_any();
    };
    let total = questions.len();
    let next = move |_| {
        if index + 1 < total {
            state.go(Screen::Context(index + 1));
        } else {
            state.go(Screen::Question);
        }
    };
    state.read_text.set(question.read_aloud.clone());
    let context = state.context;
    let tiles = question
        .answers
        .iter()
        .map(|answer| {
            let key = format!("{}:{}", question.id, answer.id);
            let checked = {
                let key = key.clone();
                move || context.with(|c| c.contains(&key))
            };
            let key = key.clone();
            view! {
                <label class="answer-option">
                    <input
                        type=if question.multiple { "checkbox" } else { "radio" }
                        name=format!("context-{}", question.id)
                        value=answer.id.clone()
                        prop:checked=checked
                        on:change=move |_| {
                            context.update(|c| *c = toggle(question, c, &answer.id));
                            offer_reading(state, answer, context.with_untracked(|c| c.contains(&key)));
                        }
                    />
                    <span class="option-text">{answer.label.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="screen context">
            <p class="progress">
                {format!("Quelques questions sur vous : {} sur {total}", index + 1)}
            </p>
            <h1 tabindex="-1" class="stem">{question.label.clone()}</h1>
            <fieldset class="answers">
                <legend class="instruction">
                    {if question.multiple {
                        "Vous pouvez choisir plusieurs réponses."
                    } else {
                        "Choisissez une réponse."
                    }}
                </legend>
                <div class="answer-options">{tiles}</div>
            </fieldset>
            <p class="help">"Vous pouvez aussi continuer sans répondre."</p>
            <div class="actions">
                <button type="button" class="button" on:click=next>
                    "Continuer"
                </button>
            </div>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(multiple: bool) -> ContextQuestion {
        let answer = |id: &str, exclusive| ContextAnswer {
            id: id.into(),
            label: id.into(),
            exclusive,
            unavailable: Vec::new(),
        };
        ContextQuestion {
            id: "equipment".into(),
            label: "Quels appareils ?".into(),
            read_aloud: "Quels appareils ?".into(),
            multiple,
            answers: vec![
                answer("smartphone", false),
                answer("computer", false),
                answer("none", true),
            ],
        }
    }

    #[test]
    fn single_answer_replaces_and_keeps_other_questions() {
        let q = question(false);
        let c = toggle(&q, &["email:yes".into()], "computer");
        assert_eq!(c, ["email:yes", "equipment:computer"]);
        let c = toggle(&q, &c, "smartphone");
        assert_eq!(c, ["email:yes", "equipment:smartphone"]);
    }

    #[test]
    fn multiple_answers_in_file_order_and_exclusive_clears() {
        let q = question(true);
        let c = toggle(&q, &[], "computer");
        let c = toggle(&q, &c, "smartphone");
        assert_eq!(c, ["equipment:smartphone", "equipment:computer"]);
        let c = toggle(&q, &c, "none");
        assert_eq!(c, ["equipment:none"]);
        let c = toggle(&q, &c, "computer");
        assert_eq!(c, ["equipment:computer"]);
        let c = toggle(&q, &c, "computer");
        assert!(c.is_empty());
    }
}
