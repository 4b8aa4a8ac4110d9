//! What the simulated screens of the app let a person do, step by step: small
//! models of the mailbox, the web form and the phone settings as the renderers
//! of `app/src/render/` (mailbox.rs, form.rs, phone.rs) draw them, so that the
//! action logs built here are exactly the ones the app records when its screens
//! are operated (the browser tests check that, action for action).
//!
//! What the models keep from the renderers:
//! - mailbox: the screens (inbox, message, composer, file picker, « envoyé »), the
//!   buttons each screen shows, what « Répondre » and « Transférer » put in the
//!   composer, that a field change is recorded only when the value changes;
//! - form: a field change is recorded when the value changes, a checkbox records a
//!   `toggle`, a list offers only its choices, a submit without errors ends the
//!   form (it is hidden behind the success text);
//! - settings: a switch records its new state, the networks show only while the
//!   `wifi` switch is on.

use std::collections::{BTreeMap, VecDeque};

use crate::{
    field_error, normalise, Action, BankItem, Body, Field, FieldInput, Form, Mailbox, MailboxStart,
    Normalise, Settings, Step, StepKind, FORM_SUBMIT,
};

/// The actions that achieve the steps of a simulation, and single mistakes.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `segments[j]`: the actions that achieve step `j` once the steps before it
    /// are achieved (moving between screens first when needed; empty when the
    /// step already holds).
    pub segments: Vec<Vec<Action>>,
    /// Single actions the first screen offers, in screen order: candidates for a
    /// wrong response (the caller keeps one that scores 0).
    pub mistakes: Vec<Action>,
}

/// A simulated screen: what it offers and how an action changes it.
trait Ui: Clone {
    /// Taps and switch changes the screen offers now, in screen order.
    fn offered(&self) -> Vec<Action>;
    /// Whether the planner may use `a` only to move to another screen.
    fn is_navigation(&self, a: &Action) -> bool;
    /// The current value of a field shown now (`None`: not on this screen).
    fn field(&self, id: &str) -> Option<String>;
    /// The state of a switch or checkbox shown now.
    fn switch(&self, id: &str) -> Option<bool>;
    /// Applies `a` as the renderer does; `false` when the screen cannot record it.
    fn apply(&mut self, a: &Action) -> bool;
    /// A value of field `id` that achieves `step` (a fill step) now.
    fn right_value(&self, step: &Step) -> Option<String>;
    /// A plausible wrong value for a field shown now.
    fn wrong_value(&self, id: &str) -> Option<String>;
    /// Fields shown now (for mistakes), in screen order.
    fn fields(&self) -> Vec<String>;
}

/// Builds the plan of a stepped simulation.
pub fn plan(item: &BankItem) -> Result<Plan, String> {
    match &item.body {
        Body::Mailbox { scene, steps } => plan_with(Mail::new(scene), steps),
        Body::Form { scene, steps } => plan_with(FormUi::new(scene, steps), steps),
        Body::Settings { scene, steps } => plan_with(Phone::new(scene), steps),
        _ => Err("not a stepped simulation".into()),
    }
}

fn plan_with<U: Ui>(start: U, steps: &[Step]) -> Result<Plan, String> {
    let mut mistakes = start.offered();
    for id in start.fields() {
        if let Some(v) = start.wrong_value(&id) {
            mistakes.push(Action::Fill {
                target: id.clone(),
                value: v,
            });
        }
    }
    let mut ui = start;
    let mut segments = Vec::with_capacity(steps.len());
    for (j, step) in steps.iter().enumerate() {
        let segment = achieve(&ui, step).ok_or_else(|| {
            format!(
                "step {} (`{}` on `{}`) cannot be reached on the simulated screens",
                j + 1,
                kind(step),
                step.target
            )
        })?;
        for a in &segment {
            if !ui.apply(a) {
                return Err(format!("step {}: the screen refuses {a:?}", j + 1));
            }
        }
        segments.push(segment);
    }
    Ok(Plan { segments, mistakes })
}

fn kind(step: &Step) -> &'static str {
    match step.kind {
        StepKind::Tap => "tap",
        StepKind::Toggle => "toggle",
        StepKind::Fill => "fill",
    }
}

