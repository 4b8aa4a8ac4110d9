//! Administration operations of the command line (`repere structure
//! add|set-tz|set-location`, `user add|passwd|disable|enable`, `kiosk add|code`,
//! `export`, `backup`, `purge`, `compact`, `result data|delete`, `stats`, `places
//! import|suggest|local|mark`), and the account and kiosk changes the HTTP API
//! shares with them.
//!
//! sled lets one process open a store. So each operation runs either directly on the
//! store (no server running), or inside the running server, which receives it on
//! its local administration endpoint (`POST /api/local`, see [`crate::local`]).
//! Both paths call [`run`]: same checks, same records.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::auth;
use crate::clock::{check_tz, Clock, DAY_MS};
use crate::export::{self, Format, Kind};
use crate::records::{Kiosk, Millis, PairingCode, Role, Structure, User, SCHEMA_VERSION};
use crate::store::{BackupReport, CompactReport, PurgeReport, Stats, Store, StoreError};
use crate::view::ProfileFilter;

/// Abandoned screenings (no result) are removed after this long.
pub const SCREENING_TTL_MS: i64 = DAY_MS;

/// Days a kiosk's pairing code stays valid (said wherever the code is shown).
pub const PAIRING_VALID_DAYS: i64 = 7;

/// One operation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminOp {
    /// Adds a structure.
    AddStructure {
        /// Name.
        name: String,
        /// IANA time zone (default Europe/Paris).
        #[serde(default)]
        tz: Option<String>,
    },
    /// Sets the time zone of a structure.
    SetStructureTz {
        /// Structure id.
        structure: u64,
        /// IANA time zone.
        tz: String,
    },
    /// Requires (or not) a second factor of a structure's admins.
    SetSecondFactorRequired {
        /// Structure id.
        structure: u64,
        /// Whether its admins must have one.
        required: bool,
    },
    /// Lists the structures.
    ListStructures,
    /// Adds an account.
    AddUser {
        /// Structure id.
        structure: u64,
        /// Role.
        role: Role,
        /// Login.
        login: String,
        /// Password (hashed on arrival).
        password: String,
    },
    /// Sets the password of an account (its login sessions end).
    SetPassword {
        /// Login.
        login: String,
        /// New password (hashed on arrival).
        password: String,
    },
    /// Removes an account's second factor (a lost phone); it sets one up again.
    ResetSecondFactor {
        /// Login.
        login: String,
    },
    /// Disables (`active: false`) or re-enables an account.
    SetActive {
        /// Login.
        login: String,
        /// Whether the account may log in.
        active: bool,
    },
    /// Adds a kiosk and returns its pairing code.
    AddKiosk {
        /// Structure id.
        structure: u64,
        /// Name.
        name: String,
    },
    /// Gives a kiosk a new pairing code (to install it on another device, or again).
    KioskCode {
        /// Kiosk id.
        kiosk: u64,
    },
    /// Exports a structure's profiles.
    Export {
        /// Structure id.
        structure: u64,
        /// Format.
        format: Format,
        /// The trainer's export or the technical one.
        #[serde(default)]
        kind: Kind,
    },
    /// Copies the store into a new folder (absolute path).
    Backup {
        /// Target folder.
        dir: PathBuf,
    },
    /// Deletes what is past the retention period.
    Purge {
        /// Retention in days.
        retention_days: u32,
    },
    /// Rewrites the store without what deleted records left (`repere compact`).
    Compact,
    /// Everything stored about a result (`repere result data`).
    ResultData {
        /// Result code.
        code: String,
    },
    /// Deletes a result (`repere result delete`).
    ResultDelete {
        /// Result code.
        code: String,
    },
    /// Counts records.
    Stats,
    /// Imports a file of mediation places (absolute path), replacing the previous
    /// import.
    ImportPlaces {
        /// The file.
        path: PathBuf,
    },
    /// The places suggested for a modality and needs from a point.
    SuggestPlaces {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
        /// Modality id of the référentiel.
        modality: String,
        /// Services (schema strings).
        #[serde(default)]
        services: Vec<String>,
        /// Specific needs (ids).
        #[serde(default)]
        needs: Vec<String>,
        /// How many.
        limit: usize,
        /// A structure whose own places and marks count.
        #[serde(default)]
        structure: Option<u64>,
    },
    /// Sets a structure's location.
    SetStructureLocation {
        /// Structure id.
        structure: u64,
        /// INSEE code.
        #[serde(default)]
        code_insee: Option<String>,
        /// Postcode.
        #[serde(default)]
        code_postal: Option<String>,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// Replaces a structure's own places by those of a file (absolute path).
    SetLocalPlaces {
        /// Structure id.
        structure: u64,
        /// The file.
        path: PathBuf,
        /// How they relate to the structure.
        relation: repere_items::places::Relation,
    },
    /// Marks (or unmarks, `relation: none`) a place of the national file for a
    /// structure.
    MarkPlace {
        /// Structure id.
        structure: u64,
        /// The file's id of the place.
        place: String,
        /// Same building, partner, or none (removes the mark).
        relation: repere_items::places::Relation,
    },
}

