//! Responses and their scoring: one pure function shared by the app and the server.
//!
//! [`score`] refuses any response that the renderer could not have produced (wrong
//! kind, index out of range, unknown element, too long): the server uses these
//! typed errors to reject tampered submissions. It never panics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::item::{Action, BankItem, Body, Check, Field, FieldInput, Form, Rule, Step, StepKind};
use crate::text::normalise;
use crate::Normalise;

/// Longest accepted typed text (characters), in a `text` item or a `fill` action.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most actions accepted in one simulation response.
pub const MAX_ACTIONS: usize = 500;

/// The response of a person to an item. JSON form (externally tagged, snake case):
/// `{"choice": 2}`, `{"choices": [0, 3]}`, `{"point": {"x": 120.5, "y": 300}}`,
/// `{"order": [2, 0, 1, 3]}`, `{"text": "jean@exemple.fr"}`,
/// `{"actions": [{"do": "tap", "target": "reply"}]}`, `"skip"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// `single`: index of the chosen option (0-based, file order).
    Choice(usize),
    /// `multiple`: indices of the chosen options, any order, no repeats.
    Choices(Vec<usize>),
    /// `hotspot`: the tapped point in the picture's view-box coordinates.
    Point {
        /// Horizontal coordinate.
        x: f64,
        /// Vertical coordinate.
        y: f64,
    },
    /// `ordering`: option indices in the order the person put them (first to last).
    Order(Vec<usize>),
    /// `text`: what was typed.
    Text(String),
    /// Simulations: what the person did, in order.
    Actions(Vec<Action>),
    /// "Je passe" / "Je ne sais pas": scores 0 on every item.
    Skip,
}

impl Response {
    fn kind(&self) -> &'static str {
        match self {
            Response::Choice(_) => "choice",
            Response::Choices(_) => "choices",
            Response::Point { .. } => "point",
            Response::Order(_) => "order",
            Response::Text(_) => "text",
            Response::Actions(_) => "actions",
            Response::Skip => "skip",
        }
    }
}

