//! Administration operations of the command line (`repere structure add`, `user
//! add`, `kiosk add`, `export`, `backup`, `purge`, `stats`).
//!
//! sled lets one process open a store. So each operation runs either directly on the
//! store (no server running), or inside the running server, which receives it on
//! its local administration endpoint (`POST /api/local`, see [`crate::local`]).
//! Both paths call [`run`]: same checks, same records.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth;
use crate::clock::{Clock, DAY_MS};
use crate::export::{self, Format};
use crate::records::{Kiosk, Role, Structure, User, SCHEMA_VERSION};
use crate::store::{BackupReport, PurgeReport, Stats, Store, StoreError};
use crate::view::ProfileFilter;

/// Abandoned screenings (no result) are removed after this long.
pub const SCREENING_TTL_MS: i64 = DAY_MS;

/// One operation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminOp {
    /// Adds a structure.
    AddStructure {
        /// Name.
        name: String,
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
    /// Adds a kiosk and returns its token.
    AddKiosk {
        /// Structure id.
        structure: u64,
        /// Name.
        name: String,
    },
    /// Exports a structure's profiles.
    Export {
        /// Structure id.
        structure: u64,
        /// Format.
        format: Format,
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
    /// Counts records.
    Stats,
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
    /// The structures: (id, name).
    Structures {
        /// Id and name of each.
        list: Vec<(u64, String)>,
    },
    /// An account was added.
    User {
        /// Its id.
        id: u64,
    },
    /// A kiosk was added.
    Kiosk {
        /// Its id.
        id: u64,
        /// Its token, shown once.
        token: String,
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
    /// Counts.
    Stats(Stats),
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
            StoreError::LoginTaken(_) | StoreError::NoStructure(_) => {
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

/// Creates an account (checks, hashes the password). Blocking: Argon2.
pub fn create_user(
    store: &dyn Store,
    clock: &Clock,
    structure: u64,
    role: Role,
    login: &str,
    password: &str,
) -> Result<User, AdminError> {
    let login = auth::normalise_login(login).map_err(AdminError::Input)?;
    auth::check_password_policy(password).map_err(AdminError::Input)?;
    if store.structure(structure)?.is_none() {
        return Err(AdminError::Input(format!(
            "structure {structure} does not exist"
        )));
    }
    let user = User {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        login,
        role,
        structure,
        password_hash: auth::hash_password(password).map_err(AdminError::Other)?,
        created_at: clock.now_ms(),
    };
    store.add_user(&user)?;
    Ok(user)
}

/// Creates a kiosk with a new token; returns it with the token (shown once).
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
    let token = auth::random_token().map_err(AdminError::Other)?;
    let kiosk = Kiosk {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        structure,
        name,
        token_hash: auth::token_digest(&token),
        created_at: clock.now_ms(),
    };
    store.add_kiosk(&kiosk)?;
    Ok((kiosk, token))
}

/// Creates a structure.
pub fn create_structure(
    store: &dyn Store,
    clock: &Clock,
    name: &str,
) -> Result<Structure, AdminError> {
    let name = check_name(name).map_err(AdminError::Input)?;
    let s = Structure {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        name,
        created_at: clock.now_ms(),
    };
    store.add_structure(&s)?;
    Ok(s)
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
    tracing::info!(
        results = report.results,
        logins = report.logins,
        screenings = report.screenings,
        retention_days,
        "purge"
    );
    Ok(report)
}

/// Runs one operation. Blocking.
pub fn run(store: &dyn Store, clock: &Clock, op: AdminOp) -> Result<AdminReply, AdminError> {
    match op {
        AdminOp::AddStructure { name } => Ok(AdminReply::Structure {
            id: create_structure(store, clock, &name)?.id,
        }),
        AdminOp::ListStructures => Ok(AdminReply::Structures {
            list: store
                .structures()?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
        }),
        AdminOp::AddUser {
            structure,
            role,
            login,
            password,
        } => Ok(AdminReply::User {
            id: create_user(store, clock, structure, role, &login, &password)?.id,
        }),
        AdminOp::AddKiosk { structure, name } => {
            let (kiosk, token) = create_kiosk(store, clock, structure, &name)?;
            Ok(AdminReply::Kiosk {
                id: kiosk.id,
                token,
            })
        }
        AdminOp::Export { structure, format } => {
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
        AdminOp::Stats => Ok(AdminReply::Stats(store.stats()?)),
    }
}
