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

/// Checks a new password against the policy; the error is French (shown to admins).
pub fn check_password_policy(password: &str) -> Result<(), String> {
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
    Ok(())
}

/// Normalises a login (trimmed, lowercase) and checks it: 2 to 64 characters among
/// `a-z 0-9 . _ -`.
pub fn normalise_login(login: &str) -> Result<String, String> {
    let l = login.trim().to_lowercase();
    let ok = (2..=64).contains(&l.len())
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

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

/// The `Set-Cookie` value that deletes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The value of a cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(check_password_policy("court").is_err());
        assert!(check_password_policy(&"x".repeat(300)).is_err());
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
            "repere_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
        assert_eq!(
            cookie_value("a=1; repere_session=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", SESSION_COOKIE), None);
    }
}
