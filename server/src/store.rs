//! Storage behind a small trait, so that a deployment with several servers can later
//! put the same records in PostgreSQL; [`sled_store::SledStore`] is the
//! implementation used today.
//!
//! Contract of every implementation:
//! - Writes of one operation are atomic (a result, its code and its indexes appear
//!   and disappear together).
//! - [`Store::flush`] returns once every write that returned before the call is
//!   durable. The server acknowledges a result only after such a flush
//!   ([`crate::commit`] batches them).
//! - A record that cannot be decoded is reported ([`StoreError::Corrupt`], or in a
//!   scan's [`ScanReport`]) and left untouched.
//! - Inserting a result whose id exists changes nothing and returns the stored
//!   result ([`Inserted::Existing`]): submissions are idempotent, also when two
//!   arrive at once.
//! - Deletion erases: once [`Store::delete_result`] or [`Store::purge`] returns, no
//!   file of the store holds the personal data of what they removed in a form
//!   anyone can read (see [`sled_store`] and its `sealed` module for how).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::records::{
    Kiosk, LoginChallenge, LoginSession, Millis, PairingCode, ProfileRecord, Screening,
    SessionRecord, Structure, StructurePlaces, User,
};

pub mod files;
pub mod sealed;
pub mod secrets;
pub mod sled_store;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (I/O, corruption of the database itself).
    #[error("storage error: {0}")]
    Backend(String),
    /// The disk holding the store is full (or the account's quota is reached):
    /// nothing more can be written until room is made.
    #[error("the disk holding the store is full: {0}")]
    Full(String),
    /// Another process holds the store (a running `repere serve`).
    #[error("the store in {0} is in use by another process (is `repere serve` running on it?)")]
    Locked(String),
    /// A record cannot be decoded; it is left in place.
    #[error("record `{key}` of `{tree}` cannot be decoded (left untouched): {error}")]
    Corrupt {
        /// Tree.
        tree: String,
        /// Key, printable.
        key: String,
        /// Decoder message.
        error: String,
    },
    /// The store was written by a newer Repère.
    #[error(
        "the store has schema version {found}; this server reads up to {supported}: upgrade Repère"
    )]
    NewerSchema {
        /// Version found.
        found: u32,
        /// Highest version this build reads.
        supported: u32,
    },
    /// A login is already used.
    #[error("the login `{0}` is already used")]
    LoginTaken(String),
    /// A structure id does not exist.
    #[error("structure {0} does not exist")]
    NoStructure(u64),
    /// An account id does not exist.
    #[error("account {0} does not exist")]
    NoUser(u64),
}

/// What [`Store::insert_result`] did.
#[derive(Debug)]
pub enum Inserted {
    /// The result is new and stored.
    New,
    /// A result with this id exists; nothing was written. The stored records.
    Existing(Box<(SessionRecord, ProfileRecord)>),
    /// The code is taken by another result; nothing was written: draw another.
    CodeTaken,
}

/// What [`Store::pair_kiosk`] did with a pairing code.
#[derive(Debug)]
pub enum KioskPairing {
    /// The code was valid: it is used up, and the kiosk has the new device token
    /// (the kiosk as it is now; `replaced`: another device's token stopped working).
    Paired {
        /// The kiosk after the change.
        kiosk: Kiosk,
        /// Whether a previous device token was replaced.
        replaced: bool,
    },
    /// The code belongs to a kiosk but is past its expiry; nothing changed.
    Expired,
    /// No kiosk waits for this code (wrong, used, replaced, or its kiosk removed).
    Unknown,
}

/// Records skipped by a scan because they could not be decoded.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// One line per record: tree, key, error.
    pub corrupt: Vec<String>,
}

/// Counts of records, for `repere stats` and tests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Structures.
    pub structures: usize,
    /// Accounts.
    pub users: usize,
    /// Kiosks.
    pub kiosks: usize,
    /// Results (sessions with their profile).
    pub results: usize,
    /// Results not attached to any structure.
    pub unattached: usize,
    /// Screenings waiting for their result.
    pub screenings: usize,
    /// Login sessions.
    pub logins: usize,
    /// Mediation places of the national file (current import).
    #[serde(default)]
    pub places: usize,
}

/// What [`Store::backup_to`] copied.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupReport {
    /// Collections copied.
    pub trees: usize,
    /// Entries copied.
    pub entries: usize,
}

/// What [`Store::compact`] did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompactReport {
    /// Collections copied.
    pub trees: usize,
    /// Entries copied.
    pub entries: usize,
    /// Records written in clear by an older Repère, sealed by the copy.
    pub sealed: usize,
    /// Results whose key was erased (a crash stopped their removal), left out.
    pub erased: usize,
    /// Keys kept (one per result or screening).
    pub keys: usize,
    /// Bytes of the store's files before.
    pub bytes_before: u64,
    /// Bytes of the store's files after.
    pub bytes_after: u64,
}

/// How long an expired pairing code is kept: whoever types it meanwhile is told it
/// expired and to ask for a new one (not that it is unknown).
pub const EXPIRED_CODE_KEPT_MS: Millis = 30 * crate::clock::DAY_MS;

