//! Bank items: the public, checked form of one `[[item]]` of `data/bank/<skill>.toml`.
//!
//! An item has common fields (id, skill, stem, read-aloud text, pictures,
//! requirements, IRT parameters…) and a [`Body`] that depends on its type: the
//! options and answer of a question, or the scene and steps of a simulation. The
//! renderer of the app draws the body; [`crate::score`] scores a response to it.

use serde::{Deserialize, Serialize};

use repere_engine::irt::Item;

/// A picture file of `assets/pictures/` with its alternative text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Picture {
    /// File name in `assets/pictures/` (no folder), e.g. `mail-trombone.svg`.
    pub file: String,
    /// French alternative text: what the picture shows, for screen readers and for
    /// reading aloud. Never empty.
    pub alt: String,
}

/// An answer option of a `single`, `multiple` or `ordering` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Identifier unique in the item (lowercase word, e.g. `trombone`); answers name
    /// options by id.
    pub id: String,
    /// Text shown (FALC). At least one of `text` and `picture`.
    #[serde(default)]
    pub text: Option<String>,
    /// Picture shown.
    #[serde(default)]
    pub picture: Option<Picture>,
}

/// Something the person must have to take the item. The test never shows an item
/// whose requirements the session does not meet (e.g. a kiosk has no keyboard).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// Pointing on the screen (finger or mouse).
    Touch,
    /// A physical or on-screen keyboard to type text.
    Keyboard,
    /// Seeing the screen (pictures, positions) — the item cannot be done by ear.
    Sight,
    /// Hearing (a sound or a video call).
    Hearing,
}

/// Life cycle of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written or reviewed: never shown in a test.
    Draft,
    /// In the bank: may be shown.
    Live,
    /// Removed from tests; kept so stored results stay readable.
    Retired,
}

/// The type of an item, as written in `type = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    /// One right option.
    Single,
    /// Several right options: right iff exactly the right set is chosen.
    Multiple,
    /// Tap the right place of a picture of a screen.
    Hotspot,
    /// Put steps in order.
    Ordering,
    /// Type a short text.
    Text,
    /// Simulated mailbox, scored in steps.
    Mailbox,
    /// Simulated online form, scored in steps.
    Form,
    /// A suspicious SMS or e-mail: choose what to do (one decision).
    Message,
    /// Simulated phone settings screen, scored in steps.
    Settings,
    /// Simulated search results page: choose the right result (one decision).
    Search,
}

impl ItemType {
    /// Every type, in documentation order.
    pub const ALL: [ItemType; 10] = [
        ItemType::Single,
        ItemType::Multiple,
        ItemType::Hotspot,
        ItemType::Ordering,
        ItemType::Text,
        ItemType::Mailbox,
        ItemType::Form,
        ItemType::Message,
        ItemType::Settings,
        ItemType::Search,
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            ItemType::Single => "single",
            ItemType::Multiple => "multiple",
            ItemType::Hotspot => "hotspot",
            ItemType::Ordering => "ordering",
            ItemType::Text => "text",
            ItemType::Mailbox => "mailbox",
            ItemType::Form => "form",
            ItemType::Message => "message",
            ItemType::Settings => "settings",
            ItemType::Search => "search",
        }
    }

    /// Types scored in ordered steps (`[[item.step]]`), 0..=k.
    pub fn is_stepped(self) -> bool {
        matches!(
            self,
            ItemType::Mailbox | ItemType::Form | ItemType::Settings
        )
    }
}

/// IRT model names as written in `[item.irt] model = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// 2PL: `a`, `b`.
    #[serde(rename = "2pl")]
    TwoPl,
    /// 3PL: `a`, `b`, `c`.
    #[serde(rename = "3pl")]
    ThreePl,
    /// 4PL: `a`, `b`, `c`, `d`.
    #[serde(rename = "4pl")]
    FourPl,
    /// Generalised partial credit: `a`, `steps`.
    #[serde(rename = "gpcm")]
    Gpcm,
    /// Graded response: `a`, `thresholds`.
    #[serde(rename = "grm")]
    Grm,
}

/// Where the parameters come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvenanceKind {
    /// Set by an expert from the difficulty band and the item type (see README).
    Expert,
    /// Estimated from real responses.
    Calibrated,
}

