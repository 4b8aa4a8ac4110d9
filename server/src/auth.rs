//! Secrets: password hashes, random tokens, their digests, and cookies.
//!
//! - Passwords: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2,
//!   p = 1, the OWASP recommendation), PHC strings. Hashing and checking take tens
//!   of milliseconds: the HTTP handlers run them with `spawn_blocking`.
//! - Session and kiosk tokens: 32 random bytes from the operating system, shown as
//!   hex. The store keeps only their SHA-256 (a 256-bit random token needs no slow
//!   hash), so a copy of the store gives no working token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password (bounds the hashing work).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "repere_session";

/// Hashes a password (Argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no random source: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC `hash`. A malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|h| Argon2::default().verify_password(password.as_bytes(), &h))
        .is_ok()
}

/// A hash of a random password, checked when a login does not exist so that an
/// unknown login takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = random_token().unwrap_or_else(|_| "unused-dummy-password".into());
        hash_password(&pw).unwrap_or_default()
    })
}

/// Lowest zxcvbn score of a new password (0 to 4; 3: "safely unguessable").
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// Checks a new password against the policy; the error is French (shown to admins).
/// `context`: words the password must not lean on (the login, the structure's
/// name).
pub fn check_password_policy(password: &str, context: &[&str]) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Le mot de passe doit contenir au moins {MIN_PASSWORD_CHARS} caractères."
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!(
            "Le mot de passe doit contenir au plus {MAX_PASSWORD_CHARS} caractères."
        ));
    }
    // zxcvbn's estimate (common and breached passwords, names, keyboard rows,
    // dates, repeats, substitutions): at least "safely unguessable" online.
    if u8::from(zxcvbn::zxcvbn(password, context).score()) < MIN_PASSWORD_SCORE {
        return Err(
            "Ce mot de passe est trop facile à deviner. Choisissez-en un plus long, \
             par exemple quelques mots sans rapport entre eux."
                .to_string(),
        );
    }
    Ok(())
}

/// The longest login.
pub const MAX_LOGIN_LEN: usize = 64;

/// Normalises a login (trimmed, lowercase) and checks it: 2 to [`MAX_LOGIN_LEN`]
/// characters among `a-z 0-9 . _ -`.
pub fn normalise_login(login: &str) -> Result<String, String> {
    let l = login.trim().to_lowercase();
    let ok = (2..=MAX_LOGIN_LEN).contains(&l.len())
        && l.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(l)
    } else {
        Err("L'identifiant doit faire de 2 à 64 caractères : lettres sans accent, chiffres, point, tiret ou tiret bas.".into())
    }
}

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
    Ok(hex(&bytes))
}

/// SHA-256 of a token, hex.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Constant-time equality of two secrets (the length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Set-Cookie` value of a cookie of this server: `HttpOnly`, `SameSite=Strict`,
/// the whole site. A `secure` one is `Secure` and named with the `__Host-` prefix,
/// which a browser keeps only from HTTPS, for this host alone (no subdomain or
/// plain-HTTP page can set or shadow it).
pub fn cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    if secure {
        format!("__Host-{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}; Secure")
    } else {
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}")
    }
}

/// The `Set-Cookie` value that deletes a cookie (under its name for `secure`).
pub fn clear_cookie(name: &str, secure: bool) -> String {
    cookie(name, "", 0, secure)
}

/// Whether a request carries the plain (not `__Host-`) form of a cookie.
pub fn has_plain_cookie(headers: &axum::http::HeaderMap, name: &str) -> bool {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|h| cookie_value(h, name).is_some())
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    cookie(SESSION_COOKIE, token, max_age_secs, secure)
}

/// The value of a cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The cookie that marks a browser where an account logged in before (OWASP's
/// "device cookie"): failed logins from it count apart, and it is not refused
/// when the account is under attack from elsewhere (`crate::ratelimit::Limits`).
pub const DEVICE_COOKIE: &str = "repere_device";
/// Lifetime of the device cookie: one year.
pub const DEVICE_COOKIE_MAX_AGE_SECS: i64 = 365 * 86_400;
/// Accounts one browser is remembered for (a shared tablet).
const DEVICE_ACCOUNTS: usize = 4;

fn device_mac(key: &[u8], login: &str, nonce: &str) -> String {
    use hmac::{Mac, SimpleHmac};
    let mut mac = match SimpleHmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC takes keys of any length: this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(b"repere-device\0");
    mac.update(login.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    hex(&mac.finalize().into_bytes()[..16])
}

/// The id of this browser for `login` if its device cookie (`nonce.mac~…`)
/// holds a mark of that account made with `key`.
pub fn known_device<'a>(key: &[u8], cookie: &'a str, login: &str) -> Option<&'a str> {
    cookie.split('~').find_map(|entry| {
        let (nonce, mac) = entry.split_once('.')?;
        let expected = device_mac(key, login, nonce);
        (!nonce.is_empty() && !expected.is_empty() && ct_eq(mac.as_bytes(), expected.as_bytes()))
            .then_some(nonce)
    })
}

