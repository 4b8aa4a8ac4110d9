//! One question of the adaptive test. The item comes from the live test
//! ([`crate::test_run`]); the response goes back to it; after the last one, the
//! result. Progress says « Question 4 » and what can honestly be said of what is
//! left ([`progress_label`]): no total, since the test stops when it knows enough,
//! but the cap when it is near. A test near its time cap says so before the cap
//! ends it ([`time_notice`]).

use leptos::prelude::*;
use repere_items::{BankItem, Response};

use crate::frame;
use crate::render::ItemView;
use crate::routes::Screen;
use crate::spoken;
use crate::state::AppState;
use crate::test_run::{self, Progress};

/// Minutes before the time cap from which a question says the test will stop.
const TIME_NOTICE_MINUTES: u64 = 3;

/// The progress line of a question: its number, then what is left, without a
/// total that could only grow or shrink: « encore quelques questions » before the
/// test may stop, « le test peut finir bientôt » once it may, the cap in the last
/// three questions.
pub fn progress_label(p: &Progress) -> String {
    let n = p.number;
    if n >= p.max_items {
        format!("Question {n} · dernière question")
    } else if n + 2 >= p.max_items {
        format!("Question {n} sur {} au plus", p.max_items)
    } else if n < p.min_items {
        format!("Question {n} · encore quelques questions")
    } else {
        format!("Question {n} · le test peut finir bientôt")
    }
}

/// What a question says when the time cap is near (`None` otherwise): the test
/// stops by itself after `max_minutes`, and the person is told before.
pub fn time_notice(p: &Progress) -> Option<String> {
    let near = p.max_ms > 0
        && p.elapsed_ms.saturating_add(TIME_NOTICE_MINUTES * 60_000) >= p.max_ms
        && p.number < p.max_items;
    near.then(|| {
        format!(
            "Le test va bientôt s'arrêter. Il dure {} minutes au plus. Prenez le temps de répondre.",
            p.max_ms / 60_000
        )
    })
}

/// The current question.
#[component]
pub fn QuestionScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let mode = state.config.with_value(test_run::mode_of);
    let started = test_run::ensure_started(&state.context.get_untracked(), mode);
    if let Err(e) = started {
        leptos::logging::error!("the test cannot start: {e}");
        return view! { <Trouble /> }.into_any();
    }
    let current = RwSignal::new(test_run::current_item());
    let progress = RwSignal::new(test_run::progress());
    if current.get_untracked().is_none() {
        state.go(Screen::Result);
    }
    let on_response = move |(item, response): (&'static BankItem, Response)| {
        if let Err(e) = test_run::answer(&item.id, response) {
            leptos::logging::error!("answer refused: {e}");
        }
        state.speech.stop();
        if test_run::is_over() {
            state.announce("Réponse enregistrée. Le test est fini.");
            match test_run::finish(state.config.with_value(test_run::destination_of)) {
                Ok(_) => state.go(Screen::Result),
                Err(e) => leptos::logging::error!("the test cannot end: {e}"),
            }
            return;
        }
        state.announce("Réponse enregistrée.");
        current.set(test_run::current_item());
        progress.set(test_run::progress());
        request_animation_frame(move || {
            frame::focus_heading();
            if state.settings.get_untracked().read_aloud {
                state.speech.speak(&frame::screen_text(state));
            }
        });
    };
    view! {
        <div class="screen question">
            {move || {
                progress
                    .get()
                    .as_ref()
                    .and_then(time_notice)
                    .map(|text| view! { <p class="notice time-notice">{text}</p> })
            }}
            {move || {
                current
                    .get()
                    .map(|(item, number)| {
                        let label = progress
                            .get_untracked()
                            .map_or_else(|| format!("Question {number}"), |p| progress_label(&p));
                        view! {
                            <ItemView
                                item
                                progress=label
                                on_response=move |r| on_response((item, r))
                            />
                        }
                    })
            }}
        </div>
    }
    .into_any()
}

/// A calm message when the test cannot go on.
#[component]
pub fn Trouble() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::TROUBLE.into());
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Le test ne peut pas continuer"</h1>
            <p>"Ce n'est pas de votre faute."</p>
            <p>"Demandez de l'aide à l'accueil."</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(number: usize, elapsed_min: u64) -> Progress {
        Progress {
            number,
            min_items: 8,
            max_items: 20,
            elapsed_ms: elapsed_min * 60_000,
            max_ms: 20 * 60_000,
        }
    }

    #[test]
    fn the_progress_line_never_promises_a_total() {
        assert_eq!(
            progress_label(&at(1, 0)),
            "Question 1 · encore quelques questions"
        );
        assert_eq!(
            progress_label(&at(7, 0)),
            "Question 7 · encore quelques questions"
        );
        assert_eq!(
            progress_label(&at(8, 0)),
            "Question 8 · le test peut finir bientôt"
        );
        assert_eq!(
            progress_label(&at(17, 0)),
            "Question 17 · le test peut finir bientôt"
        );
        assert_eq!(progress_label(&at(18, 0)), "Question 18 sur 20 au plus");
        assert_eq!(progress_label(&at(19, 0)), "Question 19 sur 20 au plus");
        assert_eq!(
            progress_label(&at(20, 0)),
            "Question 20 · dernière question"
        );
    }

    #[test]
    fn the_time_cap_is_said_before_it_ends_the_test() {
        assert_eq!(time_notice(&at(5, 16)), None);
        let said = time_notice(&at(11, 17)).expect("3 minutes before the cap");
        assert!(said.contains("20 minutes au plus"), "{said}");
        assert!(time_notice(&at(11, 19)).is_some());
        // The last question already says it is the last.
        assert_eq!(time_notice(&at(20, 19)), None);
    }
}
