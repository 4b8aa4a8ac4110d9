//! The sled implementation of [`Store`].
//!
//! One sled tree per kind of record, JSON values, plus secondary indexes:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | name | text (`schema`, `next_id`, `demo_structure`) |
//! | `structures`, `users`, `kiosks` | id (u64 big-endian) | record |
//! | `user_logins` | login | user id |
//! | `kiosk_tokens` | SHA-256 of the token (hex) | kiosk id |
//! | `logins` | SHA-256 of the cookie token (hex) | login session |
//! | `screenings` | id | screening |
//! | `sessions`, `profiles` | result UUID | raw log, profile |
//! | `codes` | result code | result UUID |
//! | `profiles_by_structure` | structure (8) · received_at (8) · UUID | empty |
//! | `profiles_by_date` | received_at (8) · UUID | empty |
//!
//! Results and their indexes are written in one sled transaction. Every write holds
//! the read side of a gate that [`SledStore::backup_to`] takes for writing, so a
//! backup sees no half-done operation.

use std::path::Path;
use std::sync::RwLock;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{Transactional, Tree};

use super::{BackupReport, Inserted, PurgeReport, ScanReport, Stats, Store, StoreError};
use crate::records::{
    Kiosk, LoginSession, Millis, ProfileRecord, Screening, SessionRecord, Structure, User,
    SCHEMA_VERSION,
};

/// The sled store.
pub struct SledStore {
    db: sled::Db,
    gate: RwLock<()>,
    meta: Tree,
    structures: Tree,
    users: Tree,
    user_logins: Tree,
    kiosks: Tree,
    kiosk_tokens: Tree,
    logins: Tree,
    screenings: Tree,
    sessions: Tree,
    profiles: Tree,
    codes: Tree,
    by_structure: Tree,
    by_date: Tree,
}

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => backend(e),
    }
}

