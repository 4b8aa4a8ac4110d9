//! Erasure by key: every result and screening is sealed with a key of its own, and
//! erasing the record erases its key.
//!
//! sled never overwrites in place: a removed or replaced value stays in its log
//! segments until sled happens to reuse the space, and a copy of the folder keeps
//! it. So the personal part of a record (first name, context answers, answer log,
//! profile) is never written to sled in clear: it is sealed with XChaCha20-Poly1305
//! under a random 256-bit key that lives only in the key file (`keys`, next to
//! sled's files). Deleting a result erases its key: the key file is rewritten
//! without it (written aside, flushed, renamed over the old one), after which every
//! copy of the record sled may still hold is noise. A record whose key is gone reads
//! as absent.
//!
//! # The key file
//!
//! ```text
//! header  "RPRKEYS1" · next id (u64 BE) · CRC-32 of the 16 bytes before (u32 BE)
//! entry   id (u64 BE) · key (32 bytes) · CRC-32 of the 40 bytes before (u32 BE)
//! ```
//!
//! Keys are made in batches of [`BATCH`]: appended and flushed to disk before any
//! of them seals a record, so a record that reached the disk always finds its key
//! after a crash. A crash while a batch is appended leaves a torn tail: entries
//! after the first bad one, within the last batch's length, are dropped at open
//! (none of them sealed anything). A bad entry earlier is corruption: the store
//! refuses to open. Ids are never reused (the header keeps the next one).
//!
//! # A sealed value
//!
//! ```text
//! 0xFF 'R' 'S' 0x01 · header length (u32 BE) · sealed length (u32 BE)
//!   · header (JSON: tree, record key, key id, and for a profile its code,
//!     reception time and structure, which its indexes need)
//!   · nonce (24 bytes) · ciphertext of the record's JSON, with its tag
//! ```
//!
//! Everything before the nonce is authenticated with the ciphertext, and the
//! header names its tree and record key: a sealed value moved elsewhere does not
//! open. A value that does not start with the magic bytes is a record written in
//! clear by an older Repère (valid JSON never starts with 0xFF); opening the store
//! rewrites those sealed ([`crate::store::sled_store`]).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use super::files::{self, io_error};
use super::StoreError;

/// Name of the key file in a store folder.
pub const KEYS_FILE: &str = "keys";
/// Keys made (and flushed) at once.
pub const BATCH: usize = 256;

const FILE_MAGIC: &[u8; 8] = b"RPRKEYS1";
const HEADER_LEN: usize = 20;
const ENTRY_LEN: usize = 44;

/// A record key: 32 random bytes.
pub type Key = [u8; 32];

/// The keys of a store, in memory and in its key file.
pub struct Keyring {
    /// `None`: a store read only to be copied (a store older than sealing).
    path: Option<PathBuf>,
    keys: RwLock<HashMap<u64, Key>>,
    file: Mutex<KeyFile>,
}

struct KeyFile {
    /// Made, flushed, not yet given to a record.
    pool: Vec<u64>,
    next_id: u64,
    /// Appends go here (the file at `path`).
    append: Option<File>,
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Backend(format!("no random source: {e}")))?;
    Ok(b)
}

/// A new random key.
pub fn random_key() -> Result<Key, StoreError> {
    random()
}

fn crc(bytes: &[u8]) -> [u8; 4] {
    crc32fast::hash(bytes).to_be_bytes()
}

fn header_bytes(next_id: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(FILE_MAGIC);
    h.extend_from_slice(&next_id.to_be_bytes());
    let c = crc(&h);
    h.extend_from_slice(&c);
    h
}

fn entry_bytes(id: u64, key: &Key, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(key);
    let c = crc(&out[start..]);
    out.extend_from_slice(&c);
}

