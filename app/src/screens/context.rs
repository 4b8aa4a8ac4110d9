//! The context questions (equipment, phone, e-mail, goals, sight): one per screen,
//! never scored. Their answers (`question:answer`) choose which items can be shown,
//! adjust the orientation and the look of the simulated phone; the person may go
//! on without answering. A question asked only when it makes sense (`when_any`,
//! « Quel smartphone avez-vous ? » after « Un smartphone ») is skipped otherwise,
//! and the progress counts only the questions the answers ask.

use leptos::prelude::*;
use repere_items::{Context, ContextAnswer, ContextQuestion, Requirement};

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

/// The screen after question `index`: the next question these answers ask, or
/// the test.
pub fn next_screen(context: &Context, index: usize, answers: &[String]) -> Screen {
    let given: Vec<&str> = answers.iter().map(String::as_str).collect();
    context
        .questions
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, q)| context.is_asked(q, &given))
        .map_or(Screen::Question, |(i, _)| Screen::Context(i))
}

/// Where question `index` stands among the questions these answers ask:
/// (its rank from 1, how many).
pub fn progress(context: &Context, index: usize, answers: &[String]) -> (usize, usize) {
    let given: Vec<&str> = answers.iter().map(String::as_str).collect();
    let asked: Vec<usize> = context
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| context.is_asked(q, &given))
        .map(|(i, _)| i)
        .collect();
    let rank = asked.iter().filter(|&&i| i <= index).count();
    (rank.max(1), asked.len())
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
    let Some(file) = bank::bank().ok().map(|b| &b.context) else {
        state.go(Screen::Question);
        return ().into_any();
    };
    let context = state.context;
    let Some(question) = file.questions.get(index) else {
        // No (more) context questions: straight to the test.
        state.go(Screen::Question);
        return ().into_any();
    };
    let given = context.get_untracked();
    let refs: Vec<&str> = given.iter().map(String::as_str).collect();
    if !file.is_asked(question, &refs) {
        // A question these answers do not ask (a reload after a change of mind).
        state.go(next_screen(file, index, &given));
        return ().into_any();
    }
    let next = move |_| state.go(context.with_untracked(|c| next_screen(file, index, c)));
    state.read_text.set(question.read_aloud.clone());
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
                            context.update(|c| *c = file.keep_asked(&toggle(question, c, &answer.id)));
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
                {move || {
                    let (rank, total) = context.with(|c| progress(file, index, c));
                    format!("Quelques questions sur vous : {rank} sur {total}")
                }}
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
            when_any: Vec::new(),
            answers: vec![
                answer("smartphone", false),
                answer("computer", false),
                answer("none", true),
            ],
        }
    }

    /// The context questions of the bank the app serves.
    fn file() -> Context {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../items/data");
        repere_items::load_dir(&data)
            .expect("items/data loads")
            .context
    }

    fn keys(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_phone_question_follows_a_smartphone_or_no_answer_only() {
        let c = file();
        let at = |id: &str| c.questions.iter().position(|q| q.id == id).expect(id);
        let (equipment, phone, email) = (at("equipment"), at("phone"), at("email"));
        assert_eq!(phone, equipment + 1);
        let smartphone = keys(&["equipment:smartphone", "equipment:computer"]);
        assert_eq!(
            next_screen(&c, equipment, &smartphone),
            Screen::Context(phone)
        );
        assert_eq!(next_screen(&c, equipment, &[]), Screen::Context(phone));
        let none = keys(&["equipment:none"]);
        assert_eq!(next_screen(&c, equipment, &none), Screen::Context(email));
        let computer = keys(&["equipment:computer"]);
        assert_eq!(
            next_screen(&c, equipment, &computer),
            Screen::Context(email)
        );
        // After the last question, the test.
        assert_eq!(
            next_screen(&c, c.questions.len() - 1, &smartphone),
            Screen::Question
        );
        // The count follows the answers: 5 questions, or 4 without a smartphone.
        assert_eq!(progress(&c, equipment, &[]), (1, 5));
        assert_eq!(progress(&c, equipment, &none), (1, 4));
        assert_eq!(progress(&c, phone, &smartphone), (2, 5));
        assert_eq!(progress(&c, email, &none), (2, 4));
        assert_eq!(progress(&c, email, &smartphone), (3, 5));
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