/// The action that achieves `step` on `ui` as it is, if the screen offers it;
/// `Some(None)` when the step already holds.
fn direct<U: Ui>(ui: &U, step: &Step) -> Option<Option<Action>> {
    match step.kind {
        StepKind::Tap => {
            let a = Action::Tap {
                target: step.target.clone(),
            };
            ui.offered().contains(&a).then_some(Some(a))
        }
        StepKind::Toggle => {
            let on = step.on.unwrap_or(true);
            match ui.switch(&step.target) {
                Some(s) if s == on => Some(None),
                Some(_) => Some(Some(Action::Toggle {
                    target: step.target.clone(),
                    on,
                })),
                None => None,
            }
        }
        StepKind::Fill => {
            let current = ui.field(&step.target)?;
            let value = ui.right_value(step)?;
            if value == current {
                Some(None)
            } else {
                Some(Some(Action::Fill {
                    target: step.target.clone(),
                    value,
                }))
            }
        }
    }
}

/// The shortest list of navigation actions, then the action, that achieves `step`
/// (breadth first, at most four screens away).
fn achieve<U: Ui>(ui: &U, step: &Step) -> Option<Vec<Action>> {
    let mut queue = VecDeque::from([(ui.clone(), Vec::<Action>::new())]);
    while let Some((state, path)) = queue.pop_front() {
        if let Some(last) = direct(&state, step) {
            let mut p = path;
            p.extend(last);
            return Some(p);
        }
        if path.len() >= 4 {
            continue;
        }
        for a in state.offered() {
            if !state.is_navigation(&a) {
                continue;
            }
            let mut next = state.clone();
            if next.apply(&a) {
                let mut p = path.clone();
                p.push(a);
                queue.push_back((next, p));
            }
        }
    }
    None
}

fn tap(id: &str) -> Action {
    Action::Tap {
        target: id.to_string(),
    }
}

// ------------------------------------------------------------------- mailbox

#[derive(Clone, Copy, Debug, PartialEq)]
enum View {
    Inbox,
    Message(usize),
    Compose,
    Picker,
    Sent,
}

#[derive(Clone)]
struct Mail<'a> {
    scene: &'a Mailbox,
    view: View,
    present: Vec<usize>,
    to: String,
    subject: String,
    body: String,
    from_message: Option<usize>,
}

impl<'a> Mail<'a> {
    fn new(scene: &'a Mailbox) -> Self {
        let draft = scene.draft.clone().unwrap_or_default();
        Mail {
            scene,
            view: match scene.start {
                MailboxStart::Inbox => View::Inbox,
                MailboxStart::Draft => View::Compose,
            },
            present: (0..scene.messages.len()).collect(),
            to: draft.to,
            subject: draft.subject,
            body: draft.body,
            from_message: None,
        }
    }

    fn compose(&mut self, to: String, subject: String, from: Option<usize>) {
        self.to = to;
        self.subject = subject;
        self.body = String::new();
        self.from_message = from;
        self.view = View::Compose;
    }
}