/// What an operation returns.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum AdminReply {
    /// A structure was added.
    Structure {
        /// Its id.
        id: u64,
    },
    /// The structures: (id, name, time zone).
    Structures {
        /// Id, name and time zone of each.
        list: Vec<(u64, String, String)>,
    },
    /// A structure's time zone was set.
    StructureTz {
        /// Structure id.
        id: u64,
        /// Canonical IANA name.
        tz: String,
    },
    /// A structure's second-factor requirement was set.
    SecondFactorRequired {
        /// Structure id.
        id: u64,
        /// Whether its admins must have one.
        required: bool,
    },
    /// An account's second factor was removed.
    SecondFactorReset {
        /// Its id.
        id: u64,
        /// Whether it had one (active or being set up).
        had: bool,
    },
    /// An account was changed (password, active or not).
    UserChanged {
        /// Its id.
        id: u64,
        /// Whether it may log in.
        active: bool,
        /// Login sessions ended by the change.
        sessions_ended: usize,
    },
    /// An account was added.
    User {
        /// Its id.
        id: u64,
    },
    /// A kiosk was added, or given a new pairing code.
    Kiosk {
        /// Its id.
        id: u64,
        /// Its structure.
        structure: u64,
        /// Its pairing code (`XXXX-XXXX-XX`), shown once.
        code: String,
        /// When the code stops working.
        expires_at: Millis,
    },
    /// An export.
    Export {
        /// The file's content (CSV with BOM, or JSON).
        content: String,
        /// Profiles written.
        rows: usize,
        /// Records skipped because they could not be decoded.
        corrupt: usize,
    },
    /// A backup was written.
    Backup(BackupReport),
    /// A purge ran.
    Purge(PurgeReport),
    /// A compaction ran.
    Compact(CompactReport),
    /// What is stored about a result, as JSON text.
    ResultData {
        /// `{"code", "profile", "session"}`, pretty-printed.
        content: String,
    },
    /// A result was deleted.
    ResultDeleted {
        /// Its code.
        code: String,
    },
    /// Counts.
    Stats(Stats),
    /// Places were imported (national file, or a structure's own places).
    PlacesImported(crate::places::ImportReport),
    /// Suggested places, best first.
    Places {
        /// The places.
        list: Vec<repere_items::places::Suggestion>,
    },
    /// A structure's places settings as they are now.
    StructurePlaces(crate::records::StructurePlaces),
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Bad input (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::LoginTaken(_) | StoreError::NoStructure(_) | StoreError::NoUser(_) => {
                AdminError::Input(e.to_string())
            }
            other => AdminError::Other(other.to_string()),
        }
    }
}

/// Checks a name (structure, kiosk): 1 to 120 characters, no control character.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 120 || n.chars().any(char::is_control) {
        return Err("Le nom doit faire de 1 à 120 caractères, sans caractère de contrôle.".into());
    }
    Ok(n.to_string())
}

