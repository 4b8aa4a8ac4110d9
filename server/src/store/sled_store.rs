//! The sled implementation of [`Store`].
//!
//! One sled tree per kind of record, JSON values, plus secondary indexes:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | name | text (`schema`, `next_id`, `demo_structure`) |
//! | `structures`, `kiosks` | id (u64 big-endian) | record |
//! | `users` | id (u64 big-endian) | record, its TOTP secrets sealed ([`secrets`]) |
//! | `user_logins` | login | user id |
//! | `kiosk_tokens` | SHA-256 of the device token (hex) | kiosk id |
//! | `kiosk_codes` | SHA-256 of the pairing code (hex) | kiosk id |
//! | `logins` | SHA-256 of the cookie token (hex) | login session |
//! | `challenges` | SHA-256 of the challenge token (hex) | login waiting for its second factor |
//! | `screenings` | id | screening, sealed |
//! | `sessions`, `profiles` | result UUID | raw log, profile; sealed |
//! | `codes` | result code | result UUID |
//! | `profiles_by_structure` | structure (8) · received_at (8) · UUID | empty |
//! | `profiles_by_date` | received_at (8) · UUID | empty |
//! | `places` | import generation (8) · chunk number (4) | up to 500 mediation places, in the file's order |
//! | `structure_places` | structure id | location, own places, marks |
//!
//! An import of mediation places writes its places under a new generation, then
//! switches `meta/places_generation` (and `meta/places_count`) to it in one batch,
//! then removes the previous generation: readers see one whole import or the
//! other. Places are only ever read whole (the server's index), so they are kept
//! in chunks: a 50,000-row file is 100 values, not 50,000 (sled's per-key work
//! was most of an import's time). Neither tree holds anything about a person.
//!
//! Results and their indexes are written in one sled transaction. Every write holds
//! the read side of a gate that [`SledStore::backup_to`] and
//! [`SledStore::compact`] take for writing, so a copy sees no half-done operation.
//!
//! Results and screenings are sealed, each with a key of its own ([`sealed`]): a
//! result and its screening share one key, erased with the result. The TOTP
//! secrets in account records are sealed too, each with its key. sled's files
//! live in a store folder of the data folder ([`files`]); compaction and the
//! migration of a store written in clear copy the live records into a new store
//! folder and switch to it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{Transactional, Tree};

use super::files::{self, io_error};
use super::sealed::{self, Header, Key, Keyring};
use super::secrets::{self, USERS};
use super::{
    BackupReport, CompactReport, Inserted, KioskPairing, LimitWindow, PurgeReport, ScanReport,
    Stats, Store, StoreError, EXPIRED_CODE_KEPT_MS,
};
use crate::records::{
    Kiosk, LoginChallenge, LoginSession, Millis, PairingCode, ProfileRecord, Screening,
    SessionRecord, Structure, StructurePlaces, User, SCHEMA_VERSION,
};

/// Version of the store's layout, in `meta/schema`: 1, records in clear at the top
/// of the data folder; 2, sealed results and screenings in a store folder.
pub const STORE_SCHEMA: u32 = 2;

const PROFILES: &str = "profiles";
const SESSIONS: &str = "sessions";
const SCREENINGS: &str = "screenings";
const CODES: &str = "codes";
const BY_STRUCTURE: &str = "profiles_by_structure";
const BY_DATE: &str = "profiles_by_date";

fn backend(e: sled::Error) -> StoreError {
    match &e {
        sled::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) =>
        {
            StoreError::Full(e.to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => backend(e),
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn printable(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => s.to_string(),
        _ => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// The schema version of a record, read without decoding the rest.
#[derive(serde::Deserialize)]
struct Version {
    #[serde(default)]
    v: u64,
}

fn corrupt(tree: &str, key: &[u8], error: String) -> StoreError {
    StoreError::Corrupt {
        tree: tree.to_string(),
        key: printable(key),
        error,
    }
}

/// Decodes a record, refusing one written by a newer schema.
fn decode<T: DeserializeOwned>(tree: &str, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    // The decoder's position and category only: its full message may quote the
    // record's content, which can be personal data, and this error is logged.
    let describe = |e: serde_json::Error| {
        format!(
            "{:?} error at line {}, column {}",
            e.classify(),
            e.line(),
            e.column()
        )
    };
    let version: Version =
        serde_json::from_slice(bytes).map_err(|e| corrupt(tree, key, describe(e)))?;
    if version.v > u64::from(SCHEMA_VERSION) {
        return Err(corrupt(
            tree,
            key,
            format!(
                "schema version {} is newer than {SCHEMA_VERSION}",
                version.v
            ),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| corrupt(tree, key, describe(e)))
}

/// Mediation places per value of the `places` tree.
const PLACES_PER_CHUNK: usize = 500;

/// One value of the `places` tree (an object, as every record: see [`decode`]).
#[derive(serde::Deserialize)]
struct PlacesChunk {
    places: Vec<repere_items::places::Place>,
}

/// The same, written without copying the places.
#[derive(Serialize)]
struct PlacesChunkRef<'a> {
    places: &'a [repere_items::places::Place],
}

/// The key of chunk `n` of import generation `generation`.
fn places_key(generation: u64, n: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&generation.to_be_bytes());
    key[8..].copy_from_slice(&n.to_be_bytes());
    key
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Backend(format!("cannot encode a record: {e}")))
}

/// Records decoded together by a scan (about 12 MB of profiles).
const SCAN_BATCH: usize = 1024;

/// One record read by a scan: its key and bytes, or why an index entry has none.
enum Fetched {
    Found(Vec<u8>, sled::IVec),
    Missing(String),
}

/// How a copy maps one entry: the value to write, or `None` to leave it out.
type EntryMap<'a> = &'a mut dyn FnMut(&[u8], sled::IVec) -> Result<Option<Vec<u8>>, StoreError>;

/// How a scan decodes one record: `None` for a record whose key was erased.
type Decoder<'a, T> = &'a (dyn Fn(&[u8], &[u8]) -> Result<Option<T>, StoreError> + Sync);

/// Decodes the records of a scan and visits them in their order. Decoding is most
/// of a scan's time: records are read in batches, and a batch is decoded on every
/// core while the next one is read. Undecodable and missing records go to
/// `report` (the scan goes on); a read error stops it.
fn decode_in_order<T: Send>(
    decoder: Decoder<'_, T>,
    records: impl Iterator<Item = Result<Fetched, StoreError>>,
    report: &mut ScanReport,
    visit: &mut dyn FnMut(T),
) -> Result<(), StoreError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    std::thread::scope(|scope| {
        type Part<T> = Vec<Result<Option<T>, StoreError>>;
        let spawn = |batch: Vec<(Vec<u8>, sled::IVec)>| {
            let per = batch.len().div_ceil(threads).max(1);
            let mut records = batch.into_iter();
            let mut parts = Vec::with_capacity(threads);
            loop {
                let part: Vec<_> = records.by_ref().take(per).collect();
                if part.is_empty() {
                    break;
                }
                parts.push(scope.spawn(move || -> Part<T> {
                    part.iter()
                        .map(|(key, bytes)| decoder(key, bytes))
                        .collect()
                }));
            }
            parts
        };
        let mut deliver = |parts: Vec<std::thread::ScopedJoinHandle<'_, Part<T>>>,
                           report: &mut ScanReport| {
            for part in parts {
                // A decoder returns errors on bad bytes; should a thread die
                // anyway, its panic goes on (nothing is silently dropped).
                let decoded = part
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for record in decoded {
                    match record {
                        Ok(Some(r)) => visit(r),
                        Ok(None) => {}
                        Err(e) => report.corrupt.push(e.to_string()),
                    }
                }
            }
        };
        let mut batch = Vec::with_capacity(SCAN_BATCH);
        let mut in_flight = None;
        for record in records {
            match record? {
                Fetched::Missing(line) => report.corrupt.push(line),
                Fetched::Found(key, bytes) => batch.push((key, bytes)),
            }
            if batch.len() == SCAN_BATCH {
                let next = spawn(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(SCAN_BATCH),
                ));
                if let Some(previous) = in_flight.replace(next) {
                    deliver(previous, report);
                }
            }
        }
        if let Some(previous) = in_flight.take() {
            deliver(previous, report);
        }
        deliver(spawn(batch), report);
        Ok(())
    })
}

fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The id an account record's key holds (0 for a key of another length).
fn account_id(key: &[u8]) -> u64 {
    <[u8; 8]>::try_from(key).map_or(0, u64::from_be_bytes)
}

fn time_key(t: Millis) -> [u8; 8] {
    u64::try_from(t.max(0)).unwrap_or(0).to_be_bytes()
}

fn structure_key(structure: u64, t: Millis, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(16 + id.len());
    k.extend_from_slice(&id_key(structure));
    k.extend_from_slice(&time_key(t));
    k.extend_from_slice(id.as_bytes());
    k
}

fn date_key(t: Millis, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + id.len());
    k.extend_from_slice(&time_key(t));
    k.extend_from_slice(id.as_bytes());
    k
}

/// Log segment size of a new store. sled writes any page larger than a quarter of a
/// segment to a file of its own; with sled's default (512 KiB) a node of the profiles
/// tree (up to 16 results of ~12 KB) crossed that line, and every rewrite of it
/// created a file. At 2 MiB the nodes stay in the log.
const NEW_STORE_SEGMENT_SIZE: usize = 2 << 20;

/// The segment size the store in `path` was created with (sled refuses to open a
/// store with another), or [`NEW_STORE_SEGMENT_SIZE`] for a new store. A `conf`
/// file sled cannot read is left for sled to report.
fn segment_size(path: &Path) -> usize {
    // The file is text lines followed by a binary checksum.
    std::fs::read(path.join("conf"))
        .ok()
        .and_then(|conf| {
            String::from_utf8_lossy(&conf)
                .lines()
                .find_map(|l| l.strip_prefix("segment_size:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(NEW_STORE_SEGMENT_SIZE)
}

/// sled's settings for the store in `path` (new or existing).
fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .mode(sled::Mode::HighThroughput)
        .segment_size(segment_size(path))
        // No background flush: it competed with the group commit's flushes and
        // tripled their latency under load. Writes become durable at the next
        // explicit flush: every acknowledged result and administrative change
        // waits for one (`crate::commit`), purges flush, and so does shutdown.
        // Only login sessions may be lost in a crash (people log in again).
        .flush_every_ms(None)
}

fn open_sled(path: &Path) -> Result<sled::Db, StoreError> {
    sled_config(path).open().map_err(|e| {
        let text = e.to_string();
        if text.contains("could not acquire lock") {
            StoreError::Locked(path.display().to_string())
        } else {
            StoreError::Backend(format!("cannot open {}: {text}", path.display()))
        }
    })
}

/// What to remove once a store folder's database is closed.
enum Removal {
    /// A replaced store folder.
    Folder(PathBuf),
    /// sled's files at the top of a data folder (a store moved into a folder).
    LegacyFiles(PathBuf),
}

/// Removes a replaced store's files when its last reader lets it go.
#[derive(Default)]
struct Cleanup(Mutex<Option<Removal>>);

impl Cleanup {
    fn arm(&self, removal: Removal) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(removal);
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let removal = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        let res = match &removal {
            None => return,
            Some(Removal::Folder(dir)) => {
                std::fs::remove_dir_all(dir).map_err(|e| io_error("remove", dir, &e).to_string())
            }
            Some(Removal::LegacyFiles(data)) => {
                files::remove_legacy_files(data).map_err(|e| e.to_string())
            }
        };
        if let Err(e) = res {
            tracing::error!(error = %e, "a replaced store's files could not be removed");
        }
    }
}

/// One store folder: sled's database, its trees and its keys.
struct Gen {
    /// The store folder's name (`store-3`); empty for sled's files at the top of
    /// the data folder.
    name: String,
    dir: PathBuf,
    db: sled::Db,
    keys: Keyring,
    meta: Tree,
    structures: Tree,
    users: Tree,
    user_logins: Tree,
    kiosks: Tree,
    kiosk_tokens: Tree,
    kiosk_codes: Tree,
    logins: Tree,
    challenges: Tree,
    screenings: Tree,
    sessions: Tree,
    profiles: Tree,
    codes: Tree,
    by_structure: Tree,
    by_date: Tree,
    /// Rate-limit windows: `limiter\0key` -> start (i64 BE) and count (u32 BE).
    limits: Tree,
    /// Imported mediation places, by import generation.
    places: Tree,
    /// A structure's location, own places and marks.
    structure_places: Tree,
    /// Declared last, so dropped after the database is closed.
    cleanup: Cleanup,
}

/// Where a stored profile's indexes are, and its key (`None`: written in clear).
struct Place {
    kid: Option<u64>,
    code: String,
    at: Millis,
    st: Option<u64>,
}

impl Gen {
    fn with(name: String, dir: PathBuf, db: sled::Db, keys: Keyring) -> Result<Gen, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        let gen = Gen {
            meta: tree("meta")?,
            structures: tree("structures")?,
            users: tree("users")?,
            user_logins: tree("user_logins")?,
            kiosks: tree("kiosks")?,
            kiosk_tokens: tree("kiosk_tokens")?,
            kiosk_codes: tree("kiosk_codes")?,
            logins: tree("logins")?,
            challenges: tree("challenges")?,
            screenings: tree(SCREENINGS)?,
            sessions: tree(SESSIONS)?,
            profiles: tree(PROFILES)?,
            codes: tree(CODES)?,
            by_structure: tree(BY_STRUCTURE)?,
            by_date: tree(BY_DATE)?,
            limits: tree("limits")?,
            places: tree("places")?,
            structure_places: tree("structure_places")?,
            name,
            dir,
            db,
            keys,
            cleanup: Cleanup::default(),
        };
        match gen.meta.get("schema").map_err(backend)? {
            None => {
                gen.meta
                    .insert("schema", STORE_SCHEMA.to_string().as_bytes())
                    .map_err(backend)?;
            }
            Some(v) => {
                let v = String::from_utf8_lossy(&v).into_owned();
                let found: u32 = v.parse().map_err(|_| {
                    StoreError::Backend(format!("meta/schema is not a number: {v:?}"))
                })?;
                if found > STORE_SCHEMA {
                    return Err(StoreError::NewerSchema {
                        found,
                        supported: STORE_SCHEMA,
                    });
                }
            }
        }
        Ok(gen)
    }

    /// Opens the store folder `name` of `data` (`create`: a new one).
    fn open(data: &Path, name: &str, create: bool) -> Result<Gen, StoreError> {
        let dir = data.join(name);
        if create {
            files::create_private_dir(&dir).map_err(|e| io_error("create", &dir, &e))?;
        } else if !dir.is_dir() {
            return Err(StoreError::Backend(format!(
                "{} is missing (named by {})",
                dir.display(),
                data.join(files::CURRENT_FILE).display()
            )));
        }
        let db = open_sled(&dir)?;
        let keys = Keyring::open(&dir.join(sealed::KEYS_FILE), create)?;
        Gen::with(name.to_string(), dir, db, keys)
    }

    /// Opens sled's files at the top of `data` (a store older than store folders),
    /// to be copied.
    fn open_legacy(data: &Path) -> Result<Gen, StoreError> {
        let db = open_sled(data)?;
        Gen::with(String::new(), data.to_path_buf(), db, Keyring::none())
    }

    /// A record of a sealed tree: `None` if absent or erased.
    fn get_sealed<T: DeserializeOwned>(
        &self,
        tree: &Tree,
        name: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key).map_err(backend)? {
            None => Ok(None),
            Some(bytes) => self.unseal(name, key, &bytes),
        }
    }

    /// Decodes a value of a sealed tree: `None` for a record whose key was erased.
    fn unseal<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: &[u8],
        bytes: &[u8],
    ) -> Result<Option<T>, StoreError> {
        if !sealed::is_sealed(bytes) {
            return decode(tree, key, bytes).map(Some);
        }
        let (header, at) = checked_header(tree, key, bytes)?;
        let Some(k) = self.keys.key(header.k) else {
            return Ok(None);
        };
        let plain = sealed::open(bytes, at, &k).map_err(|e| corrupt(tree, key, e))?;
        decode(tree, key, &plain).map(Some)
    }

    /// The key a value of a sealed tree is sealed with, if it is sealed and the key
    /// is held.
    fn key_of(&self, tree: &str, key: &[u8], bytes: &[u8]) -> Option<(u64, Key)> {
        let (header, _) = checked_header(tree, key, bytes).ok()?;
        Some((header.k, self.keys.key(header.k)?))
    }

    /// An account record, its second factor's secrets opened.
    fn read_user(&self, key: &[u8], bytes: &[u8]) -> Result<User, StoreError> {
        let mut value: serde_json::Value = decode(USERS, key, bytes)?;
        secrets::open(account_id(key), &mut value, &|k| self.keys.key(k))
            .map_err(|e| corrupt(USERS, key, e))?;
        decode(USERS, key, &encode(&value)?)
    }

    /// An account record to write, its second factor's secrets sealed; `old`: the
    /// stored record it replaces. Returns the bytes and the keys to erase once they
    /// are written (those of secrets `old` had and `user` has not).
    fn write_user(
        &self,
        user: &User,
        old: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<u64>), StoreError> {
        let key = id_key(user.id);
        let old: serde_json::Value = match old {
            Some(bytes) => decode(USERS, &key, bytes)?,
            None => serde_json::Value::Null,
        };
        let lookup = |k| self.keys.key(k);
        let (held, named) = secrets::held(user.id, &old, &lookup);
        let mut value = serde_json::to_value(user)
            .map_err(|e| StoreError::Backend(format!("cannot encode a record: {e}")))?;
        let used = secrets::seal(user.id, &mut value, &held, &lookup, &mut || {
            self.keys.take()
        })?;
        let erase = named.into_iter().filter(|k| !used.contains(k)).collect();
        Ok((encode(&value)?, erase))
    }

    /// Erases the keys of secrets an account no longer has. Its new record is
    /// written: a failure here leaves the key (compaction drops it) and is said.
    fn erase_secret_keys(&self, kids: &[u64]) {
        if let Err(e) = self.keys.erase(kids) {
            tracing::error!(error = %e, "the key of a replaced second factor was not erased");
        }
    }

    /// Where a stored profile's indexes are. A sealed profile whose key is held must
    /// open; one written in clear must decode: a record that cannot be read is
    /// left alone.
    fn place(&self, id: &[u8], bytes: &[u8]) -> Result<Place, StoreError> {
        if !sealed::is_sealed(bytes) {
            let p: ProfileRecord = decode(PROFILES, id, bytes)?;
            return Ok(Place {
                kid: None,
                code: p.code,
                at: p.received_at,
                st: p.structure,
            });
        }
        let (h, _) = checked_header(PROFILES, id, bytes)?;
        if self.keys.key(h.k).is_some() {
            self.unseal::<ProfileRecord>(PROFILES, id, bytes)?;
        }
        match (h.code, h.at) {
            (Some(code), Some(at)) => Ok(Place {
                kid: Some(h.k),
                code,
                at,
                st: h.st,
            }),
            _ => Err(corrupt(
                PROFILES,
                id,
                "sealed profile without its code and time".into(),
            )),
        }
    }
}

