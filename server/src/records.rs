//! What the store holds, one struct per kind of record.
//!
//! Every record carries `v`, its schema version ([`SCHEMA_VERSION`]). A record is
//! encoded as JSON: tolerant of added optional fields, and readable with any tool
//! when something goes wrong (results and screenings once opened: the store seals
//! them, see [`crate::store::sealed`]). A record that cannot be decoded is reported (with its
//! tree and key) and left in place, never deleted or overwritten.

use serde::{Deserialize, Serialize};

use repere_items::assessment::ContextAnswer;

use crate::outcome::Outcome;
use crate::submission::AnswerLog;

/// Version of the records' schema written by this server.
pub const SCHEMA_VERSION: u32 = 1;

fn v1() -> u32 {
    SCHEMA_VERSION
}

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// A structure: a post office, a mediation place, a social centre.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Structure {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// Id (printed by `repere structure add`).
    pub id: u64,
    /// Name ("Bureau de poste de Guéret").
    pub name: String,
    /// Creation time.
    pub created_at: Millis,
    /// IANA time zone of the dates its people read (exports, sheets, screens);
    /// `None`: [`crate::clock::DEFAULT_TZ`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// Its admins must have a second factor ([`SecondFactor`]): one without it is
    /// sent to set it up at login and can do nothing else until done. Absent in
    /// records written before second factors existed: not required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_factor_required: bool,
}

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the accounts and kiosks of the structure.
    Admin,
    /// Screens people at the counter.
    Agent,
    /// Reads and exports profiles, forms groups.
    Trainer,
}

impl Role {
    /// The name used in the command line and the API.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Trainer => "trainer",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrateur",
            Role::Agent => "Agent",
            Role::Trainer => "Médiateur",
        }
    }

    /// Parses `admin`, `agent` or `trainer`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "agent" => Some(Role::Agent),
            "trainer" => Some(Role::Trainer),
            _ => None,
        }
    }
}

/// A staff account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// Id.
    pub id: u64,
    /// Login, lowercase, unique across the server.
    pub login: String,
    /// Role.
    pub role: Role,
    /// The one structure the account belongs to.
    pub structure: u64,
    /// Argon2id hash in PHC string format.
    pub password_hash: String,
    /// Creation time.
    pub created_at: Millis,
    /// A disabled account cannot log in; its login sessions ended when it was
    /// disabled.
    #[serde(default)]
    pub disabled: bool,
    /// The account's second factor, once set up and confirmed. Absent in records
    /// written before second factors existed: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<SecondFactor>,
    /// A second factor being set up: shown to the person, not yet confirmed by a
    /// right code, not asked at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor_pending: Option<PendingSecondFactor>,
}

impl User {
    /// Whether a login of this account asks for a second factor.
    pub fn has_second_factor(&self) -> bool {
        self.second_factor.is_some()
    }
}

/// A confirmed second factor: a TOTP secret (RFC 6238: HMAC-SHA-1, 6 digits,
/// 30-second steps) and one-time recovery codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The shared secret (160 random bits), base32 as in the `otpauth://` address.
    /// The store seals it with a key of its own (`store::secrets`).
    pub secret: String,
    /// When it was confirmed.
    pub enabled_at: Millis,
    /// The last time step whose code was accepted: a code is accepted once, and no
    /// older one after it.
    #[serde(default)]
    pub last_step: u64,
    /// SHA-256 (hex) of each recovery code not yet used.
    #[serde(default)]
    pub recovery: Vec<String>,
}

/// A second factor shown but not yet confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSecondFactor {
    /// The secret, base32 (sealed by the store as a confirmed one is).
    pub secret: String,
    /// When it was made (it is refused some time after: [`crate::totp::PENDING_TTL_MS`]).
    pub created_at: Millis,
}

/// A login whose password was right, waiting for its second factor: the browser
/// holds a random token, the store its SHA-256 with this record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginChallenge {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// The account.
    pub user: u64,
    /// When the password was checked.
    pub created_at: Millis,
    /// After this the challenge is refused (and purged).
    pub expires_at: Millis,
    /// Wrong codes typed for it; at [`crate::totp::CHALLENGE_MAX_FAILURES`] it ends.
    #[serde(default)]
    pub failures: u32,
}

/// A kiosk: a device of a structure where people test themselves; no login.
///
/// The admin gives a short one-time *pairing code*; the device that types it at
/// `/borne` gets a random *device token* (in its cookie, or sent in
/// `X-Kiosk-Token`), with which it submits results for the structure. The store
/// keeps only the SHA-256 of each. Records written before pairing codes existed
/// have a token and no pairing fields: they read as a paired kiosk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kiosk {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// Id.
    pub id: u64,
    /// Structure.
    pub structure: u64,
    /// Name ("Borne de l'entrée").
    pub name: String,
    /// SHA-256 of the device token, hex; `None` while no device is paired (the
    /// token itself lives only in the device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    /// When the device of `token_hash` was paired (`None` for records older than
    /// pairing codes, and while no device is paired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_at: Option<Millis>,
    /// The pairing code waiting to be used, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing: Option<PairingCode>,
    /// Creation time.
    pub created_at: Millis,
}