/// How a new account gets its login.
#[derive(Clone, Copy, Debug)]
pub enum NewLogin<'a> {
    /// This login, normalised (the operator's command line, which sees every
    /// structure anyway, and the demo accounts).
    Given(&'a str),
    /// One the server makes from this name (an admin's screen): the name
    /// (normalised), a dot and a random tag (`marie.k7p2`,
    /// [`crate::code::generate_tag`]); a login already taken is retried with
    /// another tag, silently. Unique by construction, so the answer never depends
    /// on the logins of other structures (an admin cannot probe them).
    MadeFrom(&'a str),
}

/// Logins tried for one new account before giving up: with 27⁴ tags per name, a
/// collision is rare and twenty in a row do not happen.
const TAG_TRIES: usize = 20;

/// Checks the name an admin gives a new account: a login short enough for its tag.
pub fn account_name(name: &str) -> Result<String, String> {
    let max = auth::MAX_LOGIN_LEN - 1 - crate::code::TAG_LEN;
    match auth::normalise_login(name) {
        Ok(n) if n.len() <= max => Ok(n),
        _ => Err(format!(
            "Le nom doit faire de 2 à {max} caractères : lettres sans accent, chiffres, point, tiret ou tiret bas."
        )),
    }
}

/// Creates an account (checks, hashes the password, makes its login if asked).
/// Blocking: Argon2.
pub fn create_user(
    store: &dyn Store,
    clock: &Clock,
    structure: u64,
    role: Role,
    login: NewLogin<'_>,
    password: &str,
) -> Result<User, AdminError> {
    let (name, tries) = match login {
        NewLogin::Given(l) => (auth::normalise_login(l), 1),
        NewLogin::MadeFrom(n) => (account_name(n), TAG_TRIES),
    };
    let name = name.map_err(AdminError::Input)?;
    auth::check_password_policy(password, &[&name]).map_err(AdminError::Input)?;
    if store.structure(structure)?.is_none() {
        return Err(AdminError::Input(format!(
            "structure {structure} does not exist"
        )));
    }
    let mut user = User {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        login: name.clone(),
        role,
        structure,
        password_hash: auth::hash_password(password).map_err(AdminError::Other)?,
        created_at: clock.now_ms(),
        disabled: false,
        second_factor: None,
        second_factor_pending: None,
    };
    for _ in 0..tries {
        if let NewLogin::MadeFrom(_) = login {
            let tag = crate::code::generate_tag()
                .map_err(|e| AdminError::Other(format!("no random source: {e}")))?;
            user.login = format!("{name}.{tag}");
        }
        match store.add_user(&user) {
            Err(StoreError::LoginTaken(_)) if matches!(login, NewLogin::MadeFrom(_)) => continue,
            other => return other.map(|()| user).map_err(AdminError::from),
        }
    }
    Err(AdminError::Other(format!(
        "no free login for {name:?} after {TAG_TRIES} tags"
    )))
}

/// A new pairing code made at `now`: the code to show (once) and what the store
/// keeps of it (its SHA-256 and expiry).
pub fn new_pairing_code(now: Millis) -> Result<(String, PairingCode), AdminError> {
    let code = crate::code::generate_pairing()
        .map_err(|e| AdminError::Other(format!("no random source: {e}")))?;
    let pairing = PairingCode {
        code_hash: auth::token_digest(&code),
        created_at: now,
        expires_at: now.saturating_add(PAIRING_VALID_DAYS * DAY_MS),
    };
    Ok((code, pairing))
}

/// Creates a kiosk with a pairing code and no device yet; returns it with the code
/// (shown once).
pub fn create_kiosk(
    store: &dyn Store,
    clock: &Clock,
    structure: u64,
    name: &str,
) -> Result<(Kiosk, String), AdminError> {
    let name = check_name(name).map_err(AdminError::Input)?;
    if store.structure(structure)?.is_none() {
        return Err(AdminError::Input(format!(
            "structure {structure} does not exist"
        )));
    }
    let now = clock.now_ms();
    let (code, pairing) = new_pairing_code(now)?;
    let kiosk = Kiosk {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        structure,
        name,
        token_hash: None,
        paired_at: None,
        pairing: Some(pairing),
        created_at: now,
    };
    store.add_kiosk(&kiosk)?;
    Ok((kiosk, code))
}

/// Gives kiosk `id` a new pairing code (the previous one stops working; the
/// paired device, if any, keeps working until the new code is used). Returns the
/// kiosk and the code (shown once), `None` if there is no such kiosk.
pub fn renew_kiosk_code(
    store: &dyn Store,
    clock: &Clock,
    id: u64,
) -> Result<Option<(Kiosk, String)>, AdminError> {
    let (code, pairing) = new_pairing_code(clock.now_ms())?;
    Ok(store.set_kiosk_pairing(id, &pairing)?.map(|k| (k, code)))
}

/// Creates a structure; `tz` is an IANA time zone (default
/// [`crate::clock::DEFAULT_TZ`], then not stored).
pub fn create_structure(
    store: &dyn Store,
    clock: &Clock,
    name: &str,
    tz: Option<&str>,
) -> Result<Structure, AdminError> {
    let name = check_name(name).map_err(AdminError::Input)?;
    let tz = tz.map(check_tz).transpose().map_err(AdminError::Input)?;
    let s = Structure {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        name,
        created_at: clock.now_ms(),
        tz,
        second_factor_required: false,
    };
    store.add_structure(&s)?;
    Ok(s)
}

/// Sets the time zone of a structure; returns its canonical name.
pub fn set_structure_tz(store: &dyn Store, structure: u64, tz: &str) -> Result<String, AdminError> {
    let tz = check_tz(tz).map_err(AdminError::Input)?;
    let Some(mut s) = store.structure(structure)? else {
        return Err(AdminError::Input(format!(
            "structure {structure} does not exist"
        )));
    };
    s.tz = Some(tz.clone());
    store.update_structure(&s)?;
    Ok(tz)
}

/// Requires (or not) a second factor of the admins of `structure`.
pub fn set_second_factor_required(
    store: &dyn Store,
    structure: u64,
    required: bool,
) -> Result<(), AdminError> {
    let Some(mut s) = store.structure(structure)? else {
        return Err(AdminError::Input(format!(
            "structure {structure} does not exist"
        )));
    };
    s.second_factor_required = required;
    store.update_structure(&s)?;
    Ok(())
}

/// Account changes that read other accounts (the last active admin) run one at a
/// time, so two admins disabling each other at once cannot both succeed.
static ACCOUNT_CHANGES: Mutex<()> = Mutex::new(());

/// Why an account change was refused, for messages in French (HTTP) or English
/// (command line).
#[derive(Debug, PartialEq, Eq)]
pub enum AccountRefusal {
    /// The account is the last active admin of its structure.
    LastAdmin,
}

/// An account change failed.
#[derive(Debug)]
pub enum AccountError {
    /// Refused by a rule.
    Refused(AccountRefusal),
    /// Bad input or a storage failure.
    Admin(AdminError),
}

impl From<AdminError> for AccountError {
    fn from(e: AdminError) -> Self {
        AccountError::Admin(e)
    }
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        AccountError::Admin(e.into())
    }
}

