//! The second factor's secrets in account records, sealed.
//!
//! An account record stays JSON in clear (its login is indexed, its role and
//! structure read by every request), but the TOTP secret of its second factor,
//! confirmed or being set up, is sealed as results are ([`super::sealed`]): under
//! a key of its own from the store's key file, with a header naming the account
//! and the slot (`users`, `17/second_factor`), so it opens nowhere else. In the
//! record, the slot holds `"sealed": "<base64 of the sealed value>"` where it held
//! `"secret"`.
//!
//! A secret keeps its key as long as it lives: a record written again with the
//! same secret reuses its key (a confirmed secret takes the key it had while
//! pending). A secret replaced or removed has its key erased once the new record
//! is written, after which every copy sled may still hold of it is noise.
//! Recovery codes are kept as SHA-256 hashes beside it, in clear.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};

use super::sealed::{self, Header, Key};
use super::StoreError;

/// The tree of account records (the sealed headers name it).
pub const USERS: &str = "users";
/// The fields of an account record that hold a secret.
pub const SLOTS: [&str; 2] = ["second_factor", "second_factor_pending"];

/// A sealed secret of a stored account, opened.
pub struct Held {
    slot: &'static str,
    kid: u64,
    secret: String,
    /// The field's value as stored.
    blob: String,
}

fn header(account: u64, slot: &str, kid: u64) -> Header {
    Header {
        t: USERS.into(),
        id: format!("{account}/{slot}"),
        k: kid,
        code: None,
        at: None,
        st: None,
    }
}

fn slot_mut<'a>(value: &'a mut Value, slot: &str) -> Option<&'a mut Map<String, Value>> {
    value.get_mut(slot).and_then(Value::as_object_mut)
}

/// The key id of a sealed field and its bytes, checked to belong to `slot` of
/// `account`.
fn read_blob(account: u64, slot: &str, blob: &str) -> Result<(u64, Vec<u8>, usize), String> {
    let bytes = STANDARD
        .decode(blob)
        .map_err(|e| format!("{slot}: the sealed secret is not base64 ({e})"))?;
    let (h, at) = sealed::header(&bytes).map_err(|e| format!("{slot}: {e}"))?;
    let want = header(account, slot, h.k);
    if h != want {
        return Err(format!("{slot}: sealed for {}/{}", h.t, h.id));
    }
    Ok((h.k, bytes, at))
}

/// The key ids the sealed fields of a record name (checked or not: for copies).
pub fn kids(account: u64, value: &Value) -> Vec<u64> {
    SLOTS
        .iter()
        .filter_map(|slot| value.get(slot)?.get("sealed")?.as_str().map(|b| (slot, b)))
        .filter_map(|(slot, blob)| read_blob(account, slot, blob).ok())
        .map(|(kid, _, _)| kid)
        .collect()
}

/// Whether a record holds a secret in clear (written before secrets were sealed).
pub fn has_clear(value: &Value) -> bool {
    SLOTS
        .iter()
        .any(|slot| value.get(slot).and_then(|s| s.get("secret")).is_some())
}

/// Opens the sealed fields of a stored record in place (`"sealed"` becomes
/// `"secret"`). A sealed secret whose key is missing is an error: an account must
/// never read as having no second factor because its key was lost.
pub fn open(
    account: u64,
    value: &mut Value,
    key: &dyn Fn(u64) -> Option<Key>,
) -> Result<(), String> {
    for slot in SLOTS {
        let Some(fields) = slot_mut(value, slot) else {
            continue;
        };
        let Some(blob) = fields.get("sealed") else {
            continue;
        };
        let blob = blob
            .as_str()
            .ok_or_else(|| format!("{slot}: the sealed secret is not text"))?;
        let (kid, bytes, at) = read_blob(account, slot, blob)?;
        let k = key(kid).ok_or_else(|| format!("{slot}: the key of its secret is missing"))?;
        let plain = sealed::open(&bytes, at, &k).map_err(|e| format!("{slot}: {e}"))?;
        let secret =
            String::from_utf8(plain).map_err(|_| format!("{slot}: the secret is not text"))?;
        fields.remove("sealed");
        fields.insert("secret".into(), Value::String(secret));
    }
    Ok(())
}