/// What [`Store::purge`] deleted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PurgeReport {
    /// Results older than the retention period.
    pub results: usize,
    /// Expired login sessions.
    pub logins: usize,
    /// Abandoned screenings.
    pub screenings: usize,
    /// Kiosk pairing codes never typed, expired for [`EXPIRED_CODE_KEPT_MS`].
    #[serde(default)]
    pub pairing_codes: usize,
    /// Expired login challenges (a password checked, no second factor typed).
    #[serde(default)]
    pub challenges: usize,
}

/// A rate-limit window as kept by the store: within `limiter`, `key` (an account,
/// an address, a network, a kiosk) counted `count` events since `start`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitWindow {
    /// The limiter's name.
    pub limiter: String,
    /// What is counted.
    pub key: String,
    /// Start of the window (ms).
    pub start: Millis,
    /// Events counted in it.
    pub count: u32,
}

/// The records of Repère. Every method is blocking and short; callers on the async
/// runtime call it directly for point operations and through `spawn_blocking` for
/// scans, flushes and backups.
pub trait Store: Send + Sync + 'static {
    /// A new unique id for a structure, account or kiosk.
    fn next_id(&self) -> Result<u64, StoreError>;

    /// Adds a structure.
    fn add_structure(&self, structure: &Structure) -> Result<(), StoreError>;
    /// A structure by id.
    fn structure(&self, id: u64) -> Result<Option<Structure>, StoreError>;
    /// Every structure, by id.
    fn structures(&self) -> Result<Vec<Structure>, StoreError>;
    /// Replaces a structure (its name or time zone). Fails with
    /// [`StoreError::NoStructure`] if it does not exist.
    fn update_structure(&self, structure: &Structure) -> Result<(), StoreError>;

    /// Adds an account; fails if the login is taken or the structure unknown.
    fn add_user(&self, user: &User) -> Result<(), StoreError>;
    /// An account by id.
    fn user(&self, id: u64) -> Result<Option<User>, StoreError>;
    /// An account by login (lowercase).
    fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError>;
    /// The accounts of a structure, by id.
    fn users_of_structure(&self, structure: u64) -> Result<Vec<User>, StoreError>;
    /// Replaces an account (password, active or not); its id, login and structure
    /// stay. Fails with [`StoreError::NoUser`] if it does not exist.
    fn update_user(&self, user: &User) -> Result<(), StoreError>;
    /// Changes account `id` atomically: `change` gets the stored account and
    /// returns whether it changed it; a change is written in the same transaction
    /// as the read (two requests cannot both use one code). Returns the account as
    /// written, `None` if absent or left unchanged. `change` may run more than
    /// once (on a conflict): it must depend on the account only. Its login and
    /// structure cannot change.
    fn modify_user(
        &self,
        id: u64,
        change: &dyn Fn(&mut User) -> bool,
    ) -> Result<Option<User>, StoreError>;

    /// Adds a kiosk (and indexes its device token and pairing code, if it has
    /// them); fails if the structure is unknown.
    fn add_kiosk(&self, kiosk: &Kiosk) -> Result<(), StoreError>;
    /// A kiosk by id.
    fn kiosk(&self, id: u64) -> Result<Option<Kiosk>, StoreError>;
    /// A kiosk by the hash of its device token.
    fn kiosk_by_token_hash(&self, token_hash: &str) -> Result<Option<Kiosk>, StoreError>;
    /// The kiosks of a structure.
    fn kiosks_of_structure(&self, structure: u64) -> Result<Vec<Kiosk>, StoreError>;
    /// Gives kiosk `id` a new pairing code; the one it waited for, if any, stops
    /// working. The device token stays until the code is used. Returns the kiosk
    /// as it is now, `None` if absent.
    fn set_kiosk_pairing(
        &self,
        id: u64,
        pairing: &PairingCode,
    ) -> Result<Option<Kiosk>, StoreError>;
    /// Uses a pairing code, atomically: if a kiosk waits for `code_hash` and the
    /// code is not expired at `now`, the code is used up and `token_hash` becomes
    /// the kiosk's device token (replacing the previous one). Two devices typing
    /// the same code at once: one pairs, the other gets [`KioskPairing::Unknown`].
    fn pair_kiosk(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<KioskPairing, StoreError>;
    /// Ends the pairing of kiosk `id`'s device if its token is still `token_hash`
    /// (a newer device's pairing is left alone). True if a token was removed.
    fn unpair_kiosk(&self, id: u64, token_hash: &str) -> Result<bool, StoreError>;
    /// Removes a kiosk (its token and pairing code stop working). False if absent.
    fn remove_kiosk(&self, id: u64) -> Result<bool, StoreError>;

    /// Stores a login session under the hash of its cookie token.
    fn put_login(&self, token_hash: &str, session: &LoginSession) -> Result<(), StoreError>;
    /// A login session by token hash.
    fn login(&self, token_hash: &str) -> Result<Option<LoginSession>, StoreError>;
    /// Removes a login session.
    fn remove_login(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Removes every login session of account `user` except the one whose token
    /// hash is `keep`; returns how many were removed.
    fn remove_logins_of(&self, user: u64, keep: Option<&str>) -> Result<usize, StoreError>;

    /// Stores a login challenge (a right password waiting for its second factor)
    /// under the hash of its token, replacing one of the same hash.
    fn put_challenge(&self, token_hash: &str, challenge: &LoginChallenge)
        -> Result<(), StoreError>;
    /// A login challenge by token hash.
    fn challenge(&self, token_hash: &str) -> Result<Option<LoginChallenge>, StoreError>;
    /// Removes a login challenge; true if it was there (of two requests that use
    /// one challenge at once, one gets true).
    fn remove_challenge(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Stores a screening.
    fn put_screening(&self, screening: &Screening) -> Result<(), StoreError>;
    /// A screening by id.
    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError>;

    /// Stores a result (session and profile, code and indexes) atomically; when
    /// `screening` is given, removes that screening in the same step.
    fn insert_result(
        &self,
        session: &SessionRecord,
        profile: &ProfileRecord,
        screening: Option<&str>,
    ) -> Result<Inserted, StoreError>;
    /// The result id of a code (canonical `XXXX-XXXX`).
    fn result_id_by_code(&self, code: &str) -> Result<Option<String>, StoreError>;
    /// A profile by result id.
    fn profile(&self, id: &str) -> Result<Option<ProfileRecord>, StoreError>;
    /// A session (raw log) by result id.
    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Attaches an unattached result to a structure. Returns the profile as it is
    /// after the call (unchanged if it was already attached), `None` if absent.
    fn attach_result(
        &self,
        id: &str,
        structure: u64,
        at: Millis,
    ) -> Result<Option<ProfileRecord>, StoreError>;
    /// Deletes a result, its code and its indexes. False if absent.
    fn delete_result(&self, id: &str) -> Result<bool, StoreError>;
    /// Calls `visit` on the profiles of a structure received in `[from, to)`, oldest
    /// first.
    fn scan_profiles(
        &self,
        structure: u64,
        from: Option<Millis>,
        to: Option<Millis>,
        visit: &mut dyn FnMut(ProfileRecord),
    ) -> Result<ScanReport, StoreError>;

    /// Calls `visit` on every stored answer log, whoever sent it and whether or not
    /// it belongs to a structure, in key order. Logs that cannot be decoded are
    /// reported and skipped; the scan goes on.
    fn scan_sessions(&self, visit: &mut dyn FnMut(SessionRecord))
        -> Result<ScanReport, StoreError>;

    /// Deletes results received before `results_before`, login sessions and login
    /// challenges expired at `now`, kiosk pairing codes expired for [`EXPIRED_CODE_KEPT_MS`] at `now`, and
    /// screenings created before `screenings_before`.
    fn purge(
        &self,
        results_before: Millis,
        now: Millis,
        screenings_before: Millis,
    ) -> Result<PurgeReport, StoreError>;

    /// Replaces the imported mediation places (the national file) by `places`, at
    /// once for readers: they see the previous import until the new one is
    /// complete. Structures' own places and marks are not touched. Returns how
    /// many places the previous import held.
    fn replace_places(&self, places: &[repere_items::places::Place]) -> Result<usize, StoreError>;
    /// A number that changes with every import (0 before the first).
    fn places_generation(&self) -> Result<u64, StoreError>;
    /// Calls `visit` on every imported place of the current import. Places that
    /// cannot be decoded are reported and skipped.
    fn scan_places(
        &self,
        visit: &mut dyn FnMut(repere_items::places::Place),
    ) -> Result<ScanReport, StoreError>;
    /// A structure's location, own places and marks (empty when never set).
    fn structure_places(&self, structure: u64) -> Result<StructurePlaces, StoreError>;
    /// Replaces a structure's location, own places and marks. Fails with
    /// [`StoreError::NoStructure`] if the structure does not exist.
    fn put_structure_places(&self, places: &StructurePlaces) -> Result<(), StoreError>;

    /// Every rate-limit window kept (`crate::ratelimit`): limits survive a restart.
    fn limit_windows(&self) -> Result<Vec<LimitWindow>, StoreError>;
    /// Keeps a rate-limit window (replacing the one of the same limiter and key).
    fn put_limit_window(&self, window: &LimitWindow) -> Result<(), StoreError>;
    /// Forgets a rate-limit window.
    fn remove_limit_window(&self, limiter: &str, key: &str) -> Result<(), StoreError>;

    /// A value of the store's own metadata.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a metadata value.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Counts.
    fn stats(&self) -> Result<Stats, StoreError>;

    /// Makes every write that returned before this call durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// Writes a consistent copy of everything into a new store at `dir` (which must
    /// not exist or be empty); writes wait while it runs. The copy holds nothing of
    /// what was deleted before it.
    fn backup_to(&self, dir: &Path) -> Result<BackupReport, StoreError>;

    /// Rewrites the store so that its files hold nothing of deleted records (not
    /// even as noise) and no record in clear; writes wait while it runs.
    fn compact(&self) -> Result<CompactReport, StoreError>;
}