/// What a key file holds.
struct Parsed {
    next_id: u64,
    keys: HashMap<u64, Key>,
    /// Length of the valid part (a torn tail after it is dropped).
    valid_len: usize,
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, StoreError> {
    let bad = |what: String| {
        StoreError::Backend(format!(
            "{}: {what}: the key file is damaged (restore the store from a backup)",
            path.display()
        ))
    };
    if bytes.len() < HEADER_LEN || &bytes[..8] != FILE_MAGIC {
        return Err(bad("not a Repère key file".into()));
    }
    if crc(&bytes[..16]) != bytes[16..20] {
        return Err(bad("its header fails its checksum".into()));
    }
    let mut next_id = u64::from_be_bytes(bytes[8..16].try_into().unwrap_or_default());
    let mut keys = HashMap::new();
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let entry = bytes.get(at..at + ENTRY_LEN);
        let ok = entry.is_some_and(|e| crc(&e[..40]) == e[40..44]);
        if !ok {
            // A torn append: within the last batch, nothing it holds sealed anything.
            if bytes.len() - at <= BATCH * ENTRY_LEN {
                break;
            }
            return Err(bad(format!("entry at byte {at} fails its checksum")));
        }
        let e = entry.unwrap_or_default();
        let id = u64::from_be_bytes(e[..8].try_into().unwrap_or_default());
        let mut key = [0u8; 32];
        key.copy_from_slice(&e[8..40]);
        keys.insert(id, key);
        next_id = next_id.max(id.saturating_add(1));
        at += ENTRY_LEN;
    }
    Ok(Parsed {
        next_id,
        keys,
        valid_len: at,
    })
}

fn write_file(path: &Path, next_id: u64, keys: &HashMap<u64, Key>) -> Result<(), StoreError> {
    let mut ids: Vec<&u64> = keys.keys().collect();
    ids.sort_unstable();
    let mut bytes = header_bytes(next_id);
    bytes.reserve(ids.len() * ENTRY_LEN);
    for id in ids {
        entry_bytes(*id, &keys[id], &mut bytes);
    }
    files::replace_file(path, &bytes).map_err(|e| io_error("write", path, &e))
}

fn open_append(path: &Path) -> Result<File, StoreError> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| io_error("open", path, &e))
}

impl Keyring {
    /// An empty keyring that writes nothing (for a store older than sealing, read
    /// only to be copied into a new store folder).
    pub fn none() -> Keyring {
        Keyring {
            path: None,
            keys: RwLock::new(HashMap::new()),
            file: Mutex::new(KeyFile {
                pool: Vec::new(),
                next_id: 1,
                append: None,
            }),
        }
    }

    /// Writes a key file at `path` holding `keys`, ids from `next_id` on.
    pub fn write(path: &Path, next_id: u64, keys: &HashMap<u64, Key>) -> Result<(), StoreError> {
        write_file(path, next_id, keys)
    }

