//! The adaptive test in progress, for the screens: a thin layer over
//! [`repere_items::assessment::LiveTest`], which picks the items, scores the
//! responses and computes the profile exactly as the server will. This module only
//! holds the test between screens, keeps its log in `sessionStorage` (a reload
//! resumes it; the kiosk reset wipes it) and hands the finished log to the outbox,
//! with where it goes (`/api/results`, or the agent's screening). No scoring, no
//! choice of items, no profile rule lives here.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use repere_items::assessment::{
    seed_from_bytes, AnswerLog, Assessor, ContextAnswer, LiveTest, Mode, Outcome,
};
use repere_items::{BankItem, Response};

use crate::config::Config;
use crate::offline::Destination;
use crate::{bank, offline, storage};

const RUNNING_KEY: &str = "repere.test";
const FINISHED_KEY: &str = "repere.finished";
/// The screening the test of this tab belongs to (agent mode).
const SCREENING_KEY: &str = "repere.screening";

static ASSESSOR: OnceLock<Result<Assessor<'static>, String>> = OnceLock::new();

thread_local! {
    static TEST: RefCell<Option<LiveTest<'static>>> = const { RefCell::new(None) };
    static SHOWN_AT: Cell<f64> = const { Cell::new(0.0) };
}

/// The assessor of the item bank, built once the bank is there (before, an error
/// that is not kept: the next call tries again).
pub fn assessor() -> Result<&'static Assessor<'static>, String> {
    if let Some(done) = ASSESSOR.get() {
        return done.as_ref().map_err(Clone::clone);
    }
    let bank = bank::bank().map_err(str::to_string)?;
    ASSESSOR
        .get_or_init(|| Assessor::new(bank).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// `n` random bytes from the browser's cryptographic generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Ok(crypto) = leptos::prelude::window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes
}

/// A random (version 4) UUID: the id of the test.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `question:answer` strings as the engine's context answers.
pub fn context_answers(keys: &[String]) -> Vec<ContextAnswer> {
    keys.iter()
        .filter_map(|k| k.split_once(':'))
        .map(|(q, a)| ContextAnswer {
            question: q.to_string(),
            answer: a.to_string(),
        })
        .collect()
}

/// The engine's mode for this copy of the app.
pub fn mode_of(config: &Config) -> Mode {
    if config.kiosk {
        Mode::Kiosk
    } else if config.screening.is_some() {
        Mode::Agent
    } else {
        Mode::SelfTest
    }
}

/// Where the finished log of this copy of the app goes.
pub fn destination_of(config: &Config) -> Destination {
    match &config.screening {
        Some(id) => Destination::Screening { id: id.clone() },
        None => Destination::Results,
    }
}

/// The test in memory, resumed from `sessionStorage`, or a new one.
pub fn ensure_started(context: &[String], mode: Mode) -> Result<(), String> {
    if TEST.with(|t| t.borrow().is_some()) {
        return Ok(());
    }
    let assessor = assessor()?;
    let saved: Option<AnswerLog> = storage::get_json(storage::session(), RUNNING_KEY);
    let test = match saved {
        Some(log) => match assessor.resume(log) {
            Ok(test) => test,
            // A log this build cannot replay (another version): start afresh.
            Err(_) => new_test(assessor, context, mode)?,
        },
        None => new_test(assessor, context, mode)?,
    };
    storage::set_json(storage::session(), RUNNING_KEY, test.log());
    TEST.with(|t| *t.borrow_mut() = Some(test));
    Ok(())
}

fn new_test(
    assessor: &'static Assessor<'static>,
    context: &[String],
    mode: Mode,
) -> Result<LiveTest<'static>, String> {
    let answers = context_answers(context);
    // Answers the rules refuse (e.g. from an older version) are dropped, not fatal.
    let answers = if assessor.check_context(&answers).is_ok() {
        answers
    } else {
        Vec::new()
    };
    assessor
        .start(
            uuid_v4(),
            seed_from_bytes(random_bytes()),
            mode,
            answers,
            now_ms(),
        )
        .map_err(|e| e.to_string())
}

/// The item to show now, and its number (1 for the first), or `None` when the test
/// is over. Starts the clock of the item.
pub fn current_item() -> Option<(&'static BankItem, usize)> {
    TEST.with(|t| {
        let mut t = t.borrow_mut();
        let test = t.as_mut()?;
        let item = test.next_item()?;
        Some((item, test.answered() + 1))
    })
    .inspect(|_| SHOWN_AT.with(|s| s.set(js_sys::Date::now())))
}

