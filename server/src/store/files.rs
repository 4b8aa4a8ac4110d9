//! The data folder on disk: its lock, which sled folder is current, atomic file
//! replacement, and owner-only permissions.
//!
//! ```text
//! <data>/
//!   repere.lock     held (flock) by the one process that has the store open
//!   current         the name of the current store folder ("store-3"), replaced atomically
//!   store-3/        sled's files (conf, db, snap.*, blobs/) and `keys`
//!   server.json     written by `repere serve` while it runs
//! ```
//!
//! A store written before this layout has sled's files at the top of the folder
//! (`conf`, `db`, `snap.*`, `blobs/`); opening it moves it into `store-1`
//! ([`crate::store::sled_store`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// The lock file of a data folder.
pub const LOCK_FILE: &str = "repere.lock";
/// The file naming the current store folder.
pub const CURRENT_FILE: &str = "current";
/// The prefix of store folders (`store-1`, `store-2`, …).
pub const STORE_PREFIX: &str = "store-";
/// sled's files at the top of a folder (a store written before store folders).
pub const LEGACY_FILES: [&str; 3] = ["conf", "db", "blobs"];

/// An I/O failure on `path`, as a store error.
pub fn io_error(what: &str, path: &Path, e: &std::io::Error) -> StoreError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) {
        StoreError::Full(format!("{what} {}: {e}", path.display()))
    } else {
        StoreError::Backend(format!("cannot {what} {}: {e}", path.display()))
    }
}

/// Makes everything this process creates from now on readable by its owner only
/// (umask 077). sled creates its files without a mode of its own.
pub fn owner_only_umask() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Creates `dir` (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    restrict(dir, true)
}

fn restrict(path: &Path, dir: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if dir { 0o700 } else { 0o600 };
        let meta = std::fs::symlink_metadata(path)?;
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
    Ok(())
}

/// Gives every folder under `root` (itself included) mode 0700 and every file 0600.
/// Symbolic links are left alone (their mode means nothing; their target is not
/// ours to change).
pub fn tighten(root: &Path) -> Result<(), StoreError> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        restrict(&dir, true).map_err(|e| io_error("restrict the permissions of", &dir, &e))?;
        let entries = std::fs::read_dir(&dir).map_err(|e| io_error("read", &dir, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error("read", &dir, &e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| io_error("read", &path, &e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                restrict(&path, false)
                    .map_err(|e| io_error("restrict the permissions of", &path, &e))?;
            }
        }
    }
    Ok(())
}

/// Flushes a folder's entries (a file created, renamed or removed in it) to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens a new file for writing, owner-only, truncating any previous one.
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path)?;
    restrict(path, false)?;
    Ok(file)
}

/// Replaces `path` with `content` atomically: written to `<path>.tmp`, flushed,
/// renamed over `path`, and the folder flushed. After a crash `path` holds either
/// the old or the new content (a `.tmp` left over is removed at next open).
pub fn replace_file(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_path(path);
    let mut f = create_private_file(&tmp)?;
    f.write_all(content)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// The temporary name used by [`replace_file`] for `path`.
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// The exclusive lock of a data folder, held while the store is open.
pub struct FolderLock {
    _file: File,
}

/// Takes the lock of `data` (created owner-only if absent); another process
/// holding it gives [`StoreError::Locked`].
pub fn lock_folder(data: &Path) -> Result<FolderLock, StoreError> {
    let path = data.join(LOCK_FILE);
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&path).map_err(|e| io_error("open", &path, &e))?;
    match fs2::FileExt::try_lock_exclusive(&file) {
        Ok(()) => Ok(FolderLock { _file: file }),
        Err(e) if e.kind() == fs2::lock_contended_error().kind() => {
            Err(StoreError::Locked(data.display().to_string()))
        }
        Err(e) => Err(io_error("lock", &path, &e)),
    }
}

/// The current store folder's name, from `<data>/current`; `None` if the file is
/// absent.
pub fn read_current(data: &Path) -> Result<Option<String>, StoreError> {
    let path = data.join(CURRENT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let name = text.trim();
            if generation(name).is_none() {
                return Err(StoreError::Backend(format!(
                    "{}: `{name}` is not a store folder name (store-N)",
                    path.display()
                )));
            }
            Ok(Some(name.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", &path, &e)),
    }
}

/// Makes `name` the current store folder of `data` (atomically).
pub fn write_current(data: &Path, name: &str) -> Result<(), StoreError> {
    let path = data.join(CURRENT_FILE);
    replace_file(&path, format!("{name}\n").as_bytes()).map_err(|e| io_error("write", &path, &e))
}

/// The number of a store folder name (`store-7` → 7).
pub fn generation(name: &str) -> Option<u64> {
    let n = name.strip_prefix(STORE_PREFIX)?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// Whether `data` holds sled's files at its top (a store older than store folders).
pub fn has_legacy_store(data: &Path) -> bool {
    data.join("db").is_file() && data.join("conf").is_file()
}

/// Whether `data` holds a Repère store (of either layout).
pub fn has_store(data: &Path) -> bool {
    data.join(CURRENT_FILE).is_file() || has_legacy_store(data)
}

/// Removes what a crash may have left in `data` next to the current store folder
/// `current`: other store folders, temporary files, and sled's files of a store
/// already moved into a store folder. Only names Repère makes are touched.
pub fn remove_leftovers(data: &Path, current: &str) -> Result<(), StoreError> {
    let entries = std::fs::read_dir(data).map_err(|e| io_error("read", data, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("read", data, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let stale_store = name != current && generation(&name).is_some();
        let current_tmp = tmp_path(&data.join(CURRENT_FILE));
        if stale_store || path == current_tmp {
            remove_any(&path)?;
        }
    }
    remove_legacy_files(data)?;
    let store = data.join(current);
    let keys_tmp = tmp_path(&store.join(crate::store::sealed::KEYS_FILE));
    if keys_tmp.exists() {
        remove_any(&keys_tmp)?;
    }
    Ok(())
}

/// Removes sled's files from the top of `data` (after they were copied into a
/// store folder).
pub fn remove_legacy_files(data: &Path) -> Result<(), StoreError> {
    let entries = std::fs::read_dir(data).map_err(|e| io_error("read", data, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("read", data, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if LEGACY_FILES.contains(&name.as_str()) || name.starts_with("snap.") {
            remove_any(&entry.path())?;
        }
    }
    sync_dir(data).map_err(|e| io_error("flush", data, &e))
}

fn remove_any(path: &Path) -> Result<(), StoreError> {
    let res = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove", path, &e)),
    }
}

/// Bytes of every file under `dir`.
pub fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
}