/// The header of a sealed value of `tree` at `key`, checked to belong there.
fn checked_header(tree: &str, key: &[u8], bytes: &[u8]) -> Result<(Header, usize), StoreError> {
    let (header, at) = sealed::header(bytes).map_err(|e| corrupt(tree, key, e))?;
    if header.t != tree || header.id.as_bytes() != key {
        return Err(corrupt(
            tree,
            key,
            format!(
                "sealed for {}/{}",
                header.t,
                printable(header.id.as_bytes())
            ),
        ));
    }
    Ok((header, at))
}

fn profile_header(profile: &ProfileRecord, k: u64) -> Header {
    Header {
        t: PROFILES.into(),
        id: profile.id.clone(),
        k,
        code: Some(profile.code.clone()),
        at: Some(profile.received_at),
        st: profile.structure,
    }
}

fn plain_header(tree: &str, id: &str, k: u64) -> Header {
    Header {
        t: tree.into(),
        id: id.to_string(),
        k,
        code: None,
        at: None,
        st: None,
    }
}

fn seal_record<T: Serialize>(header: &Header, key: &Key, value: &T) -> Result<Vec<u8>, StoreError> {
    sealed::seal(header, key, &encode(value)?)
}

/// How many results a purge erases at once (one rewrite of the key file each time).
const ERASE_CHUNK: usize = 1000;

/// The sled store.
pub struct SledStore {
    data: PathBuf,
    gate: RwLock<()>,
    current: RwLock<Arc<Gen>>,
    /// Using a screening's key for its result and erasing abandoned screenings'
    /// keys run one at a time: a result never gets a key being erased.
    screening_keys: Mutex<()>,
    /// Imports of places run one at a time.
    places_import: Mutex<()>,
    /// Declared last: released once everything above is closed.
    _lock: files::FolderLock,
}

/// Copies the live records of `from` into a new store folder `name` of `data`:
/// records written in clear are sealed, records whose key was erased are left out
/// with their indexes, and the new key file holds only the keys of what was copied.
/// A record that cannot be read is copied as it is.
fn copy_store(from: &Gen, data: &Path, name: &str) -> Result<(Gen, CompactReport), StoreError> {
    let dir = data.join(name);
    files::create_private_dir(&dir).map_err(|e| io_error("create", &dir, &e))?;
    let db = open_sled(&dir)?;
    let mut report = CompactReport::default();
    let mut keys: HashMap<u64, Key> = HashMap::new();
    let mut next_id = from.keys.next_id();
    let (mut erased, mut sealed_now) = (0, 0);
    let copy_tree =
        |name: &str, report: &mut CompactReport, map: EntryMap<'_>| -> Result<(), StoreError> {
            let source = from.db.open_tree(name).map_err(backend)?;
            let target = db.open_tree(name).map_err(backend)?;
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            for kv in source.iter() {
                let (k, v) = kv.map_err(backend)?;
                let Some(v) = map(&k, v)? else { continue };
                batch.insert(k, v);
                in_batch += 1;
                report.entries += 1;
                if in_batch == 10_000 {
                    target
                        .apply_batch(std::mem::take(&mut batch))
                        .map_err(backend)?;
                    in_batch = 0;
                }
            }
            target.apply_batch(batch).map_err(backend)?;
            report.trees += 1;
            Ok(())
        };
    // Results and screenings first: the indexes follow the profiles copied.
    let profiles = db.open_tree(PROFILES).map_err(backend)?;
    for tree in [PROFILES, SESSIONS, SCREENINGS] {
        copy_tree(tree, &mut report, &mut |k, v| {
            if sealed::is_sealed(&v) {
                let Ok((h, _)) = checked_header(tree, k, &v) else {
                    return Ok(Some(v.to_vec()));
                };
                match from.keys.key(h.k) {
                    Some(key) => {
                        keys.insert(h.k, key);
                        Ok(Some(v.to_vec()))
                    }
                    None => {
                        if tree == PROFILES {
                            erased += 1;
                        }
                        Ok(None)
                    }
                }
            } else {
                // Written in clear by an older Repère: sealed now, its bytes as
                // they were; a result's log takes its profile's key.
                let id = String::from_utf8_lossy(k).into_owned();
                let header = match tree {
                    PROFILES => match decode::<ProfileRecord>(tree, k, &v) {
                        Ok(p) => Some(profile_header(&p, 0)),
                        Err(_) => None,
                    },
                    SESSIONS => decode::<SessionRecord>(tree, k, &v)
                        .ok()
                        .map(|_| plain_header(tree, &id, 0)),
                    _ => decode::<Screening>(tree, k, &v)
                        .ok()
                        .map(|_| plain_header(tree, &id, 0)),
                };
                let Some(mut header) = header else {
                    return Ok(Some(v.to_vec()));
                };
                let shared = if tree == SESSIONS {
                    profiles
                        .get(k)
                        .map_err(backend)?
                        .and_then(|p| checked_header(PROFILES, k, &p).ok())
                        .and_then(|(h, _)| keys.get(&h.k).map(|key| (h.k, *key)))
                } else {
                    None
                };
                let (kid, key) = match shared {
                    Some(s) => s,
                    None => {
                        let mut key = [0u8; 32];
                        getrandom::fill(&mut key)
                            .map_err(|e| StoreError::Backend(format!("no random source: {e}")))?;
                        next_id += 1;
                        keys.insert(next_id - 1, key);
                        (next_id - 1, key)
                    }
                };
                header.k = kid;
                sealed_now += 1;
                Ok(Some(sealed::seal(&header, &key, &v)?))
            }
        })?;
    }
    report.erased = erased;
    let has_profile = |id: &[u8]| profiles.contains_key(id).map_err(backend);
    copy_tree(CODES, &mut report, &mut |_, v| {
        Ok(has_profile(&v)?.then(|| v.to_vec()))
    })?;
    copy_tree(BY_STRUCTURE, &mut report, &mut |k, v| {
        Ok(has_profile(k.get(16..).unwrap_or_default())?.then(|| v.to_vec()))
    })?;
    copy_tree(BY_DATE, &mut report, &mut |k, v| {
        Ok(has_profile(k.get(8..).unwrap_or_default())?.then(|| v.to_vec()))
    })?;
    // Accounts: the keys of their second factors' secrets go along; secrets
    // written in clear are sealed now.
    copy_tree(USERS, &mut report, &mut |k, v| {
        let account = account_id(k);
        let Ok(mut value) = decode::<serde_json::Value>(USERS, k, &v) else {
            return Ok(Some(v.to_vec()));
        };
        for kid in secrets::kids(account, &value) {
            if let Some(key) = from.keys.key(kid) {
                keys.insert(kid, key);
            }
        }
        if !secrets::has_clear(&value) {
            return Ok(Some(v.to_vec()));
        }
        let held = |k| keys.get(&k).copied();
        let mut made = Vec::new();
        secrets::seal(account, &mut value, &[], &held, &mut || {
            let key: Key = sealed::random_key()?;
            next_id += 1;
            made.push((next_id - 1, key));
            Ok((next_id - 1, key))
        })?;
        keys.extend(made);
        sealed_now += 1;
        encode(&value).map(Some)
    })?;
    report.sealed = sealed_now;
    let done = [
        PROFILES,
        SESSIONS,
        SCREENINGS,
        CODES,
        BY_STRUCTURE,
        BY_DATE,
        USERS,
    ];
    for name in from.db.tree_names() {
        let name = String::from_utf8_lossy(&name).into_owned();
        if done.contains(&name.as_str()) {
            continue;
        }
        copy_tree(&name, &mut report, &mut |_, v| Ok(Some(v.to_vec())))?;
    }
    db.open_tree("meta")
        .and_then(|m| m.insert("schema", STORE_SCHEMA.to_string().as_bytes()))
        .map_err(backend)?;
    db.flush().map_err(backend)?;
    let keys_path = dir.join(sealed::KEYS_FILE);
    Keyring::write(&keys_path, next_id, &keys)?;
    report.keys = keys.len();
    drop(profiles);
    let ring = Keyring::open(&keys_path, false)?;
    let gen = Gen::with(name.to_string(), dir, db, ring)?;
    Ok((gen, report))
}