/// Why a response cannot be scored against an item.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The response is of another kind than the item takes.
    #[error("item `{item}` of type `{item_type}` takes a `{expected}` response, not `{got}`")]
    WrongKind {
        /// Item id.
        item: String,
        /// Item type.
        item_type: &'static str,
        /// Response kind expected.
        expected: &'static str,
        /// Response kind received.
        got: &'static str,
    },
    /// An option index is out of range.
    #[error("option {index} does not exist (the item has {len} options)")]
    OutOfRange {
        /// Index received.
        index: usize,
        /// Number of options.
        len: usize,
    },
    /// An option is chosen twice.
    #[error("option {0} is chosen twice")]
    Duplicate(usize),
    /// An order is not a permutation of the options.
    #[error("an order must place each of the {len} options exactly once")]
    NotAPermutation {
        /// Number of options.
        len: usize,
    },
    /// A point is outside the picture (or not a number).
    #[error("point ({x}, {y}) is outside the picture")]
    PointOutside {
        /// Horizontal coordinate.
        x: f64,
        /// Vertical coordinate.
        y: f64,
    },
    /// A text is too long.
    #[error("text of {len} characters is longer than the limit of {max}")]
    TooLong {
        /// Length received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// Too many actions.
    #[error("{len} actions is more than the limit of {max}")]
    TooManyActions {
        /// Number received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// An action names an element that does not exist or cannot take it.
    #[error("action {index}: `{action}` on `{target}` is not possible in this item")]
    BadAction {
        /// Position of the action in the log.
        index: usize,
        /// `tap`, `toggle` or `fill`.
        action: &'static str,
        /// The target received.
        target: String,
    },
    /// A value is not among the choices of a list field.
    #[error("action {index}: value is not one of the choices of `{target}`")]
    BadValue {
        /// Position of the action in the log.
        index: usize,
        /// The field.
        target: String,
    },
}

/// Scores a response: `0..=item.max_score()`.
///
/// - `single`: 1 iff the chosen option is the answer.
/// - `multiple`: 1 iff the chosen set is exactly the answer set.
/// - `hotspot`: 1 iff the point is inside one of the regions (edges included).
/// - `ordering`: 1 iff the whole order is right.
/// - `text`: 1 iff the normalised text equals one normalised accepted answer.
/// - `mailbox`, `form`, `settings`: the number of steps achieved in order (see
///   [`steps_achieved`]).
/// - `message`, `search`: 1 iff the first tap is on a right element.
/// - `Skip`: 0.
pub fn score(item: &BankItem, response: &Response) -> Result<usize, ScoreError> {
    if *response == Response::Skip {
        return Ok(0);
    }
    let wrong = |expected: &'static str| ScoreError::WrongKind {
        item: item.id.clone(),
        item_type: item.item_type().name(),
        expected,
        got: response.kind(),
    };
    match (&item.body, response) {
        (Body::Single { options, answer }, Response::Choice(i)) => {
            let chosen = options.get(*i).ok_or(ScoreError::OutOfRange {
                index: *i,
                len: options.len(),
            })?;
            Ok(usize::from(chosen.id == *answer))
        }
        (Body::Single { .. }, _) => Err(wrong("choice")),
        (Body::Multiple { options, answer }, Response::Choices(chosen)) => {
            let mut ids = Vec::with_capacity(chosen.len());
            for (k, i) in chosen.iter().enumerate() {
                let opt = options.get(*i).ok_or(ScoreError::OutOfRange {
                    index: *i,
                    len: options.len(),
                })?;
                if chosen[..k].contains(i) {
                    return Err(ScoreError::Duplicate(*i));
                }
                ids.push(opt.id.as_str());
            }
            let right =
                ids.len() == answer.len() && answer.iter().all(|a| ids.contains(&a.as_str()));
            Ok(usize::from(right))
        }
        (Body::Multiple { .. }, _) => Err(wrong("choices")),
        (Body::Hotspot { screen, regions }, Response::Point { x, y }) => {
            if !x.is_finite() || !y.is_finite() || !screen.rect().contains(*x, *y) {
                return Err(ScoreError::PointOutside { x: *x, y: *y });
            }
            Ok(usize::from(regions.iter().any(|r| r.contains(*x, *y))))
        }
        (Body::Hotspot { .. }, _) => Err(wrong("point")),
        (Body::Ordering { options, answer }, Response::Order(order)) => {
            let n = options.len();
            let mut seen = vec![false; n];
            if order.len() != n {
                return Err(ScoreError::NotAPermutation { len: n });
            }
            for i in order {
                match seen.get_mut(*i) {
                    Some(s) if !*s => *s = true,
                    _ => return Err(ScoreError::NotAPermutation { len: n }),
                }
            }
            let right = order
                .iter()
                .zip(answer)
                .all(|(i, a)| options.get(*i).is_some_and(|o| o.id == *a));
            Ok(usize::from(right))
        }
        (Body::Ordering { .. }, _) => Err(wrong("order")),
        (
            Body::Text {
                answer,
                normalise: n,
                ..
            },
            Response::Text(t),
        ) => {
            let len = t.chars().count();
            if len > MAX_TEXT_CHARS {
                return Err(ScoreError::TooLong {
                    len,
                    max: MAX_TEXT_CHARS,
                });
            }
            let typed = normalise(t, n);
            Ok(usize::from(answer.iter().any(|a| normalise(a, n) == typed)))
        }
        (Body::Text { .. }, _) => Err(wrong("text")),
        (body, Response::Actions(actions)) => {
            if actions.len() > MAX_ACTIONS {
                return Err(ScoreError::TooManyActions {
                    len: actions.len(),
                    max: MAX_ACTIONS,
                });
            }
            let scene = Scene::of(body);
            scene.check_actions(actions)?;
            match body {
                Body::Message { answer, .. } | Body::Search { answer, .. } => {
                    let first_tap = actions.iter().find_map(|a| match a {
                        Action::Tap { target } => Some(target),
                        _ => None,
                    });
                    Ok(usize::from(first_tap.is_some_and(|t| answer.contains(t))))
                }
                _ => Ok(steps_achieved(&scene, body.steps(), actions)),
            }
        }
        (_, _) => Err(wrong("actions")),
    }
}

/// What the elements of a simulation scene accept, and their initial state.
pub(crate) struct Scene<'a> {
    /// Element ids a `tap` may target.
    pub taps: Vec<&'a str>,
    /// Element ids a `toggle` may target, with their initial state.
    pub toggles: BTreeMap<&'a str, bool>,
    /// Element ids a `fill` may target, with their initial value.
    pub fills: BTreeMap<&'a str, String>,
    /// Choices of list fields.
    pub choices: BTreeMap<&'a str, &'a [String]>,
    /// The form, for rule-based `fill` steps.
    pub form: Option<&'a Form>,
}

/// Built-in buttons of the mailbox renderer (element ids).
pub const MAILBOX_BUTTONS: [&str; 7] = [
    "write", "reply", "forward", "delete", "attach", "send", "back",
];
/// Built-in fields of the mailbox composer (element ids).
pub const MAILBOX_FIELDS: [&str; 3] = ["to", "subject", "body"];
/// Element id of a form's submit button.
pub const FORM_SUBMIT: &str = "submit";