    /// Opens the key file at `path`; `create`: make an empty one if it is absent.
    pub fn open(path: &Path, create: bool) -> Result<Keyring, StoreError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                write_file(path, 1, &HashMap::new())?;
                header_bytes(1)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Backend(format!(
                    "{} is missing: without it no result of this store can be read \
                     (restore the store from a backup)",
                    path.display()
                )))
            }
            Err(e) => return Err(io_error("read", path, &e)),
        };
        let parsed = parse(path, &bytes)?;
        if parsed.valid_len < bytes.len() {
            tracing::warn!(
                dropped = (bytes.len() - parsed.valid_len) / ENTRY_LEN,
                "key file: unused keys of an interrupted batch dropped"
            );
            write_file(path, parsed.next_id, &parsed.keys)?;
        }
        Ok(Keyring {
            path: Some(path.to_path_buf()),
            keys: RwLock::new(parsed.keys),
            file: Mutex::new(KeyFile {
                pool: Vec::new(),
                next_id: parsed.next_id,
                append: Some(open_append(path)?),
            }),
        })
    }

    /// The key `id`, `None` if it was erased (or never existed).
    pub fn key(&self, id: u64) -> Option<Key> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .copied()
    }

    /// Number of keys held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The id the next new key will get.
    pub fn next_id(&self) -> u64 {
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_id
    }

    /// A new key, already on disk.
    pub fn take(&self) -> Result<(u64, Key), StoreError> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if file.pool.is_empty() {
            let Some(path) = &self.path else {
                return Err(StoreError::Backend(
                    "a store older than sealing is read only".into(),
                ));
            };
            let first = file.next_id;
            let mut batch = Vec::with_capacity(BATCH);
            let mut bytes = Vec::with_capacity(BATCH * ENTRY_LEN);
            for k in 0..BATCH as u64 {
                let key: Key = random()?;
                entry_bytes(first + k, &key, &mut bytes);
                batch.push((first + k, key));
            }
            let append = file
                .append
                .as_mut()
                .ok_or_else(|| StoreError::Backend("the key file is not open".into()))?;
            append
                .write_all(&bytes)
                .and_then(|()| append.sync_data())
                .map_err(|e| io_error("write", path, &e))?;
            file.next_id = first + BATCH as u64;
            let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
            for (id, key) in batch.iter().rev() {
                keys.insert(*id, *key);
                file.pool.push(*id);
            }
        }
        let id = file
            .pool
            .pop()
            .ok_or_else(|| StoreError::Backend("no key made".into()))?;
        let key = self
            .key(id)
            .ok_or_else(|| StoreError::Backend(format!("key {id} vanished")))?;
        Ok((id, key))
    }

    /// Erases keys: the key file is rewritten without them (atomically) before they
    /// leave memory. Returns how many were held.
    pub fn erase(&self, ids: &[u64]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let Some(path) = &self.path else {
            return Err(StoreError::Backend(
                "a store older than sealing is read only".into(),
            ));
        };
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let mut remaining = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut erased = 0;
        for id in ids {
            if remaining.remove(id).is_some() {
                erased += 1;
            }
        }
        if erased == 0 {
            return Ok(0);
        }
        write_file(path, file.next_id, &remaining)?;
        file.append = Some(open_append(path)?);
        file.pool.retain(|id| remaining.contains_key(id));
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = remaining;
        Ok(erased)
    }
}

/// The magic bytes that start a sealed value.
pub const MAGIC: [u8; 4] = [0xFF, b'R', b'S', 1];
const PREFIX_LEN: usize = 12;
const NONCE_LEN: usize = 24;

/// The clear part of a sealed value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Tree.
    pub t: String,
    /// Record key (text).
    pub id: String,
    /// Key id.
    pub k: u64,
    /// A profile's result code (for its index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A profile's reception time (for its indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
    /// A profile's structure (for its index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub st: Option<u64>,
}

/// Whether `bytes` is a sealed value (else: a record in clear, or garbage).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Reads the header of a sealed value, and where its nonce starts.
pub fn header(bytes: &[u8]) -> Result<(Header, usize), String> {
    if !is_sealed(bytes) || bytes.len() < PREFIX_LEN {
        return Err("not a sealed value".into());
    }
    let len = |at: usize| -> usize {
        u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap_or_default()) as usize
    };
    let (hlen, slen) = (len(4), len(8));
    let nonce_at = PREFIX_LEN + hlen;
    if bytes.len() != nonce_at + NONCE_LEN + slen {
        return Err(format!(
            "sealed value of {} bytes, its lengths say {}",
            bytes.len(),
            nonce_at + NONCE_LEN + slen
        ));
    }
    let header: Header = serde_json::from_slice(&bytes[PREFIX_LEN..nonce_at])
        .map_err(|e| format!("sealed header: {e}"))?;
    Ok((header, nonce_at))
}