impl SledStore {
    /// Opens (or creates) the store in the data folder `path`. A store held by
    /// another process gives [`StoreError::Locked`]. A store written before store
    /// folders (sled's files at the top of `path`, records in clear) is first
    /// copied, sealed, into `store-1`, and its files removed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        files::create_private_dir(path).map_err(|e| io_error("create", path, &e))?;
        let lock = files::lock_folder(path)?;
        // Files an older Repère left readable by others. A file this process may not
        // change (another owner) is said, not fatal: what it creates is private anyway.
        if let Err(e) = files::tighten(path) {
            tracing::warn!(error = %e, "the data folder holds files others may read");
        }
        let gen = match files::read_current(path)? {
            Some(name) => {
                files::remove_leftovers(path, &name)?;
                Gen::open(path, &name, false)?
            }
            None => {
                let name = format!("{}1", files::STORE_PREFIX);
                let leftover = path.join(&name);
                if leftover.exists() {
                    // A creation or a move interrupted before `current` was written.
                    std::fs::remove_dir_all(&leftover)
                        .map_err(|e| io_error("remove", &leftover, &e))?;
                }
                let gen = if files::has_legacy_store(path) {
                    let legacy = Gen::open_legacy(path)?;
                    let (gen, report) = copy_store(&legacy, path, &name)?;
                    files::write_current(path, &name)?;
                    legacy.cleanup.arm(Removal::LegacyFiles(path.to_path_buf()));
                    drop(legacy);
                    tracing::info!(
                        sealed = report.sealed,
                        entries = report.entries,
                        "store moved into {name}, its results and screenings sealed"
                    );
                    gen
                } else {
                    let gen = Gen::open(path, &name, true)?;
                    gen.db.flush().map_err(backend)?;
                    files::write_current(path, &name)?;
                    gen
                };
                files::tighten(path)?;
                gen
            }
        };
        Ok(SledStore {
            data: path.to_path_buf(),
            gate: RwLock::new(()),
            current: RwLock::new(Arc::new(gen)),
            screening_keys: Mutex::new(()),
            places_import: Mutex::new(()),
            _lock: lock,
        })
    }

    /// The current store folder.
    fn gen(&self) -> Arc<Gen> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The read side of the gate (held by every write) and the store folder to
    /// write into, taken under it.
    fn writing(&self) -> (std::sync::RwLockReadGuard<'_, ()>, Arc<Gen>) {
        // The gate guards no data: a poisoned lock is as good as a healthy one.
        let g = self.gate.read().unwrap_or_else(PoisonError::into_inner);
        (g, self.gen())
    }

    /// How many places the current import holds.
    fn places_count(&self) -> Result<usize, StoreError> {
        match self.meta("places_count")? {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| {
                StoreError::Backend(format!("meta/places_count is not a number: {v:?}"))
            }),
        }
    }

    /// Removes every key of the `places` tree that starts with `prefix`, in
    /// batches, each under the gate; returns how many.
    fn remove_places_prefix(&self, prefix: &[u8]) -> Result<usize, StoreError> {
        let mut removed = 0;
        loop {
            let (_g, t) = self.writing();
            let keys: Vec<sled::IVec> = t
                .places
                .scan_prefix(prefix)
                .keys()
                .take(10_000)
                .collect::<Result<_, _>>()
                .map_err(backend)?;
            if keys.is_empty() {
                return Ok(removed);
            }
            let mut batch = sled::Batch::default();
            removed += keys.len();
            for k in keys {
                batch.remove(k);
            }
            t.places.apply_batch(batch).map_err(backend)?;
        }
    }

    fn get<T: DeserializeOwned>(
        &self,
        tree: &Tree,
        name: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key).map_err(backend)? {
            None => Ok(None),
            Some(bytes) => decode(name, key, &bytes).map(Some),
        }
    }

    fn all<T: DeserializeOwned>(&self, tree: &Tree, name: &str) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for kv in tree.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode(name, &k, &v) {
                Ok(r) => out.push(r),
                Err(e) => tracing::error!(error = %e, "skipping a record that cannot be decoded"),
            }
        }
        Ok(out)
    }

    /// Erases results: their keys first (one rewrite of the key file for all), then
    /// their records and indexes. A result whose key is erased is gone even if a
    /// crash stops the second step (it reads as absent; compaction drops it). One
    /// answer per id: removed or not there, or why it was left alone (a record
    /// that cannot be read). Call with the gate held.
    fn erase_results(
        &self,
        t: &Gen,
        ids: &[String],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError> {
        enum Plan {
            Absent,
            Remove(Place),
            /// A log without its profile (never written so, but be thorough).
            LogOnly,
            Refused(StoreError),
        }
        let mut plans = Vec::with_capacity(ids.len());
        let mut kids = Vec::new();
        for id in ids {
            let key = id.as_bytes();
            let log_key = t
                .sessions
                .get(key)
                .map_err(backend)?
                .and_then(|s| checked_header(SESSIONS, key, &s).ok())
                .map(|(h, _)| h.k);
            let plan = match t.profiles.get(key).map_err(backend)? {
                None if log_key.is_some() || t.sessions.contains_key(key).map_err(backend)? => {
                    Plan::LogOnly
                }
                None => Plan::Absent,
                Some(bytes) => match t.place(key, &bytes) {
                    Ok(place) => {
                        kids.extend(place.kid);
                        Plan::Remove(place)
                    }
                    Err(e) => Plan::Refused(e),
                },
            };
            if !matches!(plan, Plan::Refused(_) | Plan::Absent) {
                kids.extend(log_key);
            }
            plans.push(plan);
        }
        t.keys.erase(&kids)?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, plan) in ids.iter().zip(plans) {
            let key = id.as_bytes();
            let answer = match plan {
                Plan::Absent => Ok(false),
                Plan::Refused(e) => Err(e),
                Plan::LogOnly => t
                    .sessions
                    .remove(key)
                    .map(|old| old.is_some())
                    .map_err(backend),
                Plan::Remove(place) => {
                    let res = (
                        &t.sessions,
                        &t.profiles,
                        &t.codes,
                        &t.by_structure,
                        &t.by_date,
                    )
                        .transaction(|(s, p, c, bs, bd)| {
                            let Some(bytes) = p.get(key)? else {
                                return Ok(false);
                            };
                            // Read again: attached meanwhile (another structure
                            // index), or replaced by a new result (another key).
                            let now = t.place(key, &bytes).map_err(abort)?;
                            if now.kid != place.kid {
                                return Ok(false);
                            }
                            s.remove(key)?;
                            p.remove(key)?;
                            if c.get(now.code.as_bytes())?.as_deref() == Some(key) {
                                c.remove(now.code.as_bytes())?;
                            }
                            if let Some(st) = now.st {
                                bs.remove(structure_key(st, now.at, id))?;
                            }
                            bd.remove(date_key(now.at, id))?;
                            Ok(true)
                        });
                    res.map_err(tx_error)
                }
            };
            out.push(answer);
        }
        Ok(out)
    }

    /// Copies the store into a new store folder and switches to it: what sled kept
    /// of deleted and replaced records (sealed, their keys erased) is gone with the
    /// old folder, records still in clear are sealed, and the key file keeps only
    /// the keys of live records. Writes wait while it runs (reads go on); no
    /// acknowledged write is lost: the copy is complete and on disk before
    /// `current` names it, and a crash before that leaves the old folder current.
    pub fn compact(&self) -> Result<CompactReport, StoreError> {
        let _exclusive = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        let old = self.gen();
        let next = files::generation(&old.name).unwrap_or(0) + 1;
        let name = format!("{}{next}", files::STORE_PREFIX);
        let leftover = self.data.join(&name);
        if leftover.exists() {
            std::fs::remove_dir_all(&leftover).map_err(|e| io_error("remove", &leftover, &e))?;
        }
        let before = files::size_of(&old.dir);
        old.db.flush().map_err(backend)?;
        let (gen, mut report) = copy_store(&old, &self.data, &name)?;
        files::write_current(&self.data, &name)?;
        report.bytes_before = before;
        report.bytes_after = files::size_of(&gen.dir);
        old.cleanup.arm(if old.name.is_empty() {
            Removal::LegacyFiles(self.data.clone())
        } else {
            Removal::Folder(old.dir.clone())
        });
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(gen);
        drop(old);
        files::tighten(&self.data)?;
        Ok(report)
    }
}