impl<'a> Scene<'a> {
    pub(crate) fn of(body: &'a Body) -> Self {
        let mut s = Scene {
            taps: Vec::new(),
            toggles: BTreeMap::new(),
            fills: BTreeMap::new(),
            choices: BTreeMap::new(),
            form: None,
        };
        match body {
            Body::Mailbox { scene, .. } => {
                s.taps.extend(MAILBOX_BUTTONS);
                s.taps.extend(scene.messages.iter().map(|m| m.id.as_str()));
                s.taps.extend(scene.files.iter().map(|f| f.id.as_str()));
                let d = scene.draft.clone().unwrap_or_default();
                s.fills.insert("to", d.to);
                s.fills.insert("subject", d.subject);
                s.fills.insert("body", d.body);
            }
            Body::Form { scene, .. } => {
                s.taps.push(FORM_SUBMIT);
                s.form = Some(scene);
                for f in &scene.fields {
                    if f.input == FieldInput::Checkbox {
                        s.toggles.insert(f.id.as_str(), f.value.trim() == "true");
                    } else {
                        s.fills.insert(f.id.as_str(), f.value.clone());
                        if f.input == FieldInput::Select {
                            s.choices.insert(f.id.as_str(), &f.choices);
                        }
                    }
                }
            }
            Body::Settings { scene, .. } => {
                for t in &scene.toggles {
                    s.toggles.insert(t.id.as_str(), t.on);
                }
                s.taps.extend(scene.networks.iter().map(|n| n.id.as_str()));
            }
            Body::Message { scene, .. } => {
                s.taps.extend(scene.links.iter().map(|l| l.id.as_str()));
                s.taps.extend(scene.choices.iter().map(|c| c.id.as_str()));
            }
            Body::Search { scene, .. } => {
                s.taps.extend(scene.results.iter().map(|r| r.id.as_str()));
            }
            _ => {}
        }
        s
    }