/// Provenance of the IRT parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Expert or calibrated.
    pub kind: ProvenanceKind,
    /// Number of responses of the calibration (calibrated only).
    #[serde(default)]
    pub n: Option<u32>,
    /// Date the parameters were set, `YYYY-MM-DD`.
    pub date: String,
    /// Free note: band and type for experts, sample and software for calibrations.
    #[serde(default)]
    pub note: Option<String>,
}

/// IRT parameters as written in the file (`[item.irt]`). Which fields are present
/// depends on `model`; the validator enforces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Irt {
    /// The model.
    pub model: Model,
    /// Discrimination.
    pub a: f64,
    /// Difficulty (logistic models only).
    #[serde(default)]
    pub b: Option<f64>,
    /// Lower asymptote (3PL, 4PL).
    #[serde(default)]
    pub c: Option<f64>,
    /// Upper asymptote (4PL).
    #[serde(default)]
    pub d: Option<f64>,
    /// Step difficulties (GPCM).
    #[serde(default)]
    pub steps: Option<Vec<f64>>,
    /// Category thresholds (GRM).
    #[serde(default)]
    pub thresholds: Option<Vec<f64>>,
    /// Where the parameters come from.
    pub provenance: Provenance,
}

impl Irt {
    /// The location of the item on the θ scale: `b`, or the mean of the steps or
    /// thresholds. Used for difficulty bands.
    pub fn location(&self) -> f64 {
        let mean = |v: &[f64]| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        match self.model {
            Model::Gpcm => mean(self.steps.as_deref().unwrap_or(&[])),
            Model::Grm => mean(self.thresholds.as_deref().unwrap_or(&[])),
            _ => self.b.unwrap_or(0.0),
        }
    }
}

/// A rectangle in the coordinates of a picture's viewBox.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (> 0).
    pub width: f64,
    /// Height (> 0).
    pub height: f64,
}

impl Rect {
    /// Whether the point lies inside the rectangle, edges included.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.x + self.width && y >= self.y && y <= self.y + self.height
    }
}

/// The picture of a `hotspot` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// SVG file in `assets/pictures/`.
    pub file: String,
    /// Alternative text: describes the screen without saying where the answer is.
    pub alt: String,
    /// `[min_x, min_y, width, height]`, equal to the SVG's `viewBox` (checked).
    pub view_box: [f64; 4],
}

impl Screen {
    /// The view box as a rectangle.
    pub fn rect(&self) -> Rect {
        Rect {
            x: self.view_box[0],
            y: self.view_box[1],
            width: self.view_box[2],
            height: self.view_box[3],
        }
    }
}

/// How a typed answer and the accepted answers are compared (`[item.normalise]`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalise {
    /// Remove spaces at both ends.
    #[serde(default = "yes")]
    pub trim: bool,
    /// Ignore upper/lower case.
    #[serde(default = "yes")]
    pub ignore_case: bool,
    /// Ignore accents (é = e, ç = c, œ = oe).
    #[serde(default = "yes")]
    pub ignore_accents: bool,
    /// What to do with spaces inside the text.
    #[serde(default)]
    pub spaces: Spaces,
}

fn yes() -> bool {
    true
}

impl Default for Normalise {
    fn default() -> Self {
        Normalise {
            trim: true,
            ignore_case: true,
            ignore_accents: true,
            spaces: Spaces::Collapse,
        }
    }
}

/// Treatment of inner spaces in typed text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Spaces {
    /// Keep them as typed.
    Keep,
    /// Several spaces count as one.
    #[default]
    Collapse,
    /// Remove them all (e-mail addresses, phone numbers).
    Remove,
}

/// Which on-screen keyboard a text field asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextInput {
    /// Letters.
    #[default]
    Text,
    /// Letters with `@` and `.` at hand.
    Email,
    /// Digits.
    Number,
    /// Phone keypad.
    Tel,
}

// ---------------------------------------------------------------- simulations

/// An action of the person in a simulation, as recorded by the renderer.
///
/// Every `target` is an element id of the scene (see the README for each type).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "lowercase", deny_unknown_fields)]
pub enum Action {
    /// Tap a button, a message, a file, a network, a link, a result or a choice.
    Tap {
        /// Element id.
        target: String,
    },
    /// Switch a toggle or a checkbox on or off.
    Toggle {
        /// Element id.
        target: String,
        /// New state.
        on: bool,
    },
    /// Set the value of a field (the whole value after the change).
    Fill {
        /// Element id.
        target: String,
        /// Value typed or chosen.
        value: String,
    },
}