impl Store for SledStore {
    fn next_id(&self) -> Result<u64, StoreError> {
        let (_g, t) = self.writing();
        let next = t
            .meta
            .update_and_fetch("next_id", |old| {
                let n = old
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map_or(0, u64::from_be_bytes);
                Some(n.saturating_add(1).to_be_bytes().to_vec())
            })
            .map_err(backend)?;
        next.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| StoreError::Backend("meta/next_id is unreadable".into()))
    }

    fn add_structure(&self, structure: &Structure) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.structures
            .insert(id_key(structure.id), encode(structure)?)
            .map_err(backend)?;
        Ok(())
    }

    fn structure(&self, id: u64) -> Result<Option<Structure>, StoreError> {
        self.get(&self.gen().structures, "structures", &id_key(id))
    }

    fn structures(&self) -> Result<Vec<Structure>, StoreError> {
        self.all(&self.gen().structures, "structures")
    }

    fn update_structure(&self, structure: &Structure) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let value = encode(structure)?;
        let res = t.structures.transaction(|st| {
            if st.get(id_key(structure.id))?.is_none() {
                return Err(abort(StoreError::NoStructure(structure.id)));
            }
            st.insert(&id_key(structure.id), value.clone())?;
            Ok(())
        });
        res.map_err(tx_error)
    }

    fn add_user(&self, user: &User) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let (value, _) = t.write_user(user, None)?;
        let res = (&t.structures, &t.users, &t.user_logins).transaction(|(st, u, l)| {
            if st.get(id_key(user.structure))?.is_none() {
                return Err(abort(StoreError::NoStructure(user.structure)));
            }
            if l.get(user.login.as_bytes())?.is_some() {
                return Err(abort(StoreError::LoginTaken(user.login.clone())));
            }
            l.insert(user.login.as_bytes(), &id_key(user.id))?;
            u.insert(&id_key(user.id), value.clone())?;
            Ok(())
        });
        res.map_err(tx_error)
    }

    fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        let t = self.gen();
        let key = id_key(id);
        match t.users.get(key).map_err(backend)? {
            None => Ok(None),
            Some(bytes) => t.read_user(&key, &bytes).map(Some),
        }
    }

    fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let t = self.gen();
        match t.user_logins.get(login.as_bytes()).map_err(backend)? {
            None => Ok(None),
            Some(id) => match t.users.get(&id).map_err(backend)? {
                None => Ok(None),
                Some(bytes) => t.read_user(&id, &bytes).map(Some),
            },
        }
    }

    fn users_of_structure(&self, structure: u64) -> Result<Vec<User>, StoreError> {
        let t = self.gen();
        let mut out = Vec::new();
        for kv in t.users.iter() {
            let (k, v) = kv.map_err(backend)?;
            match t.read_user(&k, &v) {
                Ok(u) if u.structure == structure => out.push(u),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "skipping a record that cannot be decoded"),
            }
        }
        Ok(out)
    }

    fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let res = t.users.transaction(|u| {
            let Some(bytes) = u.get(id_key(user.id))? else {
                return Err(abort(StoreError::NoUser(user.id)));
            };
            let old = t.read_user(&id_key(user.id), &bytes).map_err(abort)?;
            if old.login != user.login || old.structure != user.structure {
                // The login index and the structure are not rewritten here.
                return Err(abort(StoreError::Backend(format!(
                    "account {}: its login and structure cannot change",
                    user.id
                ))));
            }
            let (value, erase) = t.write_user(user, Some(&bytes)).map_err(abort)?;
            u.insert(&id_key(user.id), value)?;
            Ok(erase)
        });
        let erase = res.map_err(tx_error)?;
        t.erase_secret_keys(&erase);
        Ok(())
    }

    fn modify_user(
        &self,
        id: u64,
        change: &dyn Fn(&mut User) -> bool,
    ) -> Result<Option<User>, StoreError> {
        let (_g, t) = self.writing();
        let res = t.users.transaction(|u| {
            let Some(bytes) = u.get(id_key(id))? else {
                return Ok(None);
            };
            let mut user = t.read_user(&id_key(id), &bytes).map_err(abort)?;
            let (login, structure) = (user.login.clone(), user.structure);
            if !change(&mut user) {
                return Ok(None);
            }
            if user.login != login || user.structure != structure || user.id != id {
                return Err(abort(StoreError::Backend(format!(
                    "account {id}: its id, login and structure cannot change"
                ))));
            }
            let (value, erase) = t.write_user(&user, Some(&bytes)).map_err(abort)?;
            u.insert(&id_key(id), value)?;
            Ok(Some((user, erase)))
        });
        Ok(res.map_err(tx_error)?.map(|(user, erase)| {
            t.erase_secret_keys(&erase);
            user
        }))
    }

    fn add_kiosk(&self, kiosk: &Kiosk) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let value = encode(kiosk)?;
        let res = (&t.structures, &t.kiosks, &t.kiosk_tokens, &t.kiosk_codes).transaction(
            |(st, k, tk, c)| {
                if st.get(id_key(kiosk.structure))?.is_none() {
                    return Err(abort(StoreError::NoStructure(kiosk.structure)));
                }
                if let Some(h) = &kiosk.token_hash {
                    tk.insert(h.as_bytes(), &id_key(kiosk.id))?;
                }
                if let Some(p) = &kiosk.pairing {
                    c.insert(p.code_hash.as_bytes(), &id_key(kiosk.id))?;
                }
                k.insert(&id_key(kiosk.id), value.clone())?;
                Ok(())
            },
        );
        res.map_err(tx_error)
    }

    fn kiosk(&self, id: u64) -> Result<Option<Kiosk>, StoreError> {
        self.get(&self.gen().kiosks, "kiosks", &id_key(id))
    }

    fn kiosk_by_token_hash(&self, token_hash: &str) -> Result<Option<Kiosk>, StoreError> {
        let t = self.gen();
        match t.kiosk_tokens.get(token_hash.as_bytes()).map_err(backend)? {
            None => Ok(None),
            Some(id) => self.get(&t.kiosks, "kiosks", &id),
        }
    }

    fn kiosks_of_structure(&self, structure: u64) -> Result<Vec<Kiosk>, StoreError> {
        let all: Vec<Kiosk> = self.all(&self.gen().kiosks, "kiosks")?;
        Ok(all
            .into_iter()
            .filter(|k| k.structure == structure)
            .collect())
    }

    fn set_kiosk_pairing(
        &self,
        id: u64,
        pairing: &PairingCode,
    ) -> Result<Option<Kiosk>, StoreError> {
        let (_g, t) = self.writing();
        let key = id_key(id);
        let res = (&t.kiosks, &t.kiosk_codes).transaction(|(k, c)| {
            let Some(bytes) = k.get(key)? else {
                return Ok(None);
            };
            let mut kiosk: Kiosk = decode("kiosks", &key, &bytes).map_err(abort)?;
            if let Some(old) = &kiosk.pairing {
                c.remove(old.code_hash.as_bytes())?;
            }
            c.insert(pairing.code_hash.as_bytes(), &key)?;
            kiosk.pairing = Some(pairing.clone());
            k.insert(&key, encode(&kiosk).map_err(abort)?)?;
            Ok(Some(kiosk))
        });
        res.map_err(tx_error)
    }

    fn pair_kiosk(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<KioskPairing, StoreError> {
        let (_g, t) = self.writing();
        let res = (&t.kiosks, &t.kiosk_codes, &t.kiosk_tokens).transaction(|(k, c, tk)| {
            let Some(id) = c.get(code_hash.as_bytes())? else {
                return Ok(KioskPairing::Unknown);
            };
            let Some(bytes) = k.get(&id)? else {
                // A dangling index entry (never written so): nothing to pair.
                return Ok(KioskPairing::Unknown);
            };
            let mut kiosk: Kiosk = decode("kiosks", &id, &bytes).map_err(abort)?;
            match &kiosk.pairing {
                Some(p) if p.code_hash == code_hash => {
                    if p.expires_at <= now {
                        return Ok(KioskPairing::Expired);
                    }
                }
                _ => return Ok(KioskPairing::Unknown),
            }
            c.remove(code_hash.as_bytes())?;
            let replaced = match kiosk.token_hash.take() {
                Some(old) => {
                    tk.remove(old.as_bytes())?;
                    true
                }
                None => false,
            };
            tk.insert(token_hash.as_bytes(), &id)?;
            kiosk.pairing = None;
            kiosk.token_hash = Some(token_hash.to_string());
            kiosk.paired_at = Some(now);
            k.insert(&id, encode(&kiosk).map_err(abort)?)?;
            Ok(KioskPairing::Paired { kiosk, replaced })
        });
        res.map_err(tx_error)
    }

    fn unpair_kiosk(&self, id: u64, token_hash: &str) -> Result<bool, StoreError> {
        let (_g, t) = self.writing();
        let key = id_key(id);
        let res = (&t.kiosks, &t.kiosk_tokens).transaction(|(k, tk)| {
            let Some(bytes) = k.get(key)? else {
                return Ok(false);
            };
            let mut kiosk: Kiosk = decode("kiosks", &key, &bytes).map_err(abort)?;
            if kiosk.token_hash.as_deref() != Some(token_hash) {
                return Ok(false);
            }
            tk.remove(token_hash.as_bytes())?;
            kiosk.token_hash = None;
            kiosk.paired_at = None;
            k.insert(&key, encode(&kiosk).map_err(abort)?)?;
            Ok(true)
        });
        res.map_err(tx_error)
    }

    fn remove_kiosk(&self, id: u64) -> Result<bool, StoreError> {
        let (_g, t) = self.writing();
        let res = (&t.kiosks, &t.kiosk_tokens, &t.kiosk_codes).transaction(|(k, tk, c)| {
            let Some(bytes) = k.get(id_key(id))? else {
                return Ok(false);
            };
            let kiosk: Kiosk = decode("kiosks", &id_key(id), &bytes).map_err(abort)?;
            if let Some(h) = &kiosk.token_hash {
                tk.remove(h.as_bytes())?;
            }
            if let Some(p) = &kiosk.pairing {
                c.remove(p.code_hash.as_bytes())?;
            }
            k.remove(&id_key(id))?;
            Ok(true)
        });
        res.map_err(tx_error)
    }

    fn put_login(&self, token_hash: &str, session: &LoginSession) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.logins
            .insert(token_hash.as_bytes(), encode(session)?)
            .map_err(backend)?;
        Ok(())
    }

    fn login(&self, token_hash: &str) -> Result<Option<LoginSession>, StoreError> {
        self.get(&self.gen().logins, "logins", token_hash.as_bytes())
    }

    fn remove_login(&self, token_hash: &str) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.logins.remove(token_hash.as_bytes()).map_err(backend)?;
        Ok(())
    }

    fn remove_logins_of(&self, user: u64, keep: Option<&str>) -> Result<usize, StoreError> {
        let mut removed = 0;
        for kv in self.gen().logins.iter() {
            let (k, v) = kv.map_err(backend)?;
            if keep.is_some_and(|keep| keep.as_bytes() == k.as_ref()) {
                continue;
            }
            match decode::<LoginSession>("logins", &k, &v) {
                Ok(s) if s.user == user => {
                    let (_g, t) = self.writing();
                    t.logins.remove(&k).map_err(backend)?;
                    removed += 1;
                }
                Ok(_) => {}
                // Left in place, as every record that cannot be read; the account
                // check of each request still refuses a disabled account.
                Err(e) => tracing::error!(error = %e, "a login session cannot be decoded"),
            }
        }
        Ok(removed)
    }

    fn put_challenge(
        &self,
        token_hash: &str,
        challenge: &LoginChallenge,
    ) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.challenges
            .insert(token_hash.as_bytes(), encode(challenge)?)
            .map_err(backend)?;
        Ok(())
    }

    fn challenge(&self, token_hash: &str) -> Result<Option<LoginChallenge>, StoreError> {
        self.get(&self.gen().challenges, "challenges", token_hash.as_bytes())
    }

    fn remove_challenge(&self, token_hash: &str) -> Result<bool, StoreError> {
        let (_g, t) = self.writing();
        Ok(t.challenges
            .remove(token_hash.as_bytes())
            .map_err(backend)?
            .is_some())
    }

    fn put_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let (kid, key) = t.keys.take()?;
        let value = seal_record(
            &plain_header(SCREENINGS, &screening.id, kid),
            &key,
            screening,
        )?;
        t.screenings
            .insert(screening.id.as_bytes(), value)
            .map_err(backend)?;
        Ok(())
    }

    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError> {
        let t = self.gen();
        t.get_sealed(&t.screenings, SCREENINGS, id.as_bytes())
    }

    fn insert_result(
        &self,
        session: &SessionRecord,
        profile: &ProfileRecord,
        screening: Option<&str>,
    ) -> Result<Inserted, StoreError> {
        let (_g, t) = self.writing();
        // A result takes its screening's key (erased together); the screening is
        // consumed below, under this lock, so no purge erases the key meanwhile.
        let _screening_keys = screening.map(|_| {
            self.screening_keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        });
        let shared = match screening {
            Some(sid) => t
                .screenings
                .get(sid.as_bytes())
                .map_err(backend)?
                .and_then(|v| t.key_of(SCREENINGS, sid.as_bytes(), &v)),
            None => None,
        };
        let (kid, k) = match shared {
            Some(s) => s,
            None => t.keys.take()?,
        };
        let key = session.id.as_bytes();
        let session_bytes = seal_record(&plain_header(SESSIONS, &session.id, kid), &k, session)?;
        let profile_bytes = seal_record(&profile_header(profile, kid), &k, profile)?;
        let by_structure = profile
            .structure
            .map(|st| structure_key(st, profile.received_at, &profile.id));
        let by_date = date_key(profile.received_at, &profile.id);
        let res = (
            &t.sessions,
            &t.profiles,
            &t.codes,
            &t.by_structure,
            &t.by_date,
            &t.screenings,
        )
            .transaction(|(s, p, c, bs, bd, sc)| {
                if let Some(existing) = p.get(key)? {
                    match t.unseal::<ProfileRecord>(PROFILES, key, &existing) {
                        Ok(Some(existing_profile)) => {
                            let Some(existing_session) = s.get(key)? else {
                                return Err(abort(corrupt(
                                    SESSIONS,
                                    key,
                                    "a profile exists without its session".into(),
                                )));
                            };
                            let existing_session = t
                                .unseal::<SessionRecord>(SESSIONS, key, &existing_session)
                                .map_err(abort)?
                                .ok_or_else(|| {
                                    abort(corrupt(
                                        SESSIONS,
                                        key,
                                        "a profile's log has lost its key".into(),
                                    ))
                                })?;
                            return Ok(Inserted::Existing(Box::new((
                                existing_session,
                                existing_profile,
                            ))));
                        }
                        // What is left of an erased result (a crash stopped its
                        // removal): its indexes go, the new result takes its place.
                        Ok(None) => {
                            let old = t.place(key, &existing).map_err(abort)?;
                            if c.get(old.code.as_bytes())?.as_deref() == Some(key) {
                                c.remove(old.code.as_bytes())?;
                            }
                            if let Some(st) = old.st {
                                bs.remove(structure_key(st, old.at, &profile.id))?;
                            }
                            bd.remove(date_key(old.at, &profile.id))?;
                        }
                        Err(e) => return Err(abort(e)),
                    }
                }
                if c.get(profile.code.as_bytes())?.is_some() {
                    return Ok(Inserted::CodeTaken);
                }
                s.insert(key, session_bytes.clone())?;
                p.insert(key, profile_bytes.clone())?;
                c.insert(profile.code.as_bytes(), key)?;
                if let Some(k) = &by_structure {
                    bs.insert(k.clone(), &[])?;
                }
                bd.insert(by_date.clone(), &[])?;
                if let Some(sid) = screening {
                    sc.remove(sid.as_bytes())?;
                }
                Ok(Inserted::New)
            });
        res.map_err(tx_error)
    }

    fn result_id_by_code(&self, code: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .gen()
            .codes
            .get(code.as_bytes())
            .map_err(backend)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn profile(&self, id: &str) -> Result<Option<ProfileRecord>, StoreError> {
        let t = self.gen();
        t.get_sealed(&t.profiles, PROFILES, id.as_bytes())
    }

    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let t = self.gen();
        t.get_sealed(&t.sessions, SESSIONS, id.as_bytes())
    }

    fn attach_result(
        &self,
        id: &str,
        structure: u64,
        at: Millis,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        let (_g, t) = self.writing();
        let key = id.as_bytes();
        let res = (&t.profiles, &t.by_structure).transaction(|(p, bs)| {
            let Some(bytes) = p.get(key)? else {
                return Ok(None);
            };
            let Some(mut profile) = t
                .unseal::<ProfileRecord>(PROFILES, key, &bytes)
                .map_err(abort)?
            else {
                return Ok(None);
            };
            if profile.structure.is_some() {
                return Ok(Some(profile));
            }
            profile.structure = Some(structure);
            profile.attached_at = Some(at);
            let value = match t.key_of(PROFILES, key, &bytes) {
                Some((kid, k)) => {
                    seal_record(&profile_header(&profile, kid), &k, &profile).map_err(abort)?
                }
                // Written in clear by an older Repère (compaction seals it).
                None => encode(&profile).map_err(abort)?,
            };
            p.insert(key, value)?;
            bs.insert(structure_key(structure, profile.received_at, id), &[])?;
            Ok(Some(profile))
        });
        res.map_err(tx_error)
    }

    fn delete_result(&self, id: &str) -> Result<bool, StoreError> {
        let (_g, t) = self.writing();
        self.erase_results(&t, &[id.to_string()])?
            .pop()
            .unwrap_or(Ok(false))
    }

    fn scan_profiles(
        &self,
        structure: u64,
        from: Option<Millis>,
        to: Option<Millis>,
        visit: &mut dyn FnMut(ProfileRecord),
    ) -> Result<ScanReport, StoreError> {
        let t = self.gen();
        let mut start = id_key(structure).to_vec();
        start.extend_from_slice(&time_key(from.unwrap_or(0)));
        let mut end = id_key(structure).to_vec();
        match to {
            Some(to) => end.extend_from_slice(&time_key(to)),
            None => end.extend_from_slice(&[0xff; 9]),
        }
        let mut report = ScanReport::default();
        let records = t.by_structure.range(start..end).filter_map(|kv| {
            let (k, _) = match kv {
                Ok(kv) => kv,
                Err(e) => return Some(Err(backend(e))),
            };
            let id = k.get(16..)?.to_vec();
            Some(match t.profiles.get(&id) {
                Err(e) => Err(backend(e)),
                Ok(None) => Ok(Fetched::Missing(format!(
                    "profiles_by_structure: {} points to no profile",
                    printable(&id)
                ))),
                Ok(Some(bytes)) => Ok(Fetched::Found(id, bytes)),
            })
        });
        let decoder = |key: &[u8], bytes: &[u8]| t.unseal::<ProfileRecord>(PROFILES, key, bytes);
        decode_in_order(&decoder, records, &mut report, visit)?;
        for line in &report.corrupt {
            tracing::error!(problem = %line, "scan skipped a record");
        }
        Ok(report)
    }

    fn scan_sessions(
        &self,
        visit: &mut dyn FnMut(SessionRecord),
    ) -> Result<ScanReport, StoreError> {
        let t = self.gen();
        let mut report = ScanReport::default();
        let records = t.sessions.iter().map(|kv| {
            let (k, v) = kv.map_err(backend)?;
            Ok(Fetched::Found(k.to_vec(), v))
        });
        let decoder = |key: &[u8], bytes: &[u8]| t.unseal::<SessionRecord>(SESSIONS, key, bytes);
        decode_in_order(&decoder, records, &mut report, visit)?;
        for line in &report.corrupt {
            tracing::error!(problem = %line, "scan skipped a record");
        }
        Ok(report)
    }

    fn purge(
        &self,
        results_before: Millis,
        now: Millis,
        screenings_before: Millis,
    ) -> Result<PurgeReport, StoreError> {
        let mut report = PurgeReport::default();
        let old: Vec<sled::IVec> = self
            .gen()
            .by_date
            .range(..time_key(results_before).to_vec())
            .keys()
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        for chunk in old.chunks(ERASE_CHUNK) {
            let ids: Vec<String> = chunk
                .iter()
                .filter_map(|key| key.get(8..))
                .map(|id| String::from_utf8_lossy(id).into_owned())
                .collect();
            let (_g, t) = self.writing();
            let answers = self.erase_results(&t, &ids)?;
            for ((key, id), answer) in chunk.iter().zip(&ids).zip(answers) {
                match answer {
                    Ok(true) => report.results += 1,
                    // A date entry that points to nothing: drop it.
                    Ok(false) => {
                        if t.profiles.get(id.as_bytes()).map_err(backend)?.is_none() {
                            t.by_date.remove(key).map_err(backend)?;
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "purge skipped a result that cannot be decoded")
                    }
                }
            }
        }
        for kv in self.gen().logins.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode::<LoginSession>("logins", &k, &v) {
                Ok(s) if s.expires_at <= now => {
                    let (_g, t) = self.writing();
                    t.logins.remove(&k).map_err(backend)?;
                    report.logins += 1;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purge skipped a login session"),
            }
        }
        for kv in self.gen().challenges.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode::<LoginChallenge>("challenges", &k, &v) {
                Ok(c) if c.expires_at <= now => {
                    let (_g, t) = self.writing();
                    t.challenges.remove(&k).map_err(backend)?;
                    report.challenges += 1;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purge skipped a login challenge"),
            }
        }
        {
            // Abandoned screenings: their keys are erased first, then the records.
            let (_g, t) = self.writing();
            let _screening_keys = self
                .screening_keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut gone = Vec::new();
            let mut kids = Vec::new();
            let mut abandoned = 0;
            for kv in t.screenings.iter() {
                let (k, v) = kv.map_err(backend)?;
                match t.unseal::<Screening>(SCREENINGS, &k, &v) {
                    Ok(Some(s)) if s.created_at < screenings_before => {
                        kids.extend(t.key_of(SCREENINGS, &k, &v).map(|(kid, _)| kid));
                        gone.push(k);
                        abandoned += 1;
                    }
                    // Its key already erased (a crash stopped its removal).
                    Ok(None) => gone.push(k),
                    Ok(Some(_)) => {}
                    Err(e) => tracing::error!(error = %e, "purge skipped a screening"),
                }
            }
            t.keys.erase(&kids)?;
            report.screenings = abandoned;
            for k in gone {
                t.screenings.remove(&k).map_err(backend)?;
            }
        }
        let stale = |expires_at: Millis| expires_at.saturating_add(EXPIRED_CODE_KEPT_MS) <= now;
        for kv in self.gen().kiosks.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode::<Kiosk>("kiosks", &k, &v) {
                Ok(kiosk) if kiosk.pairing.as_ref().is_some_and(|p| stale(p.expires_at)) => {
                    let (_g, t) = self.writing();
                    let res = (&t.kiosks, &t.kiosk_codes).transaction(|(ks, c)| {
                        // Read again inside the transaction: a new code may have
                        // replaced the expired one since the scan read it.
                        let Some(bytes) = ks.get(&k)? else {
                            return Ok(false);
                        };
                        let mut kiosk: Kiosk = decode("kiosks", &k, &bytes).map_err(abort)?;
                        match kiosk.pairing.take() {
                            Some(p) if stale(p.expires_at) => {
                                c.remove(p.code_hash.as_bytes())?;
                            }
                            _ => return Ok(false),
                        }
                        ks.insert(&k, encode(&kiosk).map_err(abort)?)?;
                        Ok(true)
                    });
                    if res.map_err(tx_error)? {
                        report.pairing_codes += 1;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purge skipped a kiosk"),
            }
        }
        Ok(report)
    }

    fn limit_windows(&self) -> Result<Vec<LimitWindow>, StoreError> {
        let mut out = Vec::new();
        for kv in self.gen().limits.iter() {
            let (k, v) = kv.map_err(backend)?;
            let parsed = std::str::from_utf8(&k).ok().and_then(|k| {
                let (limiter, key) = k.split_once('\0')?;
                let start = i64::from_be_bytes(v.get(..8)?.try_into().ok()?);
                let count = u32::from_be_bytes(v.get(8..12)?.try_into().ok()?);
                Some(LimitWindow {
                    limiter: limiter.to_string(),
                    key: key.to_string(),
                    start,
                    count,
                })
            });
            match parsed {
                Some(w) => out.push(w),
                None => tracing::error!("skipping a rate-limit window that cannot be decoded"),
            }
        }
        Ok(out)
    }

    fn put_limit_window(&self, window: &LimitWindow) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        let key = format!("{}\0{}", window.limiter, window.key);
        let mut value = window.start.to_be_bytes().to_vec();
        value.extend_from_slice(&window.count.to_be_bytes());
        t.limits.insert(key.as_bytes(), value).map_err(backend)?;
        Ok(())
    }

    fn remove_limit_window(&self, limiter: &str, key: &str) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.limits
            .remove(format!("{limiter}\0{key}").as_bytes())
            .map_err(backend)?;
        Ok(())
    }

    fn replace_places(&self, places: &[repere_items::places::Place]) -> Result<usize, StoreError> {
        let _one = self
            .places_import
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let old = self.places_generation()?;
        let new = old.saturating_add(1);
        let previous = self.places_count()?;
        // A crash in the middle of an earlier import may have left a half-written
        // generation `new`: start it clean.
        self.remove_places_prefix(&new.to_be_bytes())?;
        for (n, chunk) in places.chunks(PLACES_PER_CHUNK).enumerate() {
            let n = u32::try_from(n)
                .map_err(|_| StoreError::Backend("too many places for one import".to_string()))?;
            let value = encode(&PlacesChunkRef { places: chunk })?;
            let (_g, t) = self.writing();
            t.places
                .insert(places_key(new, n), value)
                .map_err(backend)?;
        }
        {
            let (_g, t) = self.writing();
            let mut batch = sled::Batch::default();
            batch.insert("places_generation", new.to_string().as_bytes());
            batch.insert("places_count", places.len().to_string().as_bytes());
            t.meta.apply_batch(batch).map_err(backend)?;
        }
        self.remove_places_prefix(&old.to_be_bytes())?;
        Ok(previous)
    }

    fn places_generation(&self) -> Result<u64, StoreError> {
        match self.meta("places_generation")? {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| {
                StoreError::Backend(format!("meta/places_generation is not a number: {v:?}"))
            }),
        }
    }

    fn scan_places(
        &self,
        visit: &mut dyn FnMut(repere_items::places::Place),
    ) -> Result<ScanReport, StoreError> {
        let t = self.gen();
        let prefix = self.places_generation()?.to_be_bytes();
        let mut report = ScanReport::default();
        let records = t.places.scan_prefix(prefix).map(|kv| {
            let (k, v) = kv.map_err(backend)?;
            Ok(Fetched::Found(k.to_vec(), v))
        });
        let decoder =
            |key: &[u8], bytes: &[u8]| decode::<PlacesChunk>("places", key, bytes).map(Some);
        decode_in_order(&decoder, records, &mut report, &mut |chunk: PlacesChunk| {
            chunk.places.into_iter().for_each(&mut *visit)
        })?;
        for line in &report.corrupt {
            tracing::error!(problem = %line, "scan skipped a record");
        }
        Ok(report)
    }

    fn structure_places(&self, structure: u64) -> Result<StructurePlaces, StoreError> {
        Ok(self
            .get(
                &self.gen().structure_places,
                "structure_places",
                &id_key(structure),
            )?
            .unwrap_or_else(|| StructurePlaces::empty(structure)))
    }

    fn put_structure_places(&self, places: &StructurePlaces) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        if t.structures
            .get(id_key(places.structure))
            .map_err(backend)?
            .is_none()
        {
            return Err(StoreError::NoStructure(places.structure));
        }
        t.structure_places
            .insert(id_key(places.structure), encode(places)?)
            .map_err(backend)?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .gen()
            .meta
            .get(key.as_bytes())
            .map_err(backend)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (_g, t) = self.writing();
        t.meta
            .insert(key.as_bytes(), value.as_bytes())
            .map_err(backend)?;
        Ok(())
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let t = self.gen();
        let results = t.profiles.len();
        Ok(Stats {
            structures: t.structures.len(),
            users: t.users.len(),
            kiosks: t.kiosks.len(),
            results,
            unattached: results.saturating_sub(t.by_structure.len()),
            screenings: t.screenings.len(),
            logins: t.logins.len(),
            places: self.places_count()?,
        })
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.gen().db.flush().map_err(backend)?;
        Ok(())
    }

    fn backup_to(&self, dir: &Path) -> Result<BackupReport, StoreError> {
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| io_error("read", dir, &e))?;
            if entries.next().is_some() {
                return Err(StoreError::Backend(format!(
                    "{} is not empty: a backup goes into a new or empty folder",
                    dir.display()
                )));
            }
        }
        files::create_private_dir(dir).map_err(|e| io_error("create", dir, &e))?;
        // Writers hold the read side: taking the write side waits for operations in
        // flight and holds new ones until the copy is done.
        let _exclusive = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        let t = self.gen();
        let name = format!("{}1", files::STORE_PREFIX);
        let (copy, report) = copy_store(&t, dir, &name)?;
        drop(copy);
        files::write_current(dir, &name)?;
        files::tighten(dir)?;
        Ok(BackupReport {
            trees: report.trees,
            entries: report.entries,
        })
    }

    fn compact(&self) -> Result<CompactReport, StoreError> {
        SledStore::compact(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::outcome::Outcome;
    use crate::records::Source;
    use crate::submission::AnswerLog;

    #[test]
    fn a_full_disk_is_told_apart_from_other_storage_errors() {
        for kind in [
            std::io::ErrorKind::StorageFull,
            std::io::ErrorKind::QuotaExceeded,
        ] {
            let e = backend(sled::Error::Io(std::io::Error::from(kind)));
            assert!(matches!(e, StoreError::Full(_)), "{kind:?}: {e:?}");
        }
        // sled hands out later copies of a failed write's error with the same kind.
        let copy = sled::Error::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)).clone();
        assert!(matches!(backend(copy), StoreError::Full(_)));
        for other in [
            sled::Error::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            sled::Error::Unsupported("x".into()),
        ] {
            assert!(matches!(backend(other), StoreError::Backend(_)));
        }
    }

    /// A store in a fresh temporary folder, removed on drop.
    pub(crate) struct TempStore {
        pub store: SledStore,
        pub dir: PathBuf,
    }

    impl Drop for TempStore {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    pub(crate) fn temp_path(tag: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!(
            "repere-unit-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    pub(crate) fn temp_store() -> TempStore {
        let dir = temp_path("store");
        TempStore {
            store: SledStore::open(&dir).expect("open"),
            dir,
        }
    }

    fn outcome() -> Outcome {
        Outcome {
            engine_version: "0.1.0".into(),
            referentiel_id: "repere-gd".into(),
            referentiel_version: "1.0.0".into(),
            estimator: "eap".into(),
            theta: 0.25,
            se: 0.5,
            items: 1,
            skipped: 0,
            skills: Vec::new(),
            profile: None,
            assessment: None,
        }
    }

    pub(crate) fn records(
        id: &str,
        code: &str,
        at: Millis,
        structure: Option<u64>,
    ) -> (SessionRecord, ProfileRecord) {
        let submission = AnswerLog {
            id: id.into(),
            referentiel: repere_items::assessment::ReferentielRef {
                id: "repere-gd".into(),
                version: "1.0.0".into(),
            },
            bank_version: "1.0.0".into(),
            engine_version: "0.1.0".into(),
            seed: 1,
            context: Vec::new(),
            answers: Vec::new(),
            started_at: 0,
            finished_at: None,
            mode: repere_items::assessment::Mode::Kiosk,
        };
        let source = if structure.is_some() {
            Source::Kiosk { kiosk: 1 }
        } else {
            Source::Anonymous
        };
        (
            SessionRecord {
                v: SCHEMA_VERSION,
                id: id.into(),
                received_at: at,
                source: source.clone(),
                submission,
            },
            ProfileRecord {
                v: SCHEMA_VERSION,
                id: id.into(),
                code: code.into(),
                received_at: at,
                source,
                structure,
                attached_at: None,
                person: None,
                consent_at: None,
                context: None,
                outcome: outcome(),
            },
        )
    }

    fn scan(store: &SledStore, structure: u64) -> Vec<String> {
        let mut out = Vec::new();
        store
            .scan_profiles(structure, None, None, &mut |p| out.push(p.code))
            .expect("scan");
        out
    }

    #[test]
    fn insert_is_idempotent_and_codes_are_unique() {
        let t = temp_store();
        let (s, p) = records("id-1", "AAAA-AAAA", 1000, Some(7));
        assert!(matches!(
            t.store.insert_result(&s, &p, None),
            Ok(Inserted::New)
        ));
        let (s2, mut p2) = records("id-1", "CCCC-CCCC", 2000, Some(7));
        p2.code = "CCCC-CCCC".into();
        match t.store.insert_result(&s2, &p2, None) {
            Ok(Inserted::Existing(b)) => assert_eq!(b.1.code, "AAAA-AAAA"),
            other => panic!("{other:?}"),
        }
        let (s3, p3) = records("id-2", "AAAA-AAAA", 3000, Some(7));
        assert!(matches!(
            t.store.insert_result(&s3, &p3, None),
            Ok(Inserted::CodeTaken)
        ));
        assert_eq!(t.store.stats().expect("stats").results, 1);
        assert_eq!(
            t.store
                .result_id_by_code("AAAA-AAAA")
                .expect("code")
                .as_deref(),
            Some("id-1")
        );
        assert_eq!(scan(&t.store, 7), vec!["AAAA-AAAA"]);
        assert!(scan(&t.store, 8).is_empty());
    }

    #[test]
    fn concurrent_duplicates_store_one_record() {
        let t = Arc::new(temp_store());
        let handles: Vec<_> = (0..8)
            .map(|k| {
                let t = t.clone();
                std::thread::spawn(move || {
                    let (s, p) = records("same", &format!("DDDD-DDD{}", k + 2), 1000, None);
                    match t.store.insert_result(&s, &p, None).expect("insert") {
                        Inserted::New => (true, p.code),
                        Inserted::Existing(b) => (false, b.1.code),
                        Inserted::CodeTaken => panic!("distinct codes"),
                    }
                })
            })
            .collect();
        let results: Vec<(bool, String)> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        assert_eq!(
            results.iter().filter(|(new, _)| *new).count(),
            1,
            "{results:?}"
        );
        let winner = results
            .iter()
            .find(|(new, _)| *new)
            .map(|(_, c)| c.clone())
            .expect("winner");
        assert!(results.iter().all(|(_, c)| *c == winner));
        let s = t.store.stats().expect("stats");
        assert_eq!((s.results, s.unattached), (1, 1));
        // Only the winner's code is indexed.
        let codes = t.store.gen().codes.len();
        assert_eq!(codes, 1);
    }

    #[test]
    fn attach_delete_and_purge_keep_indexes_in_step() {
        let t = temp_store();
        for (i, at) in [100, 200, 300].iter().enumerate() {
            let (s, p) = records(&format!("r{i}"), &format!("EEEE-EEE{}", i + 2), *at, None);
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        assert!(scan(&t.store, 5).is_empty());
        let p = t
            .store
            .attach_result("r1", 5, 999)
            .expect("attach")
            .expect("present");
        assert_eq!((p.structure, p.attached_at), (Some(5), Some(999)));
        // Attaching again to another structure changes nothing.
        let again = t
            .store
            .attach_result("r1", 6, 1000)
            .expect("attach")
            .expect("present");
        assert_eq!(again.structure, Some(5));
        assert_eq!(scan(&t.store, 5), vec!["EEEE-EEE3"]);
        assert!(scan(&t.store, 6).is_empty());
        assert_eq!(t.store.stats().expect("stats").unattached, 2);
        // Date range [150, 250) of structure 5.
        let mut in_range = 0;
        t.store
            .scan_profiles(5, Some(150), Some(250), &mut |_| in_range += 1)
            .expect("scan");
        assert_eq!(in_range, 1);
        t.store
            .scan_profiles(5, Some(250), None, &mut |_| in_range += 10)
            .expect("scan");
        assert_eq!(in_range, 1);

        assert!(t.store.delete_result("r1").expect("delete"));
        assert!(!t.store.delete_result("r1").expect("delete"));
        assert!(scan(&t.store, 5).is_empty());
        assert_eq!(t.store.result_id_by_code("EEEE-EEE3").expect("code"), None);

        let report = t.store.purge(250, 0, 0).expect("purge");
        assert_eq!(report.results, 1, "r0 (100) goes, r2 (300) stays");
        assert!(t.store.profile("r0").expect("get").is_none());
        assert!(t.store.profile("r2").expect("get").is_some());
        assert_eq!(t.store.gen().by_date.len(), 1);
        assert_eq!(t.store.gen().codes.len(), 1);
    }

    #[test]
    fn a_long_scan_is_decoded_in_batches_and_visited_in_time_order() {
        let t = temp_store();
        // More than one batch, and enough for the parallel decoder; inserted out
        // of time order, with one undecodable record in the middle.
        let n = SCAN_BATCH + 300;
        for k in (0..n).rev() {
            let (s, p) = records(
                &format!("r{k:05}"),
                &format!("C{k:05}"),
                1_000 + k as i64,
                Some(3),
            );
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        t.store
            .gen()
            .profiles
            .insert("r00700", b"[1,".to_vec())
            .expect("raw write");
        let mut seen = Vec::new();
        let report = t
            .store
            .scan_profiles(3, None, None, &mut |p| seen.push(p.received_at))
            .expect("scan");
        let expected: Vec<i64> = (0..n as i64)
            .filter(|&k| k != 700)
            .map(|k| 1_000 + k)
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(report.corrupt.len(), 1, "{:?}", report.corrupt);
        assert!(report.corrupt[0].contains("r00700"), "{:?}", report.corrupt);
    }

    #[test]
    fn stores_made_with_sleds_default_segments_still_open() {
        let dir = temp_path("segments");
        {
            let db = sled::Config::new().path(&dir).open().expect("plain sled");
            db.open_tree("meta")
                .and_then(|m| m.insert("probe", "1"))
                .expect("tree");
            db.flush().expect("flush");
        }
        let conf = |dir: &Path| {
            String::from_utf8_lossy(&std::fs::read(dir.join("conf")).unwrap_or_default())
                .into_owned()
        };
        assert!(
            conf(&dir).contains("segment_size: 524288"),
            "{}",
            conf(&dir)
        );
        {
            let s = SledStore::open(&dir).expect("an older store opens");
            assert_eq!(s.meta("probe").expect("meta").as_deref(), Some("1"));
        }
        // Moved into a store folder made with today's segments.
        assert!(!dir.join("conf").exists() && !dir.join("db").exists());
        assert!(
            conf(&dir.join("store-1")).contains(&format!("segment_size: {NEW_STORE_SEGMENT_SIZE}")),
            "{}",
            conf(&dir.join("store-1"))
        );
        let _ = std::fs::remove_dir_all(&dir);
        let fresh = temp_store();
        assert!(
            conf(&fresh.dir.join("store-1"))
                .contains(&format!("segment_size: {NEW_STORE_SEGMENT_SIZE}")),
            "{}",
            conf(&fresh.dir)
        );
    }

    #[test]
    fn undecodable_records_are_reported_and_kept() {
        let t = temp_store();
        let (s, p) = records("good", "FFFF-FFF2", 100, Some(1));
        t.store.insert_result(&s, &p, None).expect("insert");
        let (s, p) = records("bad", "FFFF-FFF3", 200, Some(1));
        t.store.insert_result(&s, &p, None).expect("insert");
        t.store
            .gen()
            .profiles
            .insert("bad", b"{not json".to_vec())
            .expect("raw write");
        let mut newer = serde_json::to_value(&p).expect("json");
        newer["v"] = serde_json::json!(99);
        let (s3, p3) = records("newer", "FFFF-FFF4", 300, Some(1));
        t.store.insert_result(&s3, &p3, None).expect("insert");
        t.store
            .gen()
            .profiles
            .insert("newer", serde_json::to_vec(&newer).expect("json"))
            .expect("raw write");

        let mut seen = Vec::new();
        let report = t
            .store
            .scan_profiles(1, None, None, &mut |p| seen.push(p.id))
            .expect("scan");
        assert_eq!(seen, vec!["good"]);
        assert_eq!(report.corrupt.len(), 2, "{:?}", report.corrupt);
        assert!(report.corrupt.iter().any(|l| l.contains("newer than")));
        assert!(matches!(
            t.store.profile("bad"),
            Err(StoreError::Corrupt { .. })
        ));
        // Neither purge nor delete destroys what it cannot read.
        t.store.purge(10_000, 0, 0).expect("purge");
        assert!(t.store.delete_result("bad").is_err());
        assert_eq!(
            t.store.gen().profiles.get("bad").expect("get").as_deref(),
            Some(&b"{not json"[..])
        );
        assert!(t.store.gen().profiles.get("newer").expect("get").is_some());
    }

    #[test]
    fn a_store_opens_once_and_refuses_newer_schemas() {
        let t = temp_store();
        assert!(matches!(
            SledStore::open(&t.dir),
            Err(StoreError::Locked(_))
        ));
        let dir = temp_path("schema");
        {
            let s = SledStore::open(&dir).expect("open");
            s.set_meta("schema", "3").expect("meta");
            s.flush().expect("flush");
        }
        assert!(matches!(
            SledStore::open(&dir),
            Err(StoreError::NewerSchema {
                found: 3,
                supported: STORE_SCHEMA
            })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A result of structure 1 for `name`: the name as its first name and in a
    /// context answer of its log and of its profile.
    fn named(id: &str, code: &str, at: Millis, name: &str) -> (SessionRecord, ProfileRecord) {
        let (mut s, mut p) = records(id, code, at, Some(1));
        let answer = repere_items::assessment::ContextAnswer {
            question: "goal".into(),
            answer: format!("ctx-{name}"),
        };
        s.submission.context = vec![answer.clone()];
        p.context = Some(vec![answer]);
        p.person = Some(name.to_string());
        p.consent_at = Some(at);
        (s, p)
    }

    fn screening_of(id: &str, name: &str, created_at: Millis) -> Screening {
        Screening {
            v: SCHEMA_VERSION,
            id: id.into(),
            structure: 1,
            agent: 2,
            person: Some(name.into()),
            consent_at: Some(created_at),
            created_at,
        }
    }

    fn person_of(store: &SledStore, id: &str) -> Option<String> {
        store.profile(id).expect("read").and_then(|p| p.person)
    }

    #[test]
    fn deleted_purged_and_abandoned_records_leave_nothing_readable_in_any_file() {
        let dir = temp_path("erasure");
        let kept = ["Amandine-Kept", "Barnabe-Kept"];
        let gone = [
            "Clothilde-Deleted",
            "Dieudonne-Purged",
            "Eulalie-Abandoned",
            "Fulbert-Screened",
        ];
        {
            let store = SledStore::open(&dir).expect("open");
            let insert = |r: (SessionRecord, ProfileRecord), screening: Option<&str>| {
                assert!(matches!(
                    store.insert_result(&r.0, &r.1, screening).expect("insert"),
                    Inserted::New
                ));
            };
            insert(named("k1", "KKKK-0001", 10_000, kept[0]), None);
            store
                .put_screening(&screening_of("s-kept", kept[1], 9_000))
                .expect("screening");
            insert(named("k2", "KKKK-0002", 10_000, kept[1]), Some("s-kept"));
            insert(named("d1", "DDDD-0001", 10_000, gone[0]), None);
            insert(named("p1", "PPPP-0001", 100, gone[1]), None);
            store
                .put_screening(&screening_of("s-old", gone[2], 100))
                .expect("screening");
            store
                .put_screening(&screening_of("s-gone", gone[3], 9_500))
                .expect("screening");
            insert(named("d2", "DDDD-0002", 10_000, gone[3]), Some("s-gone"));
            store.flush().expect("flush");

            // Control: while their keys exist, every name can be read (opened with
            // the key file), none in clear.
            let before = sealed::readable(&dir);
            for name in kept.iter().chain(&gone) {
                assert!(before.contains(name), "{name} is readable before");
                assert!(
                    !before.raw.windows(name.len()).any(|w| w == name.as_bytes()),
                    "{name} is never written in clear"
                );
            }
            assert!(store.delete_result("d1").expect("delete"));
            assert!(store.delete_result("d2").expect("delete"));
            let report = store.purge(5_000, 10_000, 5_000).expect("purge");
            assert_eq!((report.results, report.screenings), (1, 1));
            store.flush().expect("flush");
        }
        // After a restart: the kept ones read, the others are gone, and no file
        // under the data folder gives any of their names, with every key found there.
        let store = SledStore::open(&dir).expect("reopen");
        assert_eq!(person_of(&store, "k1").as_deref(), Some(kept[0]));
        assert_eq!(person_of(&store, "k2").as_deref(), Some(kept[1]));
        for id in ["d1", "d2", "p1"] {
            assert!(store.profile(id).expect("read").is_none(), "{id}");
            assert!(store.session(id).expect("read").is_none(), "{id}");
        }
        assert!(store.screening("s-old").expect("read").is_none());
        let check = |what: &str, r: &sealed::Readable| {
            for name in gone {
                assert!(!r.contains(name), "{what}: {name} can still be read");
            }
            for name in kept {
                assert!(r.contains(name), "{what}: {name} is kept");
            }
        };
        check("data folder", &sealed::readable(&dir));
        // A new backup: no trace at all of what was deleted, not even sealed.
        let backup = temp_path("erasure-backup");
        store.backup_to(&backup).expect("backup");
        let copy = sealed::readable(&backup);
        check("backup", &copy);
        assert!(copy.noise.is_empty(), "{:?}", copy.noise);
        // Compaction drops what sled kept of the deleted records.
        let report = store.compact().expect("compact");
        assert_eq!((report.sealed, report.erased), (0, 0));
        assert_eq!(report.keys, 2, "one key per kept result");
        let compacted = sealed::readable(&dir);
        check("compacted", &compacted);
        assert!(compacted.noise.is_empty(), "{:?}", compacted.noise);
        assert_eq!(person_of(&store, "k2").as_deref(), Some(kept[1]));
        drop(store);
        for d in [&dir, &backup] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn a_store_written_in_clear_is_sealed_at_open_and_reads_the_same() {
        let dir = temp_path("legacy");
        let (s1, p1) = named("old-1", "LLLL-0001", 1_000, "Gertrude-Legacy");
        let (s2, p2) = named("old-2", "LLLL-0002", 2_000, "Hippolyte-Legacy");
        let names = ["Gertrude-Legacy", "Hippolyte-Legacy", "Isidore-Legacy"];
        {
            // As an older Repère wrote it: sled's files at the top, JSON in clear.
            let db = sled::Config::new().path(&dir).open().expect("plain sled");
            let tree = |n: &str| db.open_tree(n).expect("tree");
            tree("meta").insert("schema", "1").expect("meta");
            let st = Structure {
                v: SCHEMA_VERSION,
                id: 1,
                name: "S".into(),
                created_at: 0,
                tz: None,
                second_factor_required: false,
            };
            tree("structures")
                .insert(id_key(1), encode(&st).expect("json"))
                .expect("insert");
            for (s, p) in [(&s1, &p1), (&s2, &p2)] {
                let id = p.id.as_bytes();
                tree(SESSIONS)
                    .insert(id, encode(s).expect("json"))
                    .expect("insert");
                tree(PROFILES)
                    .insert(id, encode(p).expect("json"))
                    .expect("insert");
                tree(CODES).insert(p.code.as_bytes(), id).expect("insert");
                tree(BY_STRUCTURE)
                    .insert(structure_key(1, p.received_at, &p.id), &[])
                    .expect("insert");
                tree(BY_DATE)
                    .insert(date_key(p.received_at, &p.id), &[])
                    .expect("insert");
            }
            tree(SCREENINGS)
                .insert(
                    "s1",
                    encode(&screening_of("s1", names[2], 50)).expect("json"),
                )
                .expect("insert");
            tree(PROFILES)
                .insert("broken", &b"{not json"[..])
                .expect("insert");
            db.flush().expect("flush");
        }
        assert!(sealed::readable(&dir).contains(names[0]), "in clear before");
        {
            let store = SledStore::open(&dir).expect("an older store opens");
            assert_eq!(store.profile("old-1").expect("read"), Some(p1.clone()));
            assert_eq!(store.session("old-2").expect("read"), Some(s2.clone()));
            assert_eq!(
                store.screening("s1").expect("read").and_then(|s| s.person),
                Some(names[2].to_string())
            );
            assert_eq!(scan(&store, 1), vec!["LLLL-0001", "LLLL-0002"]);
            assert!(matches!(
                store.profile("broken"),
                Err(StoreError::Corrupt { .. })
            ));
            assert_eq!(
                store.gen().profiles.get("broken").expect("get").as_deref(),
                Some(&b"{not json"[..]),
                "left as it was"
            );
            assert!(store.delete_result("old-1").expect("delete"));
            assert_eq!(store.stats().expect("stats").results, 2);
        }
        let after = sealed::readable(&dir);
        for name in names {
            assert!(
                !after.raw.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name} in clear"
            );
        }
        assert!(!after.contains(names[0]), "deleted after the move");
        assert!(after.contains(names[1]) && after.contains(names[2]));
        // A result's log and profile share one key.
        let keys: Vec<u64> = after
            .opened
            .iter()
            .filter(|(h, _)| h.id == "old-2")
            .map(|(h, _)| h.k)
            .collect();
        assert!(
            keys.len() >= 2 && keys.iter().all(|k| *k == keys[0]),
            "{keys:?}"
        );
        assert!(!dir.join("db").exists() && !dir.join("conf").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join(files::CURRENT_FILE)).expect("current"),
            "store-1\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn compaction_keeps_every_result_written_before_and_during_it() {
        let t = Arc::new(temp_store());
        for i in 0..300 {
            let (s, p) = named(&format!("r{i:03}"), &format!("R{i:03}"), 1_000 + i, "N");
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        for i in (0..300).step_by(3) {
            assert!(t.store.delete_result(&format!("r{i:03}")).expect("delete"));
        }
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let t = t.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let (s, p) = named(&format!("w{i:03}"), &format!("W{i:03}"), 5_000 + i, "N");
                    t.store.insert_result(&s, &p, None).expect("insert");
                }
            })
        };
        let reader = {
            let (t, done) = (t.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !done.load(Ordering::Relaxed) {
                    assert!(t.store.profile("r001").expect("read").is_some());
                    reads += 1;
                }
                reads
            })
        };
        let first = t.store.compact().expect("compact");
        let second = t.store.compact().expect("compact");
        writer.join().expect("writer");
        done.store(true, Ordering::Relaxed);
        assert!(reader.join().expect("reader") > 0);
        assert_eq!((first.erased, second.erased), (0, 0));
        for i in 0..300 {
            let id = format!("r{i:03}");
            assert_eq!(
                t.store.profile(&id).expect("read").is_some(),
                i % 3 != 0,
                "{id}"
            );
        }
        for i in 0..200 {
            assert!(t
                .store
                .profile(&format!("w{i:03}"))
                .expect("read")
                .is_some());
        }
        assert_eq!(t.store.stats().expect("stats").results, 400);
        assert_eq!(scan(&t.store, 1).len(), 400);
        let folders: Vec<String> = std::fs::read_dir(&t.dir)
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| files::generation(n).is_some())
            .collect();
        assert_eq!(folders, vec!["store-3".to_string()]);
    }

    #[test]
    fn what_a_crash_leaves_is_cleaned_at_open_and_erased_results_stay_erased() {
        let dir = temp_path("crash");
        let key_of = |store: &SledStore, id: &str| {
            let raw = store.gen().profiles.get(id).expect("get").expect("there");
            checked_header(PROFILES, id.as_bytes(), &raw)
                .expect("sealed")
                .0
                .k
        };
        {
            let store = SledStore::open(&dir).expect("open");
            for (id, code, name) in [
                ("r1", "CRSH-0001", "Jeannot-Crash"),
                ("r2", "CRSH-0002", "Kevin-Kept"),
                ("r3", "CRSH-0003", "Lucien-Crash"),
            ] {
                let (s, p) = named(id, code, 1_000, name);
                store.insert_result(&s, &p, None).expect("insert");
            }
            // A crash between erasing a result's key and removing its records.
            for id in ["r1", "r3"] {
                assert_eq!(
                    store
                        .gen()
                        .keys
                        .erase(&[key_of(&store, id)])
                        .expect("erase"),
                    1
                );
            }
            assert!(store.profile("r1").expect("read").is_none());
            let report = store
                .scan_profiles(1, None, None, &mut |_| {})
                .expect("scan");
            assert!(report.corrupt.is_empty(), "{:?}", report.corrupt);
            store.flush().expect("flush");
        }
        assert!(!sealed::readable(&dir).contains("Jeannot-Crash"));
        // What an interrupted compaction or key rewrite leaves.
        std::fs::create_dir_all(dir.join("store-2")).expect("mkdir");
        std::fs::write(dir.join("store-2/db"), b"half a copy").expect("write");
        std::fs::write(dir.join("store-1/keys.tmp"), b"half a key file").expect("write");
        std::fs::write(dir.join("current.tmp"), b"store-2").expect("write");
        {
            let store = SledStore::open(&dir).expect("reopen");
            for leftover in ["store-2", "store-1/keys.tmp", "current.tmp"] {
                assert!(!dir.join(leftover).exists(), "{leftover}");
            }
            assert_eq!(person_of(&store, "r2").as_deref(), Some("Kevin-Kept"));
            assert!(store.profile("r1").expect("read").is_none());
            // The same log sent again takes the erased one's place, with its code.
            let (s, p) = named("r1", "CRSH-0009", 2_000, "Jeannot-Again");
            assert!(matches!(
                store.insert_result(&s, &p, None).expect("insert"),
                Inserted::New
            ));
            assert_eq!(store.result_id_by_code("CRSH-0001").expect("code"), None);
            assert_eq!(scan(&store, 1), vec!["CRSH-0002", "CRSH-0009"]);
            // Compaction drops the other one with its indexes.
            let report = store.compact().expect("compact");
            assert_eq!(report.erased, 1);
            assert_eq!(store.result_id_by_code("CRSH-0003").expect("code"), None);
            assert_eq!(store.stats().expect("stats").results, 2);
            // Deleting a result whose key went earlier is a no-op, not an error.
            assert!(!store.delete_result("r3").expect("delete"));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_and_backups_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        // As `repere` does at start; new files of sled follow it.
        files::owner_only_umask();
        let dir = temp_path("modes");
        let walk = |root: &Path, visit: &mut dyn FnMut(&Path, bool)| {
            let mut stack = vec![root.to_path_buf()];
            while let Some(d) = stack.pop() {
                visit(&d, true);
                for e in std::fs::read_dir(&d).expect("read").flatten() {
                    if e.path().is_dir() {
                        stack.push(e.path());
                    } else {
                        visit(&e.path(), false);
                    }
                }
            }
        };
        {
            let store = SledStore::open(&dir).expect("open");
            let (s, p) = named("m1", "MODE-0001", 1_000, "N");
            store.insert_result(&s, &p, None).expect("insert");
            store.flush().expect("flush");
        }
        // Loosened, as an older Repère left its files (umask 022).
        walk(&dir, &mut |p, is_dir| {
            let mode = if is_dir { 0o755 } else { 0o644 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        });
        let backup = temp_path("modes-backup");
        {
            let store = SledStore::open(&dir).expect("open");
            store.backup_to(&backup).expect("backup");
            store.compact().expect("compact");
            store.flush().expect("flush");
        }
        let mut seen = 0;
        for root in [&dir, &backup] {
            walk(root, &mut |p, is_dir| {
                let mode = std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
                assert_eq!(mode, if is_dir { 0o700 } else { 0o600 }, "{}", p.display());
                seen += 1;
            });
        }
        assert!(seen > 10, "{seen} entries checked");
        for d in [&dir, &backup] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn backup_is_a_complete_working_store() {
        let t = temp_store();
        let id = t.store.next_id().expect("id");
        for i in 0..50 {
            let (s, p) = records(
                &format!("b{i}"),
                &format!("GGGG-{:04}", 2222 + i),
                i,
                Some(3),
            );
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        let target = temp_path("backup");
        let report = t.store.backup_to(&target).expect("backup");
        assert!(report.entries >= 50 * 5);
        assert!(
            t.store.backup_to(&target).is_err(),
            "never into a non-empty folder"
        );
        let copy = SledStore::open(&target).expect("open copy");
        assert_eq!(
            copy.stats().expect("stats"),
            t.store.stats().expect("stats")
        );
        assert_eq!(scan(&copy, 3), scan(&t.store, 3));
        assert!(
            copy.next_id().expect("id") > id,
            "ids are not reused after a restore"
        );
        drop(copy);
        let _ = std::fs::remove_dir_all(&target);
    }

    #[test]
    fn scan_sessions_reads_every_log_and_reports_undecodable_ones() {
        let t = temp_store();
        // Attached (kiosk), unattached (anonymous), and one attached later.
        for (id, code, st) in [
            ("k1", "KKKK-KKK2", Some(4)),
            ("a1", "KKKK-KKK3", None),
            ("a2", "KKKK-KKK4", None),
        ] {
            let (s, p) = records(id, code, 100, st);
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        t.store.attach_result("a2", 4, 200).expect("attach");
        t.store
            .gen()
            .sessions
            .insert("broken", b"{oops".to_vec())
            .expect("raw write");
        let mut seen = Vec::new();
        let report = t
            .store
            .scan_sessions(&mut |s| seen.push((s.id, crate::view::source_name(&s.source))))
            .expect("scan");
        assert_eq!(
            seen,
            vec![
                ("a1".to_string(), "anonymous"),
                ("a2".to_string(), "anonymous"),
                ("k1".to_string(), "kiosk"),
            ]
        );
        assert_eq!(report.corrupt.len(), 1, "{:?}", report.corrupt);
        assert!(report.corrupt[0].contains("broken"), "{:?}", report.corrupt);
        assert!(
            t.store.gen().sessions.get("broken").expect("get").is_some(),
            "left in place"
        );
    }

    fn place(id: &str) -> repere_items::places::Place {
        repere_items::places::Place {
            id: id.into(),
            nom: format!("Lieu {id}"),
            adresse: String::new(),
            code_postal: "99100".into(),
            commune: "Villefictive".into(),
            latitude: Some(46.5),
            longitude: Some(2.5),
            services: vec![repere_items::places::Service::Loisirs],
            ..repere_items::places::Place::default()
        }
    }

    fn place_ids(store: &SledStore) -> Vec<String> {
        let mut ids = Vec::new();
        let report = store.scan_places(&mut |p| ids.push(p.id)).expect("scan");
        assert!(report.corrupt.is_empty(), "{:?}", report.corrupt);
        ids
    }

    #[test]
    fn an_import_of_places_replaces_the_previous_one_whole_and_keeps_structures_places() {
        let t = temp_store();
        assert_eq!(t.store.places_generation().expect("gen"), 0);
        assert!(place_ids(&t.store).is_empty());
        let first: Vec<_> = ["a", "b", "c"].map(place).into();
        assert_eq!(t.store.replace_places(&first).expect("import"), 0);
        assert_eq!(t.store.places_generation().expect("gen"), 1);
        assert_eq!(place_ids(&t.store), ["a", "b", "c"]);
        let st = structure_one(&t.store);
        let mut sp = t.store.structure_places(st.id).expect("get");
        assert_eq!(sp, StructurePlaces::empty(st.id));
        sp.marks.push(crate::records::PlaceMark {
            id: "b".into(),
            relation: repere_items::places::Relation::Partner,
        });
        t.store.put_structure_places(&sp).expect("put");
        // The second import: its places only, the first one's keys gone.
        let second: Vec<_> = ["b", "d"].map(place).into();
        assert_eq!(t.store.replace_places(&second).expect("import"), 3);
        assert_eq!(place_ids(&t.store), ["b", "d"]);
        assert_eq!(t.store.gen().places.len(), 1, "one chunk");
        assert_eq!(t.store.stats().expect("stats").places, 2);
        assert_eq!(t.store.structure_places(st.id).expect("get"), sp);
        // A structure that does not exist has no places settings.
        assert!(matches!(
            t.store.put_structure_places(&StructurePlaces::empty(999)),
            Err(StoreError::NoStructure(999))
        ));
        // A half-written generation left by a crash is cleared by the next import.
        t.store
            .gen()
            .places
            .insert([&3u64.to_be_bytes()[..], b"stale"].concat(), b"{}".to_vec())
            .expect("insert");
        assert_eq!(t.store.replace_places(&first).expect("import"), 2);
        assert_eq!(place_ids(&t.store), ["a", "b", "c"]);
        assert_eq!(t.store.gen().places.len(), 1);
        // A large import: chunks of 500, read back whole in the file's order.
        let many: Vec<_> = (0..1_201)
            .map(|i| place(&format!("p{:05}", 1_200 - i)))
            .collect();
        assert_eq!(t.store.replace_places(&many).expect("import"), 3);
        assert_eq!(t.store.gen().places.len(), 3, "500 + 500 + 201");
        let ids = place_ids(&t.store);
        assert_eq!(ids.len(), 1_201);
        assert_eq!((ids[0].as_str(), ids[1_200].as_str()), ("p01200", "p00000"));
        assert_eq!(t.store.stats().expect("stats").places, 1_201);
        assert_eq!(t.store.replace_places(&[]).expect("import"), 1_201);
        assert!(place_ids(&t.store).is_empty());
        assert_eq!(t.store.stats().expect("stats").places, 0);
        // Compaction copies the places and the structures' settings.
        t.store.replace_places(&first).expect("import");
        t.store.compact().expect("compact");
        assert_eq!(place_ids(&t.store), ["a", "b", "c"]);
        assert_eq!(t.store.stats().expect("stats").places, 3);
        assert_eq!(t.store.structure_places(st.id).expect("get"), sp);
    }

    /// Account 2 of structure 1, `marie`, with no second factor.
    fn marie(role: crate::records::Role) -> User {
        User {
            v: SCHEMA_VERSION,
            id: 2,
            login: "marie".into(),
            role,
            structure: 1,
            password_hash: "h".into(),
            created_at: 0,
            disabled: false,
            second_factor: None,
            second_factor_pending: None,
        }
    }

    /// Adds structure 1, « S », to the store; returns it.
    fn structure_one(store: &SledStore) -> Structure {
        let st = Structure {
            v: SCHEMA_VERSION,
            id: 1,
            name: "S".into(),
            created_at: 0,
            tz: None,
            second_factor_required: false,
        };
        store.add_structure(&st).expect("structure");
        st
    }

    /// Kiosk `id` of structure 1, with no device and waiting for `code`.
    fn waiting_kiosk(id: u64, code: &str, expires_at: Millis) -> Kiosk {
        Kiosk {
            v: SCHEMA_VERSION,
            id,
            structure: 1,
            name: "K".into(),
            token_hash: None,
            paired_at: None,
            pairing: Some(pairing(code, expires_at)),
            created_at: 0,
        }
    }

    #[test]
    fn accounts_change_and_lose_their_sessions() {
        let t = temp_store();
        let st = structure_one(&t.store);
        let mut user = User {
            password_hash: "old".into(),
            ..marie(crate::records::Role::Agent)
        };
        t.store.add_user(&user).expect("user");
        let session = |user: u64| LoginSession {
            v: SCHEMA_VERSION,
            user,
            csrf: "c".into(),
            created_at: 0,
            expires_at: 10,
        };
        for (hash, u) in [("h1", 2), ("h2", 2), ("h3", 9), ("h4", 2)] {
            t.store.put_login(hash, &session(u)).expect("login");
        }
        assert_eq!(t.store.remove_logins_of(2, Some("h4")).expect("remove"), 2);
        assert!(t.store.login("h1").expect("get").is_none());
        assert!(
            t.store.login("h3").expect("get").is_some(),
            "another account's"
        );
        assert!(t.store.login("h4").expect("get").is_some(), "the one kept");

        user.disabled = true;
        user.password_hash = "new".into();
        t.store.update_user(&user).expect("update");
        let stored = t.store.user_by_login("marie").expect("get").expect("there");
        assert!(stored.disabled);
        assert_eq!(stored.password_hash, "new");
        // The login and structure never change through an update; a missing
        // account is an error.
        let renamed = User {
            login: "paul".into(),
            ..user.clone()
        };
        assert!(t.store.update_user(&renamed).is_err());
        let ghost = User { id: 77, ..user };
        assert!(matches!(
            t.store.update_user(&ghost),
            Err(StoreError::NoUser(77))
        ));
        // Structures: the time zone can be set, an unknown one is an error.
        let paris = Structure {
            tz: Some("America/Cayenne".into()),
            ..st.clone()
        };
        t.store.update_structure(&paris).expect("update");
        assert_eq!(
            t.store
                .structure(1)
                .expect("get")
                .expect("there")
                .tz
                .as_deref(),
            Some("America/Cayenne")
        );
        assert!(matches!(
            t.store.update_structure(&Structure { id: 5, ..st }),
            Err(StoreError::NoStructure(5))
        ));
    }

    fn pairing(code: &str, expires_at: Millis) -> PairingCode {
        PairingCode {
            code_hash: crate::auth::token_digest(code),
            created_at: 0,
            expires_at,
        }
    }

    #[test]
    fn accounts_and_structures_written_before_second_factors_still_read() {
        let t = temp_store();
        let g = t.store.gen();
        // Records as an older Repère wrote them: no second-factor fields.
        let structure = br#"{"v":1,"id":1,"name":"S","created_at":0}"#;
        g.structures
            .insert(id_key(1), &structure[..])
            .expect("raw structure");
        let user = br#"{"v":1,"id":2,"login":"marie","role":"admin","structure":1,"password_hash":"h","created_at":3,"disabled":false}"#;
        g.users.insert(id_key(2), &user[..]).expect("raw user");
        g.user_logins
            .insert("marie", &id_key(2))
            .expect("raw index");
        let s = t.store.structure(1).expect("get").expect("there");
        assert!(!s.second_factor_required);
        let u = t.store.user_by_login("marie").expect("get").expect("there");
        assert_eq!((u.id, u.created_at), (2, 3));
        assert_eq!(
            (u.second_factor.clone(), u.second_factor_pending.clone()),
            (None, None)
        );
        assert!(!u.has_second_factor());
        // Written back unchanged, the record gains no field.
        t.store.update_user(&u).expect("update");
        let bytes = g.users.get(id_key(2)).expect("get").expect("there");
        assert!(!String::from_utf8_lossy(&bytes).contains("second_factor"));
        t.store.update_structure(&s).expect("update");
        let bytes = g.structures.get(id_key(1)).expect("get").expect("there");
        assert!(!String::from_utf8_lossy(&bytes).contains("second_factor"));
    }

    #[test]
    fn modify_user_changes_one_account_atomically() {
        let t = temp_store();
        structure_one(&t.store);
        let user = User {
            second_factor: Some(crate::records::SecondFactor {
                secret: "S".into(),
                enabled_at: 0,
                last_step: 10,
                recovery: vec![],
            }),
            ..marie(crate::records::Role::Admin)
        };
        t.store.add_user(&user).expect("add");
        let step = |s: u64| {
            move |u: &mut User| match u.second_factor.as_mut() {
                Some(sf) if s > sf.last_step => {
                    sf.last_step = s;
                    true
                }
                _ => false,
            }
        };
        assert!(t.store.modify_user(2, &step(10)).expect("modify").is_none());
        let written = t.store.modify_user(2, &step(11)).expect("modify");
        assert_eq!(
            written.and_then(|u| u.second_factor).map(|sf| sf.last_step),
            Some(11)
        );
        assert!(t.store.modify_user(2, &step(11)).expect("modify").is_none());
        assert!(t.store.modify_user(9, &step(12)).expect("modify").is_none());
        // Sixteen threads race to use step 12: one does.
        let store = Arc::new(t);
        let used = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..16 {
                scope.spawn(|| {
                    if store
                        .store
                        .modify_user(2, &step(12))
                        .expect("modify")
                        .is_some()
                    {
                        used.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(used.load(Ordering::SeqCst), 1);
        // The login cannot change this way.
        let err = store.store.modify_user(2, &|u: &mut User| {
            u.login = "paul".into();
            true
        });
        assert!(err.is_err());
        let u = store.store.user(2).expect("get").expect("there");
        assert_eq!(u.login, "marie");
    }

    #[test]
    fn login_challenges_work_once_and_expired_ones_are_purged() {
        let t = temp_store();
        let challenge = |expires_at| crate::records::LoginChallenge {
            v: SCHEMA_VERSION,
            user: 2,
            created_at: 0,
            expires_at,
            failures: 0,
        };
        t.store
            .put_challenge("live", &challenge(10_000))
            .expect("put");
        t.store
            .put_challenge("old", &challenge(1_000))
            .expect("put");
        assert_eq!(
            t.store.challenge("live").expect("get"),
            Some(challenge(10_000))
        );
        let report = t.store.purge(0, 5_000, 0).expect("purge");
        assert_eq!(report.challenges, 1);
        assert_eq!(t.store.challenge("old").expect("get"), None);
        assert!(t.store.remove_challenge("live").expect("remove"));
        assert!(!t.store.remove_challenge("live").expect("remove"), "once");
    }

    #[test]
    fn kiosks_written_before_pairing_codes_still_read_and_work() {
        let t = temp_store();
        structure_one(&t.store);
        // A record and its index as an older Repère wrote them.
        let old =
            br#"{"v":1,"id":5,"structure":1,"name":"Borne","token_hash":"abc123","created_at":7}"#;
        t.store
            .gen()
            .kiosks
            .insert(id_key(5), &old[..])
            .expect("raw kiosk");
        t.store
            .gen()
            .kiosk_tokens
            .insert("abc123", &id_key(5))
            .expect("raw index");
        let k = t
            .store
            .kiosk_by_token_hash("abc123")
            .expect("get")
            .expect("there");
        assert_eq!(k.id, 5);
        assert_eq!(k.token_hash.as_deref(), Some("abc123"));
        assert_eq!((k.paired_at, k.pairing.clone()), (None, None));
        // A new code for it, then pairing: the old token is replaced.
        t.store
            .set_kiosk_pairing(5, &pairing("CODE-ONE", 100))
            .expect("set")
            .expect("kiosk");
        match t
            .store
            .pair_kiosk(&crate::auth::token_digest("CODE-ONE"), "new-token", 50)
            .expect("pair")
        {
            KioskPairing::Paired { kiosk, replaced } => {
                assert!(replaced);
                assert_eq!(kiosk.token_hash.as_deref(), Some("new-token"));
                assert_eq!(kiosk.paired_at, Some(50));
            }
            other => panic!("{other:?}"),
        }
        assert!(t
            .store
            .kiosk_by_token_hash("abc123")
            .expect("get")
            .is_none());
        assert_eq!(
            t.store
                .kiosk_by_token_hash("new-token")
                .expect("get")
                .map(|k| k.id),
            Some(5)
        );
        // Written back with its new fields, still read by the same code.
        let raw = t
            .store
            .gen()
            .kiosks
            .get(id_key(5))
            .expect("get")
            .expect("there");
        let text = String::from_utf8(raw.to_vec()).expect("utf8");
        assert!(text.contains(r#""token_hash":"new-token""#), "{text}");
        assert!(!text.contains("pairing"), "no code left: {text}");
    }

    #[test]
    fn the_purge_drops_expired_pairing_codes_and_keeps_live_ones() {
        let t = temp_store();
        structure_one(&t.store);
        t.store
            .add_kiosk(&waiting_kiosk(2, "old", 1_000))
            .expect("add");
        t.store
            .add_kiosk(&waiting_kiosk(3, "live", 9_000))
            .expect("add");
        // Expired but recent: kept, so whoever types it is told it expired.
        assert_eq!(t.store.purge(0, 5_000, 0).expect("purge").pairing_codes, 0);
        assert!(matches!(
            t.store
                .pair_kiosk(&crate::auth::token_digest("old"), "t0", 5_000)
                .expect("pair"),
            KioskPairing::Expired
        ));
        let now = 5_000 + EXPIRED_CODE_KEPT_MS;
        let report = t.store.purge(0, now, 0).expect("purge");
        assert_eq!(report.pairing_codes, 1);
        let h = crate::auth::token_digest;
        assert_eq!(t.store.kiosk(2).expect("get").expect("kept").pairing, None);
        assert!(t
            .store
            .gen()
            .kiosk_codes
            .get(h("old"))
            .expect("get")
            .is_none());
        assert!(matches!(
            t.store.pair_kiosk(&h("old"), "t0", now).expect("pair"),
            KioskPairing::Unknown
        ));
        // The other code expired later: still kept; a new one pairs.
        assert_eq!(t.store.purge(0, now, 0).expect("purge").pairing_codes, 0);
        t.store
            .set_kiosk_pairing(3, &pairing("new", now + 10))
            .expect("set");
        assert!(matches!(
            t.store.pair_kiosk(&h("new"), "t1", now).expect("pair"),
            KioskPairing::Paired { .. }
        ));
    }

    #[test]
    fn pairing_codes_work_once_before_they_expire() {
        let t = temp_store();
        structure_one(&t.store);
        t.store
            .add_kiosk(&waiting_kiosk(2, "first", 1_000))
            .expect("add");
        let h = crate::auth::token_digest;
        // Expired: refused, and nothing changes (it is still the kiosk's code).
        assert!(matches!(
            t.store.pair_kiosk(&h("first"), "t0", 1_000).expect("pair"),
            KioskPairing::Expired
        ));
        assert!(t
            .store
            .kiosk(2)
            .expect("get")
            .expect("there")
            .pairing
            .is_some());
        // A new code replaces the first one.
        t.store
            .set_kiosk_pairing(2, &pairing("second", 5_000))
            .expect("set");
        assert!(matches!(
            t.store.pair_kiosk(&h("first"), "t1", 10).expect("pair"),
            KioskPairing::Unknown
        ));
        match t.store.pair_kiosk(&h("second"), "t1", 10).expect("pair") {
            KioskPairing::Paired { kiosk, replaced } => {
                assert!(!replaced, "no device before");
                assert_eq!(kiosk.pairing, None);
            }
            other => panic!("{other:?}"),
        }
        // Used once: the second try is unknown and the device token stays.
        assert!(matches!(
            t.store.pair_kiosk(&h("second"), "t2", 11).expect("pair"),
            KioskPairing::Unknown
        ));
        assert_eq!(
            t.store
                .kiosk_by_token_hash("t1")
                .expect("get")
                .map(|k| k.id),
            Some(2)
        );
        assert!(t.store.kiosk_by_token_hash("t2").expect("get").is_none());
        // Unpairing another device's token changes nothing; the right one ends it.
        assert!(!t.store.unpair_kiosk(2, "t0").expect("unpair"));
        assert!(t.store.unpair_kiosk(2, "t1").expect("unpair"));
        assert!(t.store.kiosk_by_token_hash("t1").expect("get").is_none());
        let k = t.store.kiosk(2).expect("get").expect("still registered");
        assert_eq!((k.token_hash, k.paired_at), (None, None));
        // Removing a kiosk drops its waiting code with it.
        t.store
            .set_kiosk_pairing(2, &pairing("third", 5_000))
            .expect("set");
        assert!(t.store.remove_kiosk(2).expect("remove"));
        assert!(matches!(
            t.store.pair_kiosk(&h("third"), "t3", 10).expect("pair"),
            KioskPairing::Unknown
        ));
        assert!(t.store.gen().kiosk_codes.is_empty() && t.store.gen().kiosk_tokens.is_empty());
        assert!(t
            .store
            .set_kiosk_pairing(2, &pairing("x", 1))
            .expect("set")
            .is_none());
    }

    #[test]
    fn two_devices_typing_one_code_at_once_pair_one() {
        let t = Arc::new(temp_store());
        structure_one(&t.store);
        for round in 0..20u64 {
            let id = 10 + round;
            let code = format!("code-{round}");
            t.store
                .add_kiosk(&waiting_kiosk(id, &code, 1_000))
                .expect("add");
            let threads: Vec<_> = (0..4)
                .map(|d| {
                    let t = t.clone();
                    let code = code.clone();
                    std::thread::spawn(move || {
                        let token = format!("device-{round}-{d}");
                        matches!(
                            t.store
                                .pair_kiosk(&crate::auth::token_digest(&code), &token, 1)
                                .expect("pair"),
                            KioskPairing::Paired { .. }
                        )
                    })
                })
                .collect();
            let paired = threads
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .filter(|p| *p)
                .count();
            assert_eq!(paired, 1, "round {round}");
            let tokens = (0..4)
                .filter(|d| {
                    t.store
                        .kiosk_by_token_hash(&format!("device-{round}-{d}"))
                        .expect("get")
                        .is_some()
                })
                .count();
            assert_eq!(tokens, 1, "one device token indexed, round {round}");
        }
    }

    /// The bytes of account `id` as sled holds them.
    fn raw_user(store: &SledStore, id: u64) -> Vec<u8> {
        store
            .gen()
            .users
            .get(id_key(id))
            .expect("get")
            .expect("there")
            .to_vec()
    }

    fn holds(bytes: &[u8], text: &str) -> bool {
        bytes.windows(text.len()).any(|w| w == text.as_bytes())
    }

    #[test]
    fn second_factor_secrets_are_sealed_keep_their_key_and_are_erased_with_it() {
        use crate::records::{PendingSecondFactor, SecondFactor};
        const SECRET: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";
        let dir = temp_path("secrets");
        let kid_of = |store: &SledStore| {
            let value: serde_json::Value =
                serde_json::from_slice(&raw_user(store, 2)).expect("json");
            secrets::kids(2, &value)
        };
        let secret_of = |store: &SledStore| {
            let u = store.user(2).expect("read").expect("there");
            u.second_factor
                .map(|f| f.secret)
                .or(u.second_factor_pending.map(|p| p.secret))
        };
        let store = SledStore::open(&dir).expect("open");
        structure_one(&store);
        let mut user = User {
            second_factor_pending: Some(PendingSecondFactor {
                secret: SECRET.into(),
                created_at: 1,
            }),
            ..marie(crate::records::Role::Admin)
        };
        store.add_user(&user).expect("add");
        assert!(!holds(&raw_user(&store, 2), SECRET), "pending: sealed");
        assert_eq!(secret_of(&store).as_deref(), Some(SECRET));
        let kids = kid_of(&store);
        assert_eq!(kids.len(), 1);
        let kid = kids[0];
        let key = store.gen().keys.key(kid).expect("its key");
        // Confirmed, then a code used: the same key all along.
        let confirmed = store
            .modify_user(2, &|u: &mut User| {
                let Some(p) = u.second_factor_pending.take() else {
                    return false;
                };
                u.second_factor = Some(SecondFactor {
                    secret: p.secret,
                    enabled_at: 2,
                    last_step: 0,
                    recovery: vec!["ab".into()],
                });
                true
            })
            .expect("confirm")
            .expect("changed");
        assert_eq!(
            confirmed.second_factor.map(|f| f.secret).as_deref(),
            Some(SECRET)
        );
        store
            .modify_user(2, &|u: &mut User| {
                u.second_factor.as_mut().map(|f| f.last_step = 5).is_some()
            })
            .expect("a code used");
        assert_eq!(kid_of(&store), vec![kid]);
        assert!(!holds(&raw_user(&store, 2), SECRET));
        // Compaction and a reopen keep the key.
        let report = store.compact().expect("compact");
        assert_eq!(report.sealed, 0);
        assert_eq!(secret_of(&store).as_deref(), Some(SECRET));
        drop(store);
        let store = SledStore::open(&dir).expect("reopen");
        assert_eq!(secret_of(&store).as_deref(), Some(SECRET));
        assert_eq!(store.gen().keys.key(kid), Some(key));
        assert!(!sealed::readable(&dir).contains(SECRET));
        // Removed (an admin's reset): its key is erased from memory and the file.
        user = store.user(2).expect("read").expect("there");
        user.second_factor = None;
        store.update_user(&user).expect("reset");
        assert!(store.gen().keys.key(kid).is_none());
        let keys_file = std::fs::read(store.gen().dir.join(sealed::KEYS_FILE)).expect("keys");
        assert!(!keys_file.windows(32).any(|w| w == key));
        assert_eq!(secret_of(&store), None);
        // A secret replaced gets a new key; the old one goes.
        for secret in [
            "ONSWG4TFORXW63LFMRQXG5DSMVXGC3LF",
            "NVQXE2LFFZSHK4DPNZ2GK3TUMFWWKYLB",
        ] {
            user.second_factor = Some(SecondFactor {
                secret: secret.into(),
                enabled_at: 3,
                last_step: 0,
                recovery: vec![],
            });
            store.update_user(&user).expect("set");
            assert_eq!(secret_of(&store).as_deref(), Some(secret));
        }
        // After the reset the file held no key: one batch made since, the first
        // secret's key erased when the second replaced it.
        assert_eq!(store.gen().keys.len(), sealed::BATCH - 1);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_secret_written_in_clear_reads_and_compaction_seals_it() {
        const SECRET: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
        let t = temp_store();
        structure_one(&t.store);
        let user = format!(
            r#"{{"v":1,"id":2,"login":"marie","role":"admin","structure":1,"password_hash":"h","created_at":3,"second_factor":{{"secret":"{SECRET}","enabled_at":4,"last_step":9,"recovery":[]}}}}"#
        );
        let g = t.store.gen();
        g.users
            .insert(id_key(2), user.as_bytes())
            .expect("raw user");
        g.user_logins
            .insert("marie", &id_key(2))
            .expect("raw index");
        drop(g);
        let read = |store: &SledStore| {
            let f = store
                .user_by_login("marie")
                .expect("read")
                .expect("there")
                .second_factor
                .expect("its second factor");
            (f.secret, f.last_step)
        };
        assert_eq!(read(&t.store), (SECRET.to_string(), 9));
        let report = t.store.compact().expect("compact");
        assert_eq!(report.sealed, 1);
        assert!(!holds(&raw_user(&t.store, 2), SECRET));
        assert!(!sealed::readable(&t.dir).contains(SECRET));
        assert_eq!(read(&t.store), (SECRET.to_string(), 9));
    }
}