impl Ui for Mail<'_> {
    fn offered(&self) -> Vec<Action> {
        match self.view {
            View::Inbox => self
                .present
                .iter()
                .filter_map(|i| self.scene.messages.get(*i))
                .map(|m| tap(&m.id))
                .chain([tap("write")])
                .collect(),
            View::Message(_) => ["back", "reply", "forward", "delete"].map(tap).to_vec(),
            View::Compose => ["attach", "send", "back"].map(tap).to_vec(),
            View::Picker => self
                .scene
                .files
                .iter()
                .map(|f| tap(&f.id))
                .chain([tap("back")])
                .collect(),
            View::Sent => Vec::new(),
        }
    }

    fn is_navigation(&self, a: &Action) -> bool {
        matches!(a, Action::Tap { target } if target == "back" || target == "attach")
    }

    fn field(&self, id: &str) -> Option<String> {
        if self.view != View::Compose {
            return None;
        }
        match id {
            "to" => Some(self.to.clone()),
            "subject" => Some(self.subject.clone()),
            "body" => Some(self.body.clone()),
            _ => None,
        }
    }

    fn switch(&self, _id: &str) -> Option<bool> {
        None
    }

    fn apply(&mut self, a: &Action) -> bool {
        match a {
            Action::Tap { target } => {
                if !self.offered().contains(a) {
                    return false;
                }
                match (self.view, target.as_str()) {
                    (View::Inbox, "write") => self.compose(String::new(), String::new(), None),
                    (View::Inbox, id) => {
                        let Some(i) = self.scene.messages.iter().position(|m| m.id == id) else {
                            return false;
                        };
                        self.view = View::Message(i);
                    }
                    (View::Message(_), "back") => self.view = View::Inbox,
                    (View::Message(i), "reply") => {
                        let m = &self.scene.messages[i];
                        self.compose(
                            m.from_address.clone(),
                            format!("RE : {}", m.subject),
                            Some(i),
                        );
                    }
                    (View::Message(i), "forward") => {
                        let m = &self.scene.messages[i];
                        self.compose(String::new(), format!("TR : {}", m.subject), Some(i));
                    }
                    (View::Message(i), "delete") => {
                        self.present.retain(|x| *x != i);
                        self.view = View::Inbox;
                    }
                    (View::Compose, "attach") => self.view = View::Picker,
                    (View::Compose, "send") => self.view = View::Sent,
                    (View::Compose, "back") => {
                        self.view = self.from_message.map_or(View::Inbox, View::Message);
                    }
                    (View::Picker, _) => self.view = View::Compose,
                    _ => return false,
                }
                true
            }
            Action::Fill { target, value } => {
                let Some(current) = self.field(target) else {
                    return false;
                };
                if current == *value {
                    return false;
                }
                match target.as_str() {
                    "to" => self.to = value.clone(),
                    "subject" => self.subject = value.clone(),
                    _ => self.body = value.clone(),
                }
                true
            }
            Action::Toggle { .. } => false,
        }
    }

    fn right_value(&self, step: &Step) -> Option<String> {
        if let Some(accept) = &step.accept {
            return accept.first().cloned();
        }
        let current = self.field(&step.target)?;
        if !current.trim().is_empty() {
            return Some(current);
        }
        Some(
            match step.target.as_str() {
                "to" => "accueil@exemple.fr",
                "subject" => "Ma demande",
                _ => "Bonjour, merci pour votre message. Martine Durand",
            }
            .to_string(),
        )
    }

    fn wrong_value(&self, id: &str) -> Option<String> {
        let current = self.field(id)?;
        let v = if id == "to" { "martine" } else { "?" };
        (v != current).then(|| v.to_string())
    }

    fn fields(&self) -> Vec<String> {
        if self.view == View::Compose {
            ["to", "subject", "body"].map(String::from).to_vec()
        } else {
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------- form

#[derive(Clone)]
struct FormUi<'a> {
    scene: &'a Form,
    steps: &'a [Step],
    values: BTreeMap<String, String>,
    done: bool,
}

/// Values tried, in order, for a field whose rules decide (no `accept` list).
const FORM_VALUES: [&str; 9] = [
    "Lilas2024",
    "Durand",
    "martine.durand@exemple.fr",
    "75011",
    "06 12 34 56 78",
    "01/10/2026",
    "Martine",
    "2468135",
    "Soleil-Lilas-2024",
];

impl<'a> FormUi<'a> {
    fn new(scene: &'a Form, steps: &'a [Step]) -> Self {
        FormUi {
            scene,
            steps,
            values: scene
                .fields
                .iter()
                .map(|f| (f.id.clone(), f.value.clone()))
                .collect(),
            done: false,
        }
    }

    fn field_def(&self, id: &str) -> Option<&'a Field> {
        self.scene.fields.iter().find(|f| f.id == id)
    }

    fn value(&self, id: &str) -> String {
        self.values.get(id).cloned().unwrap_or_default()
    }

    /// Whether `value` in field `id` passes the field's rules, the others as now.
    fn passes(&self, field: &Field, value: &str) -> bool {
        let value_of = |id: &str| {
            if id == field.id {
                value.to_string()
            } else {
                self.value(id)
            }
        };
        !value.trim().is_empty() && field_error(field, &value_of).is_none()
    }
}

fn same(a: &str, b: &str) -> bool {
    let n = Normalise::default();
    normalise(a, &n) == normalise(b, &n)
}