/// The kind of a step, as written in `do = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Achieved by a `Tap` on `target` (an event).
    Tap,
    /// Achieved while `target` is in state `on` (a state).
    Toggle,
    /// Achieved while `target` holds an acceptable value (a state).
    Fill,
}

/// A required step of a simulation (`[[item.step]]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What achieves the step.
    #[serde(rename = "do")]
    pub kind: StepKind,
    /// Element id.
    pub target: String,
    /// For `toggle`: the state to reach.
    #[serde(default)]
    pub on: Option<bool>,
    /// For `fill`: accepted values (compared with the default [`Normalise`]). Absent:
    /// a form field's rules decide; other fields accept any non-blank value.
    #[serde(default)]
    pub accept: Option<Vec<String>>,
    /// French description of the step for trainers ("Ouvrir le message de la mairie").
    pub label: String,
}

/// Scene of a `mailbox` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    /// The person's own address, shown at the top.
    pub address: String,
    /// Screen shown first.
    #[serde(default)]
    pub start: MailboxStart,
    /// Messages in the inbox, newest first.
    #[serde(rename = "message", default)]
    pub messages: Vec<MailMessage>,
    /// A message being written (required when `start = "draft"`).
    #[serde(default)]
    pub draft: Option<Draft>,
    /// Files on the device, offered by the attach picker.
    #[serde(rename = "file", default)]
    pub files: Vec<DeviceFile>,
}

/// First screen of a mailbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailboxStart {
    /// The list of received messages.
    #[default]
    Inbox,
    /// The draft, being written.
    Draft,
}

/// A received message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailMessage {
    /// Element id (tap = open it).
    pub id: String,
    /// Sender name.
    pub from: String,
    /// Sender address (the "To" of a reply).
    pub from_address: String,
    /// Subject.
    pub subject: String,
    /// Date as shown ("Hier, 14:02").
    pub date: String,
    /// Body, realistic (not bound by the FALC sentence limit). Paragraphs separated
    /// by blank lines.
    pub body: String,
    /// Shown in bold as unread.
    #[serde(default = "yes")]
    pub unread: bool,
    /// Names of files attached to this message (display only).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A message being written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// Recipient address.
    #[serde(default)]
    pub to: String,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Body.
    #[serde(default)]
    pub body: String,
}

/// A file on the simulated device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFile {
    /// Element id (tap in the picker = attach it).
    pub id: String,
    /// File name as shown, e.g. `Justificatif-domicile.pdf`.
    pub name: String,
    /// Icon to show.
    pub kind: FileKind,
}

/// Icon of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// PDF document.
    Pdf,
    /// Photo or image.
    Image,
    /// Other document.
    Document,
}

/// Scene of a `form` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// Page title, e.g. "Créer votre compte".
    pub title: String,
    /// Optional text above the fields.
    #[serde(default)]
    pub intro: Option<String>,
    /// Label of the submit button (element id `submit`).
    pub submit: String,
    /// The form opens as if already submitted: error messages are shown.
    #[serde(default)]
    pub show_errors: bool,
    /// Text shown when the form is submitted without errors.
    pub success: String,
    /// Fields, in display order.
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

/// A form field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Element id.
    pub id: String,
    /// Label shown above the field.
    pub label: String,
    /// Kind of input.
    pub input: FieldInput,
    /// Help text under the label ("Exemple : 75001").
    #[serde(default)]
    pub help: Option<String>,
    /// Initial value (`"true"`/`"false"` for a checkbox).
    #[serde(default)]
    pub value: String,
    /// The choices of a `select`.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Validation rules, checked in order; the first failing one gives the message.
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
}

/// Kind of a form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldInput {
    /// Free text.
    Text,
    /// E-mail address.
    Email,
    /// Password (masked, with a "show" eye button).
    Password,
    /// Phone number.
    Tel,
    /// Digits.
    Number,
    /// Date, typed `JJ/MM/AAAA`.
    Date,
    /// A list of choices (no typing).
    Select,
    /// A box to tick (no typing; use `Toggle`).
    Checkbox,
}

impl FieldInput {
    /// Whether filling this field needs a keyboard.
    pub fn needs_keyboard(self) -> bool {
        !matches!(self, FieldInput::Select | FieldInput::Checkbox)
    }
}

/// A validation rule of a form field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// What is checked.
    pub check: Check,
    /// Parameter of `min_length`, `max_length`, `digits`.
    #[serde(default)]
    pub n: Option<usize>,
    /// Parameter of `same_as`: the other field's id.
    #[serde(default)]
    pub field: Option<String>,
    /// Error message shown under the field (FALC, says how to fix).
    pub message: String,
}