/// Sets a new password for `user` (policy checked, Argon2id) and ends its login
/// sessions except `keep` (the token hash of the session that asked, when a person
/// changes their own password). Returns the sessions ended. Blocking: Argon2.
pub fn set_password(
    store: &dyn Store,
    user: &User,
    password: &str,
    keep: Option<&str>,
) -> Result<usize, AdminError> {
    auth::check_password_policy(password, &[&user.login]).map_err(AdminError::Input)?;
    let hash = auth::hash_password(password).map_err(AdminError::Other)?;
    let _one = ACCOUNT_CHANGES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut current = store.user(user.id)?.ok_or(StoreError::NoUser(user.id))?;
    current.password_hash = hash;
    store.update_user(&current)?;
    Ok(store.remove_logins_of(user.id, keep)?)
}

/// Disables (`active == false`) or re-enables an account. Disabling ends its login
/// sessions at once, and is refused for the last active admin of a structure (it
/// would leave nobody to manage its accounts). Returns the sessions ended.
pub fn set_active(store: &dyn Store, user: &User, active: bool) -> Result<usize, AccountError> {
    let _one = ACCOUNT_CHANGES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut current = store.user(user.id)?.ok_or(StoreError::NoUser(user.id))?;
    if !active && !current.disabled && current.role == Role::Admin {
        let other_admins = store
            .users_of_structure(current.structure)?
            .iter()
            .filter(|u| u.id != current.id && u.role == Role::Admin && !u.disabled)
            .count();
        if other_admins == 0 {
            return Err(AccountError::Refused(AccountRefusal::LastAdmin));
        }
    }
    current.disabled = !active;
    store.update_user(&current)?;
    if active {
        Ok(0)
    } else {
        Ok(store.remove_logins_of(current.id, None)?)
    }
}