/// Seals `plain` (a record's JSON) under `key`, with `header` in clear.
pub fn seal(header: &Header, key: &Key, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
    let head = serde_json::to_vec(header)
        .map_err(|e| StoreError::Backend(format!("cannot encode a sealed header: {e}")))?;
    let sealed_len = plain.len() + 16;
    let too_long = |_| StoreError::Backend("record too large to seal".into());
    let mut out = Vec::with_capacity(PREFIX_LEN + head.len() + NONCE_LEN + sealed_len);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&u32::try_from(head.len()).map_err(too_long)?.to_be_bytes());
    out.extend_from_slice(&u32::try_from(sealed_len).map_err(too_long)?.to_be_bytes());
    out.extend_from_slice(&head);
    let nonce: [u8; NONCE_LEN] = random()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: &out,
            },
        )
        .map_err(|_| StoreError::Backend("sealing failed".into()))?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens a sealed value whose header was read by [`header`].
pub fn open(bytes: &[u8], nonce_at: usize, key: &Key) -> Result<Vec<u8>, String> {
    let nonce: [u8; NONCE_LEN] = bytes
        .get(nonce_at..nonce_at + NONCE_LEN)
        .and_then(|n| n.try_into().ok())
        .ok_or("sealed value too short")?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &bytes[nonce_at + NONCE_LEN..],
                aad: &bytes[..nonce_at],
            },
        )
        .map_err(|_| "the sealed value does not open with its key (altered)".to_string())
}

/// What anyone who can read the files under `dir` can read of the records: every
/// file's bytes as they are, and every sealed value found in them opened with
/// every key of every key file found there (sealed values that open, with their
/// header; and the headers of those that do not).
#[cfg(test)]
pub(crate) struct Readable {
    /// Every file's bytes, end to end.
    pub raw: Vec<u8>,
    /// Sealed values that open with a key found in the folder.
    pub opened: Vec<(Header, Vec<u8>)>,
    /// Headers of sealed values no key found there opens.
    pub noise: Vec<Header>,
}

#[cfg(test)]
impl Readable {
    /// Whether `text` can be read anywhere: in clear or in an opened value.
    pub fn contains(&self, text: &str) -> bool {
        let t = text.as_bytes();
        self.raw.windows(t.len()).any(|w| w == t)
            || self
                .opened
                .iter()
                .any(|(_, plain)| plain.windows(t.len()).any(|w| w == t))
    }
}