/// A kiosk's pairing code waiting to be typed: usable once, until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    /// SHA-256 of the canonical code (`XXXX-XXXX-XX`), hex.
    pub code_hash: String,
    /// When it was made.
    pub created_at: Millis,
    /// After this it is refused.
    pub expires_at: Millis,
}

/// A logged-in browser: the cookie holds a random token, the store its SHA-256.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginSession {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// The account.
    pub user: u64,
    /// The CSRF token every state-changing request must send in `X-CSRF-Token`.
    pub csrf: String,
    /// Login time.
    pub created_at: Millis,
    /// After this the session is refused (and purged).
    pub expires_at: Millis,
}

/// A screening started by an agent for a person at the counter, waiting for its
/// result. The person's first name or initials are kept only with their consent,
/// and move into the result when it arrives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// Random id.
    pub id: String,
    /// Structure of the agent.
    pub structure: u64,
    /// The agent.
    pub agent: u64,
    /// First name or initials, only with consent.
    pub person: Option<String>,
    /// When consent was given (set iff `person` is).
    pub consent_at: Option<Millis>,
    /// Creation time.
    pub created_at: Millis,
}

/// Who sent a result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// An agent at the counter (a screening).
    Agent {
        /// The agent's account.
        user: u64,
    },
    /// A registered kiosk.
    Kiosk {
        /// The kiosk.
        kiosk: u64,
    },
    /// A browser with no token (self-test on any device).
    Anonymous,
}

impl Source {
    /// French label for exports.
    pub fn label(&self) -> &'static str {
        match self {
            Source::Agent { .. } => "Au guichet",
            Source::Kiosk { .. } => "Borne",
            Source::Anonymous => "En autonomie",
        }
    }
}

/// The raw answer log of one test, as received (tree `sessions`). Never rewritten:
/// profiles can be recomputed from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// The client's UUID.
    pub id: String,
    /// Server time of reception.
    pub received_at: Millis,
    /// Who sent it.
    pub source: Source,
    /// The log ([`repere_items::assessment::AnswerLog`]).
    pub submission: AnswerLog,
}

/// The profile derived from a session, with what lists and exports need (tree
/// `profiles`, same key as the session).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// The client's UUID (the session's key).
    pub id: String,
    /// Result code `XXXX-XXXX`.
    pub code: String,
    /// Server time of reception.
    pub received_at: Millis,
    /// Who sent it.
    pub source: Source,
    /// Structure it belongs to; `None` for an anonymous result not yet attached.
    pub structure: Option<u64>,
    /// When an anonymous result was attached to a structure.
    #[serde(default)]
    pub attached_at: Option<Millis>,
    /// First name or initials (screenings with consent only).
    #[serde(default)]
    pub person: Option<String>,
    /// When consent to keep `person` was given.
    #[serde(default)]
    pub consent_at: Option<Millis>,
    /// The answers to the context questions (equipment, e-mail, goals, sight),
    /// copied from the log for the exports. `None` in records stored before they
    /// were copied: the log (tree `sessions`) still has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextAnswer>>,
    /// What the server computed.
    pub outcome: Outcome,
}

/// Where a structure is, for the mediation places suggested to its people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// INSEE code of its town (places without coordinates in the same town can
    /// still be suggested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_insee: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_postal: Option<String>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
}

/// A structure's own place (one the national file lacks, or its own counter),
/// kept across imports of the national file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalPlace {
    /// Its relation to the structure (same building, partner, none).
    #[serde(default)]
    pub relation: repere_items::places::Relation,
    /// The place.
    pub place: repere_items::places::Place,
}

/// A place of the national file the structure marked (by the file's id), kept
/// across imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceMark {
    /// The file's id of the place.
    pub id: String,
    /// Same building or partner.
    pub relation: repere_items::places::Relation,
}

/// Everything about mediation places that belongs to one structure (tree
/// `structure_places`): its location, its own places, its marks on the national
/// file's places. An import of the national file leaves it alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StructurePlaces {
    /// Schema version.
    #[serde(default = "v1")]
    pub v: u32,
    /// The structure.
    pub structure: u64,
    /// Its location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Its own places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local: Vec<LocalPlace>,
    /// Its marks on the national file's places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<PlaceMark>,
}

impl StructurePlaces {
    /// Nothing set yet for `structure`.
    pub fn empty(structure: u64) -> StructurePlaces {
        StructurePlaces {
            v: SCHEMA_VERSION,
            structure,
            location: None,
            local: Vec::new(),
            marks: Vec::new(),
        }
    }
}