/// A generated password, shown once: 16 symbols from an alphabet without look-alike
/// characters, in groups of four (`xxxx-xxxx-xxxx-xxxx`, 19 characters, ~80 bits).
pub fn generate_password() -> Result<String, String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::with_capacity(19);
    let mut n = 0;
    while n < 16 {
        let mut b = [0u8; 1];
        getrandom::fill(&mut b).map_err(|e| format!("no random source: {e}"))?;
        // Rejection sampling: no bias towards the first symbols.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(b[0]) >= limit {
            continue;
        }
        if n > 0 && n % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(b[0]) % ALPHABET.len()]));
        n += 1;
    }
    Ok(out)
}

fn user_by_login(store: &dyn Store, login: &str) -> Result<User, AdminError> {
    let login = auth::normalise_login(login).map_err(AdminError::Input)?;
    store
        .user_by_login(&login)?
        .ok_or_else(|| AdminError::Input(format!("no account has the login `{login}`")))
}

/// Deletes what is past the retention period, as of `clock`.
pub fn purge(
    store: &dyn Store,
    clock: &Clock,
    retention_days: u32,
) -> Result<PurgeReport, StoreError> {
    let now = clock.now_ms();
    let cutoff = now.saturating_sub(i64::from(retention_days).saturating_mul(DAY_MS));
    let report = store.purge(cutoff, now, now - SCREENING_TTL_MS)?;
    store.flush()?;
    tracing::info!(target: "security",
        results = report.results,
        logins = report.logins,
        screenings = report.screenings,
        pairing_codes = report.pairing_codes,
        retention_days,
        "purge"
    );
    Ok(report)
}

fn no_result(code: &str) -> AdminError {
    AdminError::Input(format!("no result has the code {code}"))
}

/// The canonical code and the result id of a code as typed.
fn result_by_code(store: &dyn Store, raw: &str) -> Result<(String, String), AdminError> {
    let code = crate::code::normalise(raw).ok_or_else(|| {
        AdminError::Input(format!(
            "`{raw}` is not a result code (8 characters, e.g. K7M4-QX2P)"
        ))
    })?;
    let id = store
        .result_id_by_code(&code)?
        .ok_or_else(|| no_result(&code))?;
    Ok((code, id))
}

fn kiosk_reply(kiosk: &Kiosk, code: String) -> AdminReply {
    AdminReply::Kiosk {
        id: kiosk.id,
        structure: kiosk.structure,
        expires_at: kiosk.pairing.as_ref().map_or(0, |p| p.expires_at),
        code,
    }
}