#[cfg(test)]
pub(crate) fn readable(dir: &Path) -> Readable {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut keys: Vec<Key> = Vec::new();
    let mut raw = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("read a file");
        if f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(KEYS_FILE))
        {
            if let Ok(parsed) = parse(f, &bytes) {
                keys.extend(parsed.keys.values());
            }
        }
        raw.extend_from_slice(&bytes);
        raw.push(0);
    }
    let (mut opened, mut noise) = (Vec::new(), Vec::new());
    let mut at = 0;
    while let Some(pos) = raw[at..].windows(4).position(|w| w == MAGIC) {
        let start = at + pos;
        at = start + 1;
        let Some(prefix) = raw.get(start..start + PREFIX_LEN) else {
            break;
        };
        let len = |i: usize| u32::from_be_bytes(prefix[i..i + 4].try_into().unwrap_or_default());
        let total = PREFIX_LEN + len(4) as usize + NONCE_LEN + len(8) as usize;
        let Some(value) = raw.get(start..start + total) else {
            continue;
        };
        let Ok((h, nonce_at)) = header(value) else {
            continue;
        };
        match keys.iter().find_map(|k| open(value, nonce_at, k).ok()) {
            Some(plain) => opened.push((h, plain)),
            None => noise.push(h),
        }
    }
    Readable { raw, opened, noise }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sled_store::tests::temp_path;

    fn header_for(k: u64) -> Header {
        Header {
            t: "profiles".into(),
            id: "r1".into(),
            k,
            code: Some("AAAA-AAAA".into()),
            at: Some(5),
            st: None,
        }
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_only_and_unaltered() {
        let key: Key = random().expect("random");
        let other: Key = random().expect("random");
        let plain = br#"{"person":"Gaspardine"}"#;
        let sealed = seal(&header_for(3), &key, plain).expect("seal");
        assert!(is_sealed(&sealed));
        assert!(
            !sealed.windows(10).any(|w| w == b"Gaspardine"),
            "no clear text"
        );
        let (h, at) = header(&sealed).expect("header");
        assert_eq!(h, header_for(3));
        assert_eq!(open(&sealed, at, &key).expect("open"), plain);
        assert!(open(&sealed, at, &other).is_err());
        // A changed header (another tree, record or key id) does not open.
        let mut moved = sealed.clone();
        let pos = moved
            .windows(2)
            .position(|w| w == b"r1")
            .expect("record key in the header");
        moved[pos + 1] = b'2';
        let (_, at2) = header(&moved).expect("header");
        assert!(open(&moved, at2, &key).is_err());
        // A flipped bit of the ciphertext does not open; truncation is caught.
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(open(&flipped, at, &key).is_err());
        assert!(header(&sealed[..sealed.len() - 1]).is_err());
        assert!(header(b"{\"v\":1}").is_err());
    }

    #[test]
    fn keys_survive_a_reopen_and_erased_keys_are_gone_from_the_file() {
        let dir = temp_path("keys");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(KEYS_FILE);
        let ring = Keyring::open(&path, true).expect("create");
        let taken: Vec<(u64, Key)> = (0..300).map(|_| ring.take().expect("take")).collect();
        let ids: std::collections::BTreeSet<u64> = taken.iter().map(|t| t.0).collect();
        assert_eq!(ids.len(), 300, "distinct ids");
        // Two batches made: 512 keys on disk, 300 given out.
        assert_eq!(ring.len(), 2 * BATCH);
        let (gone, kept) = (taken[10], taken[20]);
        assert_eq!(ring.erase(&[gone.0, 9_999]).expect("erase"), 1);
        assert!(ring.key(gone.0).is_none());
        let file = std::fs::read(&path).expect("read");
        assert!(
            !file.windows(32).any(|w| w == gone.1),
            "the erased key is not in the file"
        );
        assert!(file.windows(32).any(|w| w == kept.1));
        let next = ring.next_id();
        drop(ring);
        let again = Keyring::open(&path, false).expect("reopen");
        assert_eq!(again.key(kept.0), Some(kept.1));
        assert!(again.key(gone.0).is_none());
        assert_eq!(again.next_id(), next, "ids are never reused");
        let (fresh, _) = again.take().expect("take");
        assert!(fresh >= next);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_torn_batch_is_dropped_and_damage_elsewhere_refuses_to_open() {
        let dir = temp_path("torn");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(KEYS_FILE);
        let ring = Keyring::open(&path, true).expect("create");
        let (id, key) = ring.take().expect("take");
        for _ in 0..BATCH {
            ring.take().expect("take");
        }
        drop(ring);
        let mut bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes.len(), HEADER_LEN + 2 * BATCH * ENTRY_LEN);
        // The second batch torn in its middle.
        bytes.truncate(HEADER_LEN + BATCH * ENTRY_LEN + 100 * ENTRY_LEN + 7);
        std::fs::write(&path, &bytes).expect("write");
        let ring = Keyring::open(&path, false).expect("open");
        assert_eq!(ring.len(), BATCH + 100);
        assert_eq!(ring.key(id), Some(key));
        assert_eq!(
            std::fs::read(&path).expect("read").len(),
            HEADER_LEN + (BATCH + 100) * ENTRY_LEN,
            "rewritten without the torn tail"
        );
        drop(ring);
        // A bad byte far from the end is damage, not a torn append.
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[HEADER_LEN + 10] ^= 0x40;
        std::fs::write(&path, &bytes).expect("write");
        let err = Keyring::open(&path, false).err().expect("refused");
        assert!(err.to_string().contains("damaged"), "{err}");
        std::fs::remove_file(&path).expect("rm");
        assert!(
            Keyring::open(&path, false).is_err(),
            "a missing file is an error"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