    fn check_actions(&self, actions: &[Action]) -> Result<(), ScoreError> {
        for (index, a) in actions.iter().enumerate() {
            let ok = match a {
                Action::Tap { target } => self.taps.contains(&target.as_str()),
                Action::Toggle { target, .. } => self.toggles.contains_key(target.as_str()),
                Action::Fill { target, value } => {
                    let len = value.chars().count();
                    if len > MAX_TEXT_CHARS {
                        return Err(ScoreError::TooLong {
                            len,
                            max: MAX_TEXT_CHARS,
                        });
                    }
                    if let Some(choices) = self.choices.get(target.as_str()) {
                        if !value.is_empty() && !choices.contains(value) {
                            return Err(ScoreError::BadValue {
                                index,
                                target: target.clone(),
                            });
                        }
                    }
                    self.fills.contains_key(target.as_str())
                }
            };
            if !ok {
                let (action, target) = match a {
                    Action::Tap { target } => ("tap", target),
                    Action::Toggle { target, .. } => ("toggle", target),
                    Action::Fill { target, .. } => ("fill", target),
                };
                return Err(ScoreError::BadAction {
                    index,
                    action,
                    target: target.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The live state of a simulation while actions are replayed.
struct State<'s, 'a> {
    scene: &'s Scene<'a>,
    toggles: BTreeMap<String, bool>,
    values: BTreeMap<String, String>,
}

impl State<'_, '_> {
    fn value(&self, id: &str) -> String {
        if let Some(v) = self.values.get(id) {
            return v.clone();
        }
        if let Some(on) = self.toggles.get(id) {
            return on.to_string();
        }
        self.scene.fills.get(id).cloned().unwrap_or_default()
    }

    fn toggle(&self, id: &str) -> bool {
        self.toggles
            .get(id)
            .or_else(|| self.scene.toggles.get(id))
            .copied()
            .unwrap_or(false)
    }

    /// Whether a state step (`toggle`, `fill`) holds now.
    fn holds(&self, step: &Step) -> bool {
        match step.kind {
            StepKind::Tap => false,
            StepKind::Toggle => self.toggle(&step.target) == step.on.unwrap_or(true),
            StepKind::Fill => {
                let v = self.value(&step.target);
                if let Some(accept) = &step.accept {
                    let n = Normalise::default();
                    let typed = normalise(&v, &n);
                    accept.iter().any(|a| normalise(a, &n) == typed)
                } else if let Some(field) = self
                    .scene
                    .form
                    .and_then(|f| f.fields.iter().find(|x| x.id == step.target))
                {
                    !v.trim().is_empty() && field_error(field, &|id| self.value(id)).is_none()
                } else {
                    !v.trim().is_empty()
                }
            }
        }
    }
}

/// Number of steps achieved in order by an action log.
///
/// Steps are checked one after the other. A `tap` step is achieved by a tap on its
/// target that comes after the previous step was achieved. A `toggle` or `fill`
/// step is a state: it is achieved as soon as it holds once the previous step is
/// achieved (so fields may be filled in any order before the submit tap). Actions
/// that achieve nothing (exploring, mistakes later corrected) cost nothing.
pub(crate) fn steps_achieved(scene: &Scene<'_>, steps: &[Step], actions: &[Action]) -> usize {
    let mut st = State {
        scene,
        toggles: BTreeMap::new(),
        values: BTreeMap::new(),
    };
    let mut j = 0;
    let advance = |st: &State<'_, '_>, j: &mut usize| {
        while *j < steps.len() && st.holds(&steps[*j]) {
            *j += 1;
        }
    };
    advance(&st, &mut j);
    for a in actions {
        match a {
            Action::Tap { target } => {
                if j < steps.len() && steps[j].kind == StepKind::Tap && steps[j].target == *target {
                    j += 1;
                }
            }
            Action::Toggle { target, on } => {
                st.toggles.insert(target.clone(), *on);
            }
            Action::Fill { target, value } => {
                st.values.insert(target.clone(), value.clone());
            }
        }
        advance(&st, &mut j);
    }
    j
}

/// The first failing rule's message for a field, or `None` when the value passes.
/// `value_of` gives the current value of any field (for `same_as`).
pub fn field_error<'f>(field: &'f Field, value_of: &dyn Fn(&str) -> String) -> Option<&'f str> {
    let v = value_of(&field.id);
    field
        .rules
        .iter()
        .find(|r| !rule_passes(r, &v, value_of))
        .map(|r| r.message.as_str())
}

fn rule_passes(rule: &Rule, v: &str, value_of: &dyn Fn(&str) -> String) -> bool {
    let t = v.trim();
    let n = rule.n.unwrap_or(0);
    match rule.check {
        Check::Required => !t.is_empty(),
        Check::Email => is_email(t),
        Check::MinLength => t.chars().count() >= n,
        Check::MaxLength => t.chars().count() <= n,
        Check::Digits => {
            let compact: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
            compact.len() == n && compact.iter().all(char::is_ascii_digit)
        }
        Check::Date => is_date(t),
        Check::SameAs => rule.field.as_deref().is_some_and(|f| value_of(f) == v),
        Check::HasDigit => t.chars().any(|c| c.is_ascii_digit()),
        Check::HasLetter => t.chars().any(char::is_alphabetic),
        Check::HasUppercase => t.chars().any(char::is_uppercase),
        Check::Checked => t == "true",
    }
}

fn is_email(t: &str) -> bool {
    let mut parts = t.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && !t.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
}

fn is_date(t: &str) -> bool {
    let parts: Vec<&str> = t.split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return false;
    };
    if d.len() != 2 || m.len() != 2 || y.len() != 4 {
        return false;
    }
    let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && (1900..=2100).contains(&y)
}

impl Form {
    /// The error messages the form shows after a submit, as `(field id, message)`,
    /// in field order. `values` holds the current values by field id (checkboxes:
    /// `"true"`/`"false"`); a missing field keeps its initial value.
    ///
    /// The renderer calls this, so that what the person sees and what is scored
    /// follow the same rules.
    pub fn errors<'f>(&'f self, values: &BTreeMap<String, String>) -> Vec<(&'f str, &'f str)> {
        let value_of = |id: &str| -> String {
            values
                .get(id)
                .cloned()
                .or_else(|| {
                    self.fields
                        .iter()
                        .find(|f| f.id == id)
                        .map(|f| f.value.clone())
                })
                .unwrap_or_default()
        };
        self.fields
            .iter()
            .filter_map(|f| field_error(f, &value_of).map(|m| (f.id.as_str(), m)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("jean.dupont@exemple.fr"));
        assert!(!is_email("jean.dupont@exemple"));
        assert!(!is_email("jean dupont@exemple.fr"));
        assert!(!is_email("@exemple.fr"));
        assert!(!is_email("a@b@c.fr"));
        assert!(!is_email("a@exemple..fr"));
    }

    #[test]
    fn dates() {
        assert!(is_date("29/02/2024"));
        assert!(!is_date("29/02/2023"));
        assert!(!is_date("31/04/2020"));
        assert!(!is_date("1/2/2020"));
        assert!(!is_date("01-02-2020"));
    }
}