/// The closed set of validation checks (no regular expressions: the renderer calls
/// [`Form::errors`], so the app and the scoring agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Not blank.
    Required,
    /// One `@`, something before it, a dot in the part after it, no space.
    Email,
    /// At least `n` characters (spaces at the ends ignored).
    MinLength,
    /// At most `n` characters.
    MaxLength,
    /// Exactly `n` digits, spaces ignored (postcode 5, phone 10).
    Digits,
    /// A real date written `JJ/MM/AAAA`.
    Date,
    /// Equal to the field `field` (password confirmation).
    SameAs,
    /// Contains a digit.
    HasDigit,
    /// Contains a letter.
    HasLetter,
    /// Contains an upper-case letter.
    HasUppercase,
    /// A checkbox is ticked.
    Checked,
}

/// Scene of a `settings` item: one phone settings screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Title at the top ("Réglages").
    pub title: String,
    /// Switches, in display order.
    #[serde(rename = "toggle")]
    pub toggles: Vec<Toggle>,
    /// Wi-Fi networks, listed under the toggle `wifi` while it is on.
    #[serde(rename = "network", default)]
    pub networks: Vec<Network>,
}

/// A switch of the settings screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toggle {
    /// Element id (`wifi` shows the networks).
    pub id: String,
    /// Label, e.g. "Wi-Fi".
    pub label: String,
    /// Icon drawn before the label.
    pub icon: Icon,
    /// Initial state.
    pub on: bool,
}

/// Icons the settings renderer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Icon {
    /// Wi-Fi fan.
    Wifi,
    /// Bluetooth rune.
    Bluetooth,
    /// Plane.
    Airplane,
    /// Mobile data arrows.
    Data,
    /// Location pin.
    Location,
    /// Speaker.
    Sound,
    /// Sun (brightness).
    Brightness,
}

/// A Wi-Fi network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Element id (tap = connect; known networks connect without a password).
    pub id: String,
    /// Network name as shown.
    pub name: String,
    /// Shows a padlock.
    #[serde(default)]
    pub secured: bool,
}

/// Scene of a `message` item: one SMS or e-mail to judge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageScene {
    /// How it arrived.
    pub channel: Channel,
    /// Sender as shown (name or number).
    pub from: String,
    /// Sender address (e-mail only).
    #[serde(default)]
    pub from_address: Option<String>,
    /// Subject (e-mail only).
    #[serde(default)]
    pub subject: Option<String>,
    /// Date as shown.
    pub date: String,
    /// Body, realistic (not bound by the FALC sentence limit).
    pub body: String,
    /// Links shown after the body; tapping one is a decision.
    #[serde(rename = "link", default)]
    pub links: Vec<Link>,
    /// Decisions offered as large buttons under the message.
    #[serde(rename = "choice")]
    pub choices: Vec<Decision>,
}

impl MessageScene {
    /// The ids a person can tap to decide: the buttons, then the links.
    pub fn decision_ids(&self) -> impl Iterator<Item = &str> {
        self.choices
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.links.iter().map(|l| l.id.as_str()))
    }
}

/// Channel of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Text message.
    Sms,
    /// E-mail.
    Mail,
}

/// A link in a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Element id.
    pub id: String,
    /// Text of the link (usually the address).
    pub text: String,
}

/// A decision button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Element id.
    pub id: String,
    /// Label (FALC), e.g. "Je supprime le message".
    pub label: String,
}

/// Scene of a `search` item: a results page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchPage {
    /// What is in the search box.
    pub query: String,
    /// Results, in display order.
    #[serde(rename = "result")]
    pub results: Vec<SearchResult>,
}

/// A search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchResult {
    /// Element id.
    pub id: String,
    /// Shown with the label "Sponsorisé", as search engines in France show it.
    #[serde(default)]
    pub ad: bool,
    /// Title (the link).
    pub title: String,
    /// Address shown under the title.
    pub url: String,
    /// Short text under the address.
    pub snippet: String,
}