/// The sealed secrets of a stored record that open with a held key; and every key
/// id it names (those of secrets that no longer open too).
pub fn held(
    account: u64,
    value: &Value,
    key: &dyn Fn(u64) -> Option<Key>,
) -> (Vec<Held>, Vec<u64>) {
    let mut out = Vec::new();
    let mut named = Vec::new();
    for slot in SLOTS {
        let Some(blob) = value
            .get(slot)
            .and_then(|s| s.get("sealed"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let Ok((kid, bytes, at)) = read_blob(account, slot, blob) else {
            continue;
        };
        named.push(kid);
        let opened = key(kid)
            .and_then(|k| sealed::open(&bytes, at, &k).ok())
            .and_then(|p| String::from_utf8(p).ok());
        if let Some(secret) = opened {
            out.push(Held {
                slot,
                kid,
                secret,
                blob: blob.to_string(),
            });
        }
    }
    (out, named)
}

/// Seals the secrets of a record about to be written, in place (`"secret"`
/// becomes `"sealed"`). A secret found in `old` (the record it replaces) keeps
/// its key; any other gets a new one from `take`. Returns the key ids used.
pub fn seal(
    account: u64,
    value: &mut Value,
    old: &[Held],
    key: &dyn Fn(u64) -> Option<Key>,
    take: &mut dyn FnMut() -> Result<(u64, Key), StoreError>,
) -> Result<Vec<u64>, StoreError> {
    let mut used = Vec::new();
    for slot in SLOTS {
        let Some(fields) = slot_mut(value, slot) else {
            continue;
        };
        let Some(Value::String(secret)) = fields.remove("secret") else {
            continue;
        };
        let kept = old.iter().find(|h| h.secret == secret);
        let blob = match kept {
            Some(h) if h.slot == slot => {
                used.push(h.kid);
                h.blob.clone()
            }
            _ => {
                let (kid, k) = match kept.and_then(|h| Some((h.kid, key(h.kid)?))) {
                    Some(reused) => reused,
                    None => take()?,
                };
                used.push(kid);
                STANDARD.encode(sealed::seal(
                    &header(account, slot, kid),
                    &k,
                    secret.as_bytes(),
                )?)
            }
        };
        fields.insert("sealed".into(), Value::String(blob));
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const OTHER: &str = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA";

    struct Ring {
        keys: Mutex<HashMap<u64, Key>>,
    }

    impl Ring {
        fn new() -> Ring {
            Ring {
                keys: Mutex::new(HashMap::new()),
            }
        }
        fn key(&self, id: u64) -> Option<Key> {
            self.keys.lock().expect("lock").get(&id).copied()
        }
        fn take(&self) -> Result<(u64, Key), StoreError> {
            let mut keys = self.keys.lock().expect("lock");
            let id = keys.len() as u64 + 1;
            let key = [id as u8; 32];
            keys.insert(id, key);
            Ok((id, key))
        }
    }

    fn record(pending: Option<&str>, confirmed: Option<&str>) -> Value {
        let mut v = serde_json::json!({ "v": 1, "id": 7, "login": "marie" });
        if let Some(s) = pending {
            v["second_factor_pending"] = serde_json::json!({ "secret": s, "created_at": 1 });
        }
        if let Some(s) = confirmed {
            v["second_factor"] =
                serde_json::json!({ "secret": s, "enabled_at": 2, "recovery": ["ab"] });
        }
        v
    }

    fn sealed_with(ring: &Ring, value: &mut Value, old: &Value) -> Vec<u64> {
        let (held, _) = held(7, old, &|k| ring.key(k));
        seal(7, value, &held, &|k| ring.key(k), &mut || ring.take()).expect("seal")
    }

    #[test]
    fn a_secret_is_sealed_opens_in_its_place_only_and_keeps_its_key_while_it_lives() {
        let ring = Ring::new();
        let mut pending = record(Some(SECRET), None);
        assert_eq!(sealed_with(&ring, &mut pending, &Value::Null), vec![1]);
        let text = pending.to_string();
        assert!(!text.contains(SECRET), "{text}");
        assert!(pending["second_factor_pending"].get("secret").is_none());
        assert_eq!(kids(7, &pending), vec![1]);
        assert!(!has_clear(&pending));

        // Written again unchanged: the same bytes, the same key.
        let mut again = record(Some(SECRET), None);
        assert_eq!(sealed_with(&ring, &mut again, &pending), vec![1]);
        assert_eq!(again, pending);

        // Confirmed: the secret moves to the other slot with its key.
        let mut confirmed = record(None, Some(SECRET));
        assert_eq!(sealed_with(&ring, &mut confirmed, &pending), vec![1]);
        let mut opened = confirmed.clone();
        open(7, &mut opened, &|k| ring.key(k)).expect("open");
        assert_eq!(opened, record(None, Some(SECRET)));

        // Replaced: a new key.
        let mut replaced = record(None, Some(OTHER));
        assert_eq!(sealed_with(&ring, &mut replaced, &confirmed), vec![2]);

        // Another account's place, or the other slot: does not open.
        let mut moved = confirmed.clone();
        assert!(open(8, &mut moved, &|k| ring.key(k))
            .expect_err("another account")
            .contains("sealed for users/7/second_factor"));
        let mut swapped = record(None, None);
        swapped["second_factor_pending"] = confirmed["second_factor"].clone();
        assert!(open(7, &mut swapped, &|k| ring.key(k)).is_err());

        // Its key erased: an error, never "no second factor".
        let err = open(7, &mut confirmed.clone(), &|_| None).expect_err("no key");
        assert!(err.contains("key of its secret is missing"), "{err}");
        let (held, named) = held(7, &confirmed, &|_| None);
        assert!(held.is_empty());
        assert_eq!(named, vec![1]);
    }

    #[test]
    fn a_secret_in_clear_reads_as_it_is() {
        let mut clear = record(Some(SECRET), Some(OTHER));
        assert!(has_clear(&clear));
        let before = clear.clone();
        open(7, &mut clear, &|_| None).expect("nothing sealed");
        assert_eq!(clear, before);
    }
}