impl Ui for FormUi<'_> {
    fn offered(&self) -> Vec<Action> {
        if self.done {
            return Vec::new();
        }
        let mut out: Vec<Action> = self
            .scene
            .fields
            .iter()
            .filter(|f| f.input == FieldInput::Checkbox)
            .map(|f| Action::Toggle {
                target: f.id.clone(),
                on: self.value(&f.id) != "true",
            })
            .collect();
        out.push(tap(FORM_SUBMIT));
        out
    }

    fn is_navigation(&self, _a: &Action) -> bool {
        false
    }

    fn field(&self, id: &str) -> Option<String> {
        let f = self.field_def(id)?;
        (!self.done && f.input != FieldInput::Checkbox).then(|| self.value(id))
    }

    fn switch(&self, id: &str) -> Option<bool> {
        let f = self.field_def(id)?;
        (!self.done && f.input == FieldInput::Checkbox).then(|| self.value(id) == "true")
    }

    fn apply(&mut self, a: &Action) -> bool {
        if self.done {
            return false;
        }
        match a {
            Action::Tap { target } if target == FORM_SUBMIT => {
                self.done = self.scene.errors(&self.values).is_empty();
                true
            }
            Action::Tap { .. } => false,
            Action::Toggle { target, on } => match self.switch(target) {
                Some(s) if s != *on => {
                    self.values.insert(target.clone(), on.to_string());
                    true
                }
                _ => false,
            },
            Action::Fill { target, value } => {
                let Some(current) = self.field(target) else {
                    return false;
                };
                let Some(f) = self.field_def(target) else {
                    return false;
                };
                let allowed =
                    f.input != FieldInput::Select || value.is_empty() || f.choices.contains(value);
                if current == *value || !allowed {
                    return false;
                }
                self.values.insert(target.clone(), value.clone());
                true
            }
        }
    }

    fn right_value(&self, step: &Step) -> Option<String> {
        let f = self.field_def(&step.target)?;
        if let Some(accept) = &step.accept {
            if f.input == FieldInput::Select {
                // A list gives its choices as written.
                return f
                    .choices
                    .iter()
                    .find(|c| accept.iter().any(|a| same(a, c)))
                    .cloned();
            }
            return accept.first().cloned();
        }
        if self.passes(f, &self.value(&f.id)) {
            return Some(self.value(&f.id));
        }
        // A confirmation repeats the field it names.
        let same_as = f
            .rules
            .iter()
            .filter_map(|r| r.field.as_deref())
            .map(|other| self.value(other));
        let candidates: Vec<String> = same_as
            .chain(f.choices.iter().cloned())
            .chain(FORM_VALUES.iter().map(|v| (*v).to_string()))
            .collect();
        candidates.into_iter().find(|v| self.passes(f, v))
    }

    fn wrong_value(&self, id: &str) -> Option<String> {
        let f = self.field_def(id)?;
        let current = self.field(id)?;
        let step = self
            .steps
            .iter()
            .find(|s| s.target == id && s.kind == StepKind::Fill);
        let achieves = |v: &str| match step.and_then(|s| s.accept.as_ref()) {
            Some(accept) => accept.iter().any(|a| same(a, v)),
            None => self.passes(f, v),
        };
        let candidates: Vec<String> = if f.input == FieldInput::Select {
            f.choices.clone()
        } else {
            ["abc", "1"].map(String::from).to_vec()
        };
        candidates
            .into_iter()
            .find(|v| *v != current && !achieves(v))
    }

    fn fields(&self) -> Vec<String> {
        if self.done {
            return Vec::new();
        }
        self.scene
            .fields
            .iter()
            .filter(|f| f.input != FieldInput::Checkbox)
            .map(|f| f.id.clone())
            .collect()
    }
}

// ------------------------------------------------------------------ settings

#[derive(Clone)]
struct Phone<'a> {
    scene: &'a Settings,
    states: Vec<bool>,
}

impl<'a> Phone<'a> {
    fn new(scene: &'a Settings) -> Self {
        Phone {
            scene,
            states: scene.toggles.iter().map(|t| t.on).collect(),
        }
    }

    fn state(&self, id: &str) -> Option<bool> {
        let i = self.scene.toggles.iter().position(|t| t.id == id)?;
        self.states.get(i).copied()
    }
}

impl Ui for Phone<'_> {
    fn offered(&self) -> Vec<Action> {
        let mut out = Vec::new();
        for (t, on) in self.scene.toggles.iter().zip(&self.states) {
            out.push(Action::Toggle {
                target: t.id.clone(),
                on: !on,
            });
            if t.id == "wifi" && *on {
                out.extend(self.scene.networks.iter().map(|n| tap(&n.id)));
            }
        }
        out
    }

    fn is_navigation(&self, a: &Action) -> bool {
        matches!(a, Action::Toggle { target, on: true } if target == "wifi")
    }

    fn field(&self, _id: &str) -> Option<String> {
        None
    }

    fn switch(&self, id: &str) -> Option<bool> {
        self.state(id)
    }

    fn apply(&mut self, a: &Action) -> bool {
        if !self.offered().contains(a) {
            return false;
        }
        if let Action::Toggle { target, on } = a {
            if let Some(i) = self.scene.toggles.iter().position(|t| t.id == *target) {
                self.states[i] = *on;
            }
        }
        true
    }

    fn right_value(&self, _step: &Step) -> Option<String> {
        None
    }

    fn wrong_value(&self, _id: &str) -> Option<String> {
        None
    }

    fn fields(&self) -> Vec<String> {
        Vec::new()
    }
}