/// The type-dependent part of an item.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Body {
    /// One right option.
    Single {
        /// Options in display order.
        options: Vec<Choice>,
        /// Id of the right option.
        answer: String,
    },
    /// Exactly the right set of options.
    Multiple {
        /// Options in display order.
        options: Vec<Choice>,
        /// Ids of the right options.
        answer: Vec<String>,
    },
    /// Tap inside one of the regions.
    Hotspot {
        /// The picture.
        screen: Screen,
        /// Right regions, in view-box coordinates.
        regions: Vec<Rect>,
    },
    /// Put the options in the order of `answer`.
    Ordering {
        /// Options in display order (never already in the right order).
        options: Vec<Choice>,
        /// Option ids in the right order.
        answer: Vec<String>,
    },
    /// Type one of the accepted answers.
    Text {
        /// Accepted answers.
        answer: Vec<String>,
        /// Comparison rules.
        normalise: Normalise,
        /// Keyboard to show.
        input: TextInput,
    },
    /// Mailbox simulation.
    Mailbox {
        /// Scene.
        scene: Mailbox,
        /// Required steps, in order.
        steps: Vec<Step>,
    },
    /// Form simulation.
    Form {
        /// Scene.
        scene: Form,
        /// Required steps, in order.
        steps: Vec<Step>,
    },
    /// Settings simulation.
    Settings {
        /// Scene.
        scene: Settings,
        /// Required steps, in order.
        steps: Vec<Step>,
    },
    /// Message to judge.
    Message {
        /// Scene.
        scene: MessageScene,
        /// Ids of the right decisions (choices or links).
        answer: Vec<String>,
    },
    /// Search page.
    Search {
        /// Scene.
        scene: SearchPage,
        /// Ids of the right results.
        answer: Vec<String>,
    },
}

impl Body {
    /// Empties the `label` of every step (what a trainer's report says of it): a
    /// test never reads it ([`crate::Bank::for_delivery`]).
    pub fn clear_step_labels(&mut self) {
        if let Body::Mailbox { steps, .. }
        | Body::Form { steps, .. }
        | Body::Settings { steps, .. } = self
        {
            for s in steps {
                s.label.clear();
            }
        }
    }

    /// The item type of this body.
    pub fn item_type(&self) -> ItemType {
        match self {
            Body::Single { .. } => ItemType::Single,
            Body::Multiple { .. } => ItemType::Multiple,
            Body::Hotspot { .. } => ItemType::Hotspot,
            Body::Ordering { .. } => ItemType::Ordering,
            Body::Text { .. } => ItemType::Text,
            Body::Mailbox { .. } => ItemType::Mailbox,
            Body::Form { .. } => ItemType::Form,
            Body::Message { .. } => ItemType::Message,
            Body::Settings { .. } => ItemType::Settings,
            Body::Search { .. } => ItemType::Search,
        }
    }

    /// The steps of a stepped simulation (empty for other types).
    pub fn steps(&self) -> &[Step] {
        match self {
            Body::Mailbox { steps, .. }
            | Body::Form { steps, .. }
            | Body::Settings { steps, .. } => steps,
            _ => &[],
        }
    }
}

/// A checked bank item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BankItem {
    /// Stable id `<skill>.<NN>`, e.g. `mail.attach.03`. Never reused.
    pub id: String,
    /// Skill id.
    pub skill: String,
    /// Life cycle.
    pub status: Status,
    /// The question or task, FALC, at most [`crate::MAX_WORDS_PER_SENTENCE`] words per
    /// sentence.
    pub stem: String,
    /// What the read-aloud button says: the stem and the options in natural speech.
    pub read_aloud: String,
    /// Pictures shown with the stem.
    pub pictures: Vec<Picture>,
    /// What the person needs.
    pub requires: Vec<Requirement>,
    /// Items that must not appear in the same test (they give each other away).
    pub enemies: Vec<String>,
    /// Reviewer note (never shown).
    pub note: Option<String>,
    /// The CRCN level (1 to 8) the task corresponds to, where one does.
    pub crcn_level: Option<u8>,
    /// IRT parameters as written.
    pub irt: Irt,
    /// Options, answer, scene, steps.
    pub body: Body,
    /// The engine item built from `irt` by the engine's checked constructors.
    #[serde(skip)]
    pub(crate) engine: Item,
}

impl BankItem {
    /// The type of the item.
    pub fn item_type(&self) -> ItemType {
        self.body.item_type()
    }

    /// The engine item (checked parameters), for the adaptive test.
    pub fn engine_item(&self) -> &Item {
        &self.engine
    }

    /// Highest score: 1, or the number of steps of a stepped simulation.
    pub fn max_score(&self) -> usize {
        self.engine.max_score()
    }
}