fn printable(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => s.to_string(),
        _ => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Decodes a record, refusing one written by a newer schema.
fn decode<T: DeserializeOwned>(tree: &str, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    let corrupt = |error: String| StoreError::Corrupt {
        tree: tree.to_string(),
        key: printable(key),
        error,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if let Some(v) = value.get("v").and_then(serde_json::Value::as_u64) {
        if v > u64::from(SCHEMA_VERSION) {
            return Err(corrupt(format!(
                "schema version {v} is newer than {SCHEMA_VERSION}"
            )));
        }
    }
    serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Backend(format!("cannot encode a record: {e}")))
}

fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
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

impl SledStore {
    /// Opens (or creates) the store in `path`. A store held by another process gives
    /// [`StoreError::Locked`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("could not acquire lock") {
                    StoreError::Locked(path.display().to_string())
                } else {
                    StoreError::Backend(format!("cannot open {}: {text}", path.display()))
                }
            })?;
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        let store = SledStore {
            gate: RwLock::new(()),
            meta: tree("meta")?,
            structures: tree("structures")?,
            users: tree("users")?,
            user_logins: tree("user_logins")?,
            kiosks: tree("kiosks")?,
            kiosk_tokens: tree("kiosk_tokens")?,
            logins: tree("logins")?,
            screenings: tree("screenings")?,
            sessions: tree("sessions")?,
            profiles: tree("profiles")?,
            codes: tree("codes")?,
            by_structure: tree("profiles_by_structure")?,
            by_date: tree("profiles_by_date")?,
            db,
        };
        match store.meta("schema")? {
            None => store.set_meta("schema", &SCHEMA_VERSION.to_string())?,
            Some(v) => {
                let found: u32 = v.parse().map_err(|_| {
                    StoreError::Backend(format!("meta/schema is not a number: {v:?}"))
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(store)
    }

    fn write_gate(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        // The gate guards no data: a poisoned lock is as good as a healthy one.
        self.gate
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    fn delete_result_locked(&self, id: &str) -> Result<bool, StoreError> {
        let key = id.as_bytes();
        let res = (
            &self.sessions,
            &self.profiles,
            &self.codes,
            &self.by_structure,
            &self.by_date,
        )
            .transaction(|(s, p, c, bs, bd)| {
                let Some(bytes) = p.get(key)? else {
                    // A session without profile (never written so, but be thorough).
                    return Ok(s.remove(key)?.is_some());
                };
                let profile: ProfileRecord =
                    decode("profiles", key, &bytes).map_err(ConflictableTransactionError::Abort)?;
                s.remove(key)?;
                p.remove(key)?;
                if c.get(profile.code.as_bytes())?.as_deref() == Some(key) {
                    c.remove(profile.code.as_bytes())?;
                }
                if let Some(st) = profile.structure {
                    bs.remove(structure_key(st, profile.received_at, id))?;
                }
                bd.remove(date_key(profile.received_at, id))?;
                Ok(true)
            });
        res.map_err(tx_error)
    }
}

impl Store for SledStore {
    fn next_id(&self) -> Result<u64, StoreError> {
        let _g = self.write_gate();
        let next = self
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
        let _g = self.write_gate();
        self.structures
            .insert(id_key(structure.id), encode(structure)?)
            .map_err(backend)?;
        Ok(())
    }

    fn structure(&self, id: u64) -> Result<Option<Structure>, StoreError> {
        self.get(&self.structures, "structures", &id_key(id))
    }

    fn structures(&self) -> Result<Vec<Structure>, StoreError> {
        self.all(&self.structures, "structures")
    }

    fn add_user(&self, user: &User) -> Result<(), StoreError> {
        let _g = self.write_gate();
        let value = encode(user)?;
        let res = (&self.structures, &self.users, &self.user_logins).transaction(|(st, u, l)| {
            if st.get(id_key(user.structure))?.is_none() {
                return Err(ConflictableTransactionError::Abort(
                    StoreError::NoStructure(user.structure),
                ));
            }
            if l.get(user.login.as_bytes())?.is_some() {
                return Err(ConflictableTransactionError::Abort(StoreError::LoginTaken(
                    user.login.clone(),
                )));
            }
            l.insert(user.login.as_bytes(), &id_key(user.id))?;
            u.insert(&id_key(user.id), value.clone())?;
            Ok(())
        });
        res.map_err(tx_error)
    }

    fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.get(&self.users, "users", &id_key(id))
    }

    fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        match self.user_logins.get(login.as_bytes()).map_err(backend)? {
            None => Ok(None),
            Some(id) => self.get(&self.users, "users", &id),
        }
    }

    fn users_of_structure(&self, structure: u64) -> Result<Vec<User>, StoreError> {
        let all: Vec<User> = self.all(&self.users, "users")?;
        Ok(all
            .into_iter()
            .filter(|u| u.structure == structure)
            .collect())
    }

    fn add_kiosk(&self, kiosk: &Kiosk) -> Result<(), StoreError> {
        let _g = self.write_gate();
        let value = encode(kiosk)?;
        let res = (&self.structures, &self.kiosks, &self.kiosk_tokens).transaction(|(st, k, t)| {
            if st.get(id_key(kiosk.structure))?.is_none() {
                return Err(ConflictableTransactionError::Abort(
                    StoreError::NoStructure(kiosk.structure),
                ));
            }
            t.insert(kiosk.token_hash.as_bytes(), &id_key(kiosk.id))?;
            k.insert(&id_key(kiosk.id), value.clone())?;
            Ok(())
        });
        res.map_err(tx_error)
    }

    fn kiosk(&self, id: u64) -> Result<Option<Kiosk>, StoreError> {
        self.get(&self.kiosks, "kiosks", &id_key(id))
    }

    fn kiosk_by_token_hash(&self, token_hash: &str) -> Result<Option<Kiosk>, StoreError> {
        match self
            .kiosk_tokens
            .get(token_hash.as_bytes())
            .map_err(backend)?
        {
            None => Ok(None),
            Some(id) => self.get(&self.kiosks, "kiosks", &id),
        }
    }

    fn kiosks_of_structure(&self, structure: u64) -> Result<Vec<Kiosk>, StoreError> {
        let all: Vec<Kiosk> = self.all(&self.kiosks, "kiosks")?;
        Ok(all
            .into_iter()
            .filter(|k| k.structure == structure)
            .collect())
    }

    fn remove_kiosk(&self, id: u64) -> Result<bool, StoreError> {
        let _g = self.write_gate();
        let res = (&self.kiosks, &self.kiosk_tokens).transaction(|(k, t)| {
            let Some(bytes) = k.get(id_key(id))? else {
                return Ok(false);
            };
            let kiosk: Kiosk = decode("kiosks", &id_key(id), &bytes)
                .map_err(ConflictableTransactionError::Abort)?;
            t.remove(kiosk.token_hash.as_bytes())?;
            k.remove(&id_key(id))?;
            Ok(true)
        });
        res.map_err(tx_error)
    }

    fn put_login(&self, token_hash: &str, session: &LoginSession) -> Result<(), StoreError> {
        let _g = self.write_gate();
        self.logins
            .insert(token_hash.as_bytes(), encode(session)?)
            .map_err(backend)?;
        Ok(())
    }

    fn login(&self, token_hash: &str) -> Result<Option<LoginSession>, StoreError> {
        self.get(&self.logins, "logins", token_hash.as_bytes())
    }

    fn remove_login(&self, token_hash: &str) -> Result<(), StoreError> {
        let _g = self.write_gate();
        self.logins.remove(token_hash.as_bytes()).map_err(backend)?;
        Ok(())
    }

    fn put_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        let _g = self.write_gate();
        self.screenings
            .insert(screening.id.as_bytes(), encode(screening)?)
            .map_err(backend)?;
        Ok(())
    }

    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError> {
        self.get(&self.screenings, "screenings", id.as_bytes())
    }

    fn insert_result(
        &self,
        session: &SessionRecord,
        profile: &ProfileRecord,
        screening: Option<&str>,
    ) -> Result<Inserted, StoreError> {
        let _g = self.write_gate();
        let key = session.id.as_bytes();
        let session_bytes = encode(session)?;
        let profile_bytes = encode(profile)?;
        let by_structure = profile
            .structure
            .map(|st| structure_key(st, profile.received_at, &profile.id));
        let by_date = date_key(profile.received_at, &profile.id);
        let res = (
            &self.sessions,
            &self.profiles,
            &self.codes,
            &self.by_structure,
            &self.by_date,
            &self.screenings,
        )
            .transaction(|(s, p, c, bs, bd, sc)| {
                if let Some(existing) = p.get(key)? {
                    let existing_profile: ProfileRecord = decode("profiles", key, &existing)
                        .map_err(ConflictableTransactionError::Abort)?;
                    let Some(existing_session) = s.get(key)? else {
                        return Err(ConflictableTransactionError::Abort(StoreError::Corrupt {
                            tree: "sessions".into(),
                            key: printable(key),
                            error: "a profile exists without its session".into(),
                        }));
                    };
                    let existing_session: SessionRecord =
                        decode("sessions", key, &existing_session)
                            .map_err(ConflictableTransactionError::Abort)?;
                    return Ok(Inserted::Existing(Box::new((
                        existing_session,
                        existing_profile,
                    ))));
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
            .codes
            .get(code.as_bytes())
            .map_err(backend)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn profile(&self, id: &str) -> Result<Option<ProfileRecord>, StoreError> {
        self.get(&self.profiles, "profiles", id.as_bytes())
    }

    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get(&self.sessions, "sessions", id.as_bytes())
    }

    fn attach_result(
        &self,
        id: &str,
        structure: u64,
        at: Millis,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        let _g = self.write_gate();
        let key = id.as_bytes();
        let res = (&self.profiles, &self.by_structure).transaction(|(p, bs)| {
            let Some(bytes) = p.get(key)? else {
                return Ok(None);
            };
            let mut profile: ProfileRecord =
                decode("profiles", key, &bytes).map_err(ConflictableTransactionError::Abort)?;
            if profile.structure.is_some() {
                return Ok(Some(profile));
            }
            profile.structure = Some(structure);
            profile.attached_at = Some(at);
            p.insert(
                key,
                encode(&profile).map_err(ConflictableTransactionError::Abort)?,
            )?;
            bs.insert(structure_key(structure, profile.received_at, id), &[])?;
            Ok(Some(profile))
        });
        res.map_err(tx_error)
    }

    fn delete_result(&self, id: &str) -> Result<bool, StoreError> {
        let _g = self.write_gate();
        self.delete_result_locked(id)
    }

    fn scan_profiles(
        &self,
        structure: u64,
        from: Option<Millis>,
        to: Option<Millis>,
        visit: &mut dyn FnMut(ProfileRecord),
    ) -> Result<ScanReport, StoreError> {
        let mut start = id_key(structure).to_vec();
        start.extend_from_slice(&time_key(from.unwrap_or(0)));
        let mut end = id_key(structure).to_vec();
        match to {
            Some(t) => end.extend_from_slice(&time_key(t)),
            None => end.extend_from_slice(&[0xff; 9]),
        }
        let mut report = ScanReport::default();
        for kv in self.by_structure.range(start..end) {
            let (k, _) = kv.map_err(backend)?;
            let Some(id) = k.get(16..) else { continue };
            match self.profiles.get(id).map_err(backend)? {
                None => report.corrupt.push(format!(
                    "profiles_by_structure: {} points to no profile",
                    printable(id)
                )),
                Some(bytes) => match decode::<ProfileRecord>("profiles", id, &bytes) {
                    Ok(p) => visit(p),
                    Err(e) => report.corrupt.push(e.to_string()),
                },
            }
        }
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
            .by_date
            .range(..time_key(results_before).to_vec())
            .keys()
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        for key in old {
            let Some(id) = key.get(8..) else { continue };
            let id = String::from_utf8_lossy(id).into_owned();
            let _g = self.write_gate();
            match self.delete_result_locked(&id) {
                Ok(true) => report.results += 1,
                // A date entry that points to nothing: drop it.
                Ok(false) => {
                    self.by_date.remove(&key).map_err(backend)?;
                }
                Err(e) => {
                    tracing::error!(error = %e, "purge skipped a result that cannot be decoded")
                }
            }
        }
        for kv in self.logins.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode::<LoginSession>("logins", &k, &v) {
                Ok(s) if s.expires_at <= now => {
                    let _g = self.write_gate();
                    self.logins.remove(&k).map_err(backend)?;
                    report.logins += 1;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purge skipped a login session"),
            }
        }
        for kv in self.screenings.iter() {
            let (k, v) = kv.map_err(backend)?;
            match decode::<Screening>("screenings", &k, &v) {
                Ok(s) if s.created_at < screenings_before => {
                    let _g = self.write_gate();
                    self.screenings.remove(&k).map_err(backend)?;
                    report.screenings += 1;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "purge skipped a screening"),
            }
        }
        Ok(report)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .meta
            .get(key.as_bytes())
            .map_err(backend)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let _g = self.write_gate();
        self.meta
            .insert(key.as_bytes(), value.as_bytes())
            .map_err(backend)?;
        Ok(())
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let results = self.profiles.len();
        Ok(Stats {
            structures: self.structures.len(),
            users: self.users.len(),
            kiosks: self.kiosks.len(),
            results,
            unattached: results.saturating_sub(self.by_structure.len()),
            screenings: self.screenings.len(),
            logins: self.logins.len(),
        })
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(backend)?;
        Ok(())
    }

    fn backup_to(&self, dir: &Path) -> Result<BackupReport, StoreError> {
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| StoreError::Backend(format!("cannot read {}: {e}", dir.display())))?;
            if entries.next().is_some() {
                return Err(StoreError::Backend(format!(
                    "{} is not empty: a backup goes into a new or empty folder",
                    dir.display()
                )));
            }
        }
        // Writers hold the read side: taking the write side waits for operations in
        // flight and holds new ones until the copy is done.
        let _exclusive = self
            .gate
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let target = sled::open(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let mut report = BackupReport::default();
        for name in self.db.tree_names() {
            let from = self.db.open_tree(&name).map_err(backend)?;
            let to = target.open_tree(&name).map_err(backend)?;
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            for kv in from.iter() {
                let (k, v) = kv.map_err(backend)?;
                batch.insert(k, v);
                in_batch += 1;
                report.entries += 1;
                if in_batch == 10_000 {
                    to.apply_batch(std::mem::take(&mut batch))
                        .map_err(backend)?;
                    in_batch = 0;
                }
            }
            to.apply_batch(batch).map_err(backend)?;
            report.trees += 1;
        }
        target.flush().map_err(backend)?;
        Ok(report)
    }
}