/// The device cookie's new value after `login` logged in: a mark of that account
/// first (a new one with `fresh_nonce` unless the browser already had one), then
/// the marks it held for other accounts (at most [`DEVICE_ACCOUNTS`] in all).
pub fn device_cookie_value(
    key: &[u8],
    cookie: Option<&str>,
    login: &str,
    fresh_nonce: &str,
) -> String {
    let old = cookie.unwrap_or("");
    let nonce = known_device(key, old, login).unwrap_or(fresh_nonce);
    let mine = format!("{nonce}.{}", device_mac(key, login, nonce));
    let mut entries = vec![mine.clone()];
    for e in old.split('~') {
        let ok = e.len() <= 80 && e.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.');
        if ok && !e.is_empty() && e != mine && entries.len() < DEVICE_ACCOUNTS {
            entries.push(e.to_string());
        }
    }
    entries.join("~")
}

/// The value of one of this server's cookies (see [`cookie`]): the `__Host-` one
/// first, then the plain one (set by plain HTTP, or before the prefix existed).
pub fn server_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    let values = || {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
    };
    let prefixed = format!("__Host-{name}");
    values()
        .find_map(|h| cookie_value(h, &prefixed))
        .or_else(|| values().find_map(|h| cookie_value(h, name)))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_passwords_are_refused() {
        for weak in [
            "password1234",
            "azertyuiop12",
            "motdepasse123",
            "aaaaaaaaaaaa",
            "marie.dupont1",
        ] {
            assert!(
                check_password_policy(weak, &["marie.dupont"]).is_err(),
                "{weak}"
            );
        }
        for strong in [
            "mot-de-passe-de-test",
            "un-nouveau-secret-solide",
            "cheval pile agrafe",
        ] {
            assert_eq!(
                check_password_policy(strong, &["marie.dupont"]),
                Ok(()),
                "{strong}"
            );
        }
        assert!(check_password_policy("court", &[])
            .unwrap_err()
            .contains("12"));
    }

    #[test]
    fn device_cookies_mark_accounts() {
        let key = b"0123456789abcdef0123456789abcdef";
        let v = device_cookie_value(key, None, "marie", "aa11");
        assert_eq!(known_device(key, &v, "marie"), Some("aa11"));
        assert_eq!(known_device(key, &v, "paul"), None);
        assert_eq!(known_device(b"another key", &v, "marie"), None);
        let forged = v.replace("aa11.", "bb22.");
        assert_eq!(known_device(key, &forged, "marie"), None);
        // A second account on the same tablet: both kept, the same id for marie.
        let v2 = device_cookie_value(key, Some(&v), "paul", "cc33");
        assert_eq!(known_device(key, &v2, "paul"), Some("cc33"));
        assert_eq!(known_device(key, &v2, "marie"), Some("aa11"));
        let v3 = device_cookie_value(key, Some(&v2), "marie", "dd44");
        assert_eq!(known_device(key, &v3, "marie"), Some("aa11"));
        assert_eq!(v3.split('~').count(), 2);
        let mut many = v3;
        for (i, login) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            many = device_cookie_value(key, Some(&many), login, &format!("{i:04x}"));
        }
        assert_eq!(many.split('~').count(), 4);
        assert_eq!(known_device(key, "garbage~;x", "marie"), None);
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse batterie"));
        assert!(!verify_password("not a hash", "x"));
        let h2 = hash_password("correct horse battery").expect("hash");
        assert_ne!(h, h2, "salts differ");
    }

    #[test]
    fn tokens_and_digests() {
        let t = random_token().expect("token");
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token().expect("token"));
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn policy_logins_cookies() {
        assert!(check_password_policy("court", &[]).is_err());
        assert!(check_password_policy(&"x".repeat(300), &[]).is_err());
        assert_eq!(
            normalise_login("  Marie.Dupont ").as_deref(),
            Ok("marie.dupont")
        );
        assert!(normalise_login("marié").is_err());
        assert!(normalise_login("a").is_err());
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        let c = session_cookie("tok", 60, true);
        assert_eq!(
            c,
            "__Host-repere_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
        assert_eq!(
            cookie_value("a=1; repere_session=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", SESSION_COOKIE), None);
    }
}