/// Runs one operation. Blocking.
pub fn run(store: &dyn Store, clock: &Clock, op: AdminOp) -> Result<AdminReply, AdminError> {
    match op {
        AdminOp::AddStructure { name, tz } => Ok(AdminReply::Structure {
            id: create_structure(store, clock, &name, tz.as_deref())?.id,
        }),
        AdminOp::SetStructureTz { structure, tz } => Ok(AdminReply::StructureTz {
            id: structure,
            tz: set_structure_tz(store, structure, &tz)?,
        }),
        AdminOp::ListStructures => Ok(AdminReply::Structures {
            list: store
                .structures()?
                .into_iter()
                .map(|s| {
                    let tz = s.tz.unwrap_or_else(|| crate::clock::DEFAULT_TZ.to_string());
                    (s.id, s.name, tz)
                })
                .collect(),
        }),
        AdminOp::SetSecondFactorRequired {
            structure,
            required,
        } => {
            set_second_factor_required(store, structure, required)?;
            tracing::info!(target: "security",
                structure,
                required,
                "second factor requirement set (command line)"
            );
            Ok(AdminReply::SecondFactorRequired {
                id: structure,
                required,
            })
        }
        AdminOp::ResetSecondFactor { login } => {
            let user = user_by_login(store, &login)?;
            let changed = store.modify_user(user.id, &|u: &mut User| {
                let had = u.second_factor.is_some() || u.second_factor_pending.is_some();
                u.second_factor = None;
                u.second_factor_pending = None;
                had
            })?;
            tracing::info!(target: "security",
                user = user.id,
                had = changed.is_some(),
                "second factor reset (command line)"
            );
            Ok(AdminReply::SecondFactorReset {
                id: user.id,
                had: changed.is_some(),
            })
        }
        AdminOp::SetPassword { login, password } => {
            let user = user_by_login(store, &login)?;
            let ended = set_password(store, &user, &password, None)?;
            tracing::info!(target: "security",
                user = user.id,
                sessions_ended = ended,
                "password set (command line)"
            );
            Ok(AdminReply::UserChanged {
                id: user.id,
                active: !user.disabled,
                sessions_ended: ended,
            })
        }
        AdminOp::SetActive { login, active } => {
            let user = user_by_login(store, &login)?;
            let ended = set_active(store, &user, active).map_err(|e| match e {
                AccountError::Refused(AccountRefusal::LastAdmin) => AdminError::Input(format!(
                    "`{}` is the last active admin of structure {}: enable or add another \
                     admin first",
                    user.login, user.structure
                )),
                AccountError::Admin(e) => e,
            })?;
            tracing::info!(target: "security",
                user = user.id,
                active,
                sessions_ended = ended,
                "account (command line)"
            );
            Ok(AdminReply::UserChanged {
                id: user.id,
                active,
                sessions_ended: ended,
            })
        }
        AdminOp::AddUser {
            structure,
            role,
            login,
            password,
        } => Ok(AdminReply::User {
            id: create_user(
                store,
                clock,
                structure,
                role,
                NewLogin::Given(&login),
                &password,
            )?
            .id,
        }),
        AdminOp::AddKiosk { structure, name } => {
            let (kiosk, code) = create_kiosk(store, clock, structure, &name)?;
            Ok(kiosk_reply(&kiosk, code))
        }
        AdminOp::KioskCode { kiosk } => {
            let (kiosk, code) = renew_kiosk_code(store, clock, kiosk)?
                .ok_or_else(|| AdminError::Input(format!("kiosk {kiosk} does not exist")))?;
            tracing::info!(target: "security",
                kiosk = kiosk.id,
                "kiosk pairing code renewed (command line)"
            );
            Ok(kiosk_reply(&kiosk, code))
        }
        AdminOp::Export {
            structure,
            format,
            kind,
        } => {
            if store.structure(structure)?.is_none() {
                return Err(AdminError::Input(format!(
                    "structure {structure} does not exist"
                )));
            }
            let bank = crate::outcome::bank().map_err(AdminError::Other)?;
            let mut out = Vec::new();
            let report = export::export_structure(
                store,
                bank,
                structure,
                &ProfileFilter::default(),
                format,
                kind,
                &mut out,
            )
            .map_err(|e| AdminError::Other(e.to_string()))?;
            let content = String::from_utf8(out).map_err(|e| AdminError::Other(e.to_string()))?;
            Ok(AdminReply::Export {
                content,
                rows: report.rows,
                corrupt: report.corrupt,
            })
        }
        AdminOp::Backup { dir } => Ok(AdminReply::Backup(store.backup_to(&dir)?)),
        AdminOp::Purge { retention_days } => {
            Ok(AdminReply::Purge(purge(store, clock, retention_days)?))
        }
        AdminOp::Compact => {
            let report = store.compact()?;
            tracing::info!(
                entries = report.entries,
                sealed = report.sealed,
                erased = report.erased,
                bytes_before = report.bytes_before,
                bytes_after = report.bytes_after,
                "store compacted"
            );
            Ok(AdminReply::Compact(report))
        }
        AdminOp::ResultData { code } => {
            let (code, id) = result_by_code(store, &code)?;
            let profile = store.profile(&id)?.ok_or_else(|| no_result(&code))?;
            let session = store.session(&id)?;
            let content = serde_json::to_string_pretty(&serde_json::json!({
                "code": code,
                "profile": profile,
                "session": session,
            }))
            .map_err(|e| AdminError::Other(e.to_string()))?;
            tracing::info!("personal data exported (command line)");
            Ok(AdminReply::ResultData { content })
        }
        AdminOp::ResultDelete { code } => {
            let (code, id) = result_by_code(store, &code)?;
            if !store.delete_result(&id)? {
                return Err(no_result(&code));
            }
            store.flush()?;
            tracing::info!("result deleted (command line)");
            Ok(AdminReply::ResultDeleted { code })
        }
        AdminOp::Stats => Ok(AdminReply::Stats(store.stats()?)),
        AdminOp::ImportPlaces { path } => match crate::places::import(store, &path)? {
            Ok(report) => Ok(AdminReply::PlacesImported(report)),
            Err(message) => Err(AdminError::Input(message)),
        },
        AdminOp::SuggestPlaces {
            lat,
            lon,
            modality,
            services,
            needs,
            limit,
            structure,
        } => {
            let bank = crate::outcome::bank().map_err(AdminError::Other)?;
            let needs = crate::places::needs_of(bank, &modality, &services, &needs)
                .map_err(AdminError::Input)?;
            let point = repere_items::places::Point::new(lat, lon).ok_or_else(|| {
                AdminError::Input(format!(
                    "--lat {lat} --lon {lon}: latitude −90 to 90, longitude −180 to 180"
                ))
            })?;
            let sp = match structure {
                Some(id) => {
                    if store.structure(id)?.is_none() {
                        return Err(AdminError::Input(format!("structure {id} does not exist")));
                    }
                    Some(store.structure_places(id)?)
                }
                None => None,
            };
            let index = crate::places::PlaceIndex::load(store)?;
            let origin = repere_items::places::Origin {
                point: Some(point),
                ..Default::default()
            };
            Ok(AdminReply::Places {
                list: crate::places::suggest(&index, sp.as_ref(), &origin, &needs, limit),
            })
        }
        AdminOp::SetStructureLocation {
            structure,
            code_insee,
            code_postal,
            lat,
            lon,
        } => {
            let location = crate::places::check_location(
                code_insee.as_deref(),
                code_postal.as_deref(),
                lat,
                lon,
            )
            .map_err(AdminError::Input)?;
            Ok(AdminReply::StructurePlaces(crate::places::set_location(
                store, structure, location,
            )?))
        }
        AdminOp::SetLocalPlaces {
            structure,
            path,
            relation,
        } => match crate::places::set_local_places(store, structure, &path, relation)? {
            Ok(report) => Ok(AdminReply::PlacesImported(report)),
            Err(message) => Err(AdminError::Input(message)),
        },
        AdminOp::MarkPlace {
            structure,
            place,
            relation,
        } => {
            let place = place.trim();
            if place.is_empty() {
                return Err(AdminError::Input("the place's id is empty".into()));
            }
            Ok(AdminReply::StructurePlaces(crate::places::mark(
                store,
                structure,
                place,
                Some(relation),
            )?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sled_store::tests::temp_store;

    #[test]
    fn logins_made_from_a_name_are_tagged_and_distinct_and_given_ones_kept() {
        let t = temp_store();
        let clock = Clock::system();
        let st = create_structure(&t.store, &clock, "S", None).expect("structure");
        let add = |login: NewLogin<'_>| {
            create_user(
                &t.store,
                &clock,
                st.id,
                Role::Agent,
                login,
                "un-mot-de-passe-assez-long",
            )
        };
        // A login given is kept, and refused when taken.
        assert_eq!(add(NewLogin::Given("Marie")).expect("given").login, "marie");
        assert!(matches!(
            add(NewLogin::Given("marie")),
            Err(AdminError::Input(_))
        ));
        // Made from a name: the name of an account that exists is no refusal.
        let mut logins = std::collections::BTreeSet::new();
        for _ in 0..40 {
            let u = add(NewLogin::MadeFrom(" Marie ")).expect("made");
            let tag = u.login.strip_prefix("marie.").expect("the name, a dot");
            assert_eq!(tag.len(), crate::code::TAG_LEN, "{}", u.login);
            let stored = t
                .store
                .user_by_login(&u.login)
                .expect("read")
                .expect("there");
            assert_eq!((stored.id, stored.structure), (u.id, st.id));
            logins.insert(u.login);
        }
        assert_eq!(logins.len(), 40);
        let long = "a".repeat(auth::MAX_LOGIN_LEN - 5);
        let u = add(NewLogin::MadeFrom(&long)).expect("59");
        assert_eq!(u.login.len(), auth::MAX_LOGIN_LEN);
        let err = add(NewLogin::MadeFrom(&format!("{long}a"))).expect_err("60 characters");
        assert!(err.to_string().contains("de 2 à 59 caractères"), "{err}");
    }

    #[test]
    fn the_last_active_admin_stays_and_disabling_ends_sessions() {
        let t = temp_store();
        let clock = Clock::system();
        let st = create_structure(&t.store, &clock, "S", None).expect("structure");
        let other =
            create_structure(&t.store, &clock, "T", Some("indian/reunion")).expect("structure");
        assert_eq!(
            t.store
                .structure(other.id)
                .expect("get")
                .and_then(|s| s.tz)
                .as_deref(),
            Some("Indian/Reunion")
        );
        assert!(matches!(
            create_structure(&t.store, &clock, "U", Some("Mars/Base")),
            Err(AdminError::Input(_))
        ));
        let pw = "un-mot-de-passe-long";
        let admin = |structure: u64, login: &str| {
            create_user(
                &t.store,
                &clock,
                structure,
                Role::Admin,
                NewLogin::Given(login),
                pw,
            )
            .expect("admin")
        };
        let a1 = admin(st.id, "a1");
        let a2 = admin(st.id, "a2");
        // An admin of another structure does not count.
        admin(other.id, "b1");
        let login = crate::records::LoginSession {
            v: SCHEMA_VERSION,
            user: a2.id,
            csrf: "c".into(),
            created_at: 0,
            expires_at: i64::MAX,
        };
        t.store.put_login("x", &login).expect("login");
        assert_eq!(set_active(&t.store, &a2, false).ok(), Some(1));
        assert!(t.store.login("x").expect("get").is_none());
        assert!(matches!(
            set_active(&t.store, &a1, false),
            Err(AccountError::Refused(AccountRefusal::LastAdmin))
        ));
        assert!(!t.store.user(a1.id).expect("get").expect("there").disabled);
        assert_eq!(set_active(&t.store, &a2, true).ok(), Some(0));
        assert_eq!(set_active(&t.store, &a1, false).ok(), Some(0));
        // Passwords: the policy holds (12 characters), the new one works.
        assert!(matches!(
            set_password(&t.store, &a2, "court-11car", None),
            Err(AdminError::Input(_))
        ));
        set_password(&t.store, &a2, "nouveau-mot-de-passe", None).expect("set");
        let h = t
            .store
            .user(a2.id)
            .expect("get")
            .expect("there")
            .password_hash;
        assert!(auth::verify_password(&h, "nouveau-mot-de-passe"));
        assert!(!auth::verify_password(&h, pw));
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate_password().expect("random");
        let b = generate_password().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(auth::check_password_policy(&a, &["marie"]).is_ok());
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(a
            .chars()
            .all(|c| c == '-' || "abcdefghjkmnpqrstuvwxyz23456789".contains(c)));
    }
}