/// Where the test in progress stands, for the progress line of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Number of the question shown (1 for the first).
    pub number: usize,
    /// No stop on precision before this many questions.
    pub min_items: usize,
    /// The test ends after this many questions at the latest.
    pub max_items: usize,
    /// Time spent on the questions so far, ms.
    pub elapsed_ms: u64,
    /// The test ends when the time spent reaches this, ms.
    pub max_ms: u64,
}

/// Where the test in progress stands (`None` without a test).
pub fn progress() -> Option<Progress> {
    let stop = assessor().ok()?.session_rules().stop;
    TEST.with(|t| {
        let t = t.borrow();
        let test = t.as_ref()?;
        Some(Progress {
            number: test.answered() + 1,
            min_items: stop.min_items,
            max_items: stop.max_items,
            elapsed_ms: test.log().answers.iter().map(|a| a.elapsed_ms).sum(),
            max_ms: stop.max_minutes.saturating_mul(60_000),
        })
    })
}

/// Records the response to the item shown; the log is saved for a reload.
pub fn answer(item: &str, response: Response) -> Result<(), String> {
    let elapsed = (js_sys::Date::now() - SHOWN_AT.with(Cell::get)).max(0.0) as u64;
    TEST.with(|t| {
        let mut t = t.borrow_mut();
        let test = t.as_mut().ok_or("no test in progress")?;
        test.answer(item, response, elapsed)
            .map_err(|e| e.to_string())?;
        storage::set_json(storage::session(), RUNNING_KEY, test.log());
        Ok(())
    })
}

/// Whether the engine has ended the test.
pub fn is_over() -> bool {
    TEST.with(|t| {
        let mut t = t.borrow_mut();
        t.as_mut()
            .is_none_or(|test| test.finished().is_some() || test.next_item().is_none())
    })
}

/// Ends the test: computes the outcome (as the server will), queues the log for
/// `to`, and keeps the finished log for the result screen.
pub fn finish(to: Destination) -> Result<Outcome, String> {
    let test = TEST
        .with(|t| t.borrow_mut().take())
        .ok_or("no test in progress")?;
    let (log, outcome) = test.finish(now_ms()).map_err(|e| e.to_string())?;
    storage::remove(storage::session(), RUNNING_KEY);
    storage::set_json(storage::session(), FINISHED_KEY, &log);
    if let Ok(body) = serde_json::to_string(&log) {
        offline::enqueue(log.id.clone(), body, to);
    }
    Ok(outcome)
}

/// The outcome of the finished test of this tab (recomputed from its log).
pub fn finished_outcome() -> Option<Outcome> {
    let log: AnswerLog = storage::get_json(storage::session(), FINISHED_KEY)?;
    assessor().ok()?.assess(&log).ok()
}

/// The id of the finished test of this tab.
pub fn finished_id() -> Option<String> {
    storage::get_json::<AnswerLog>(storage::session(), FINISHED_KEY).map(|l| l.id)
}

/// Forgets the test of this tab (a new person, or « Recommencer »).
pub fn forget() {
    TEST.with(|t| *t.borrow_mut() = None);
    storage::remove(storage::session(), RUNNING_KEY);
    storage::remove(storage::session(), FINISHED_KEY);
    storage::remove(storage::session(), SCREENING_KEY);
}

/// Agent mode: ties the test of this tab to `screening`. Returns true when the tab
/// was not tied to it (another screening, or none): whatever test it held is then
/// forgotten, and the caller starts from the welcome screen. A new person must
/// never see the previous one's questions or result.
pub fn bind_to_screening(screening: &str) -> bool {
    let bound: Option<String> = storage::get_json(storage::session(), SCREENING_KEY);
    if bound.as_deref() == Some(screening) {
        return false;
    }
    forget();
    storage::set_json(storage::session(), SCREENING_KEY, &screening.to_string());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_destinations_follow_the_configuration() {
        let kiosk = Config::from_parts("/", "?mode=kiosk", None);
        assert_eq!(mode_of(&kiosk), Mode::Kiosk);
        assert_eq!(destination_of(&kiosk), Destination::Results);
        let agent = Config::from_parts("/", "?mode=agent&screening=s1", None);
        assert_eq!(mode_of(&agent), Mode::Agent);
        assert_eq!(
            destination_of(&agent),
            Destination::Screening { id: "s1".into() }
        );
        let own = Config::from_parts("/", "", None);
        assert_eq!(mode_of(&own), Mode::SelfTest);
        assert_eq!(destination_of(&own), Destination::Results);
    }

    #[test]
    fn context_keys_become_answers() {
        let a = context_answers(&["equipment:none".into(), "email:no".into(), "bad".into()]);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].question, "equipment");
        assert_eq!(a[1].answer, "no");
    }
}
