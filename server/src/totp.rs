//! The second factor of staff accounts: time-based one-time codes (TOTP, RFC 6238,
//! with the `totp-rs` crate) and one-time recovery codes.
//!
//! - The secret is 160 random bits from the operating system, kept base32 in the
//!   account's record, where the store seals it (`store::secrets`). Codes are HMAC-SHA-1, 6 digits, 30-second steps: what every
//!   authenticator app reads from the `otpauth://` address (shown as a QR code
//!   drawn here, as SVG, by the `qrcode` crate, and as text in groups of 4).
//! - A code of the step before or after the server's is accepted (a phone's clock
//!   a little off), and a code is accepted once: the step of the last accepted
//!   code is kept, and only a later step passes ([`use_code`], one store
//!   transaction, so two requests with the same code cannot both pass).
//! - 8 recovery codes (`XXXX-XXXX-XX`, the kiosk pairing codes' alphabet: 10
//!   symbols from 27, about 47 bits) are shown once when the second factor is
//!   confirmed; the store keeps their SHA-256, and each works once in place of a
//!   code.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::auth;
use crate::records::{Millis, SecondFactor, User};
use crate::store::{Store, StoreError};

/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Repère";
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Seconds of a step.
pub const STEP_SECS: u64 = 30;
/// A second factor shown and not confirmed within this time must be set up again.
pub const PENDING_TTL_MS: Millis = 30 * 60_000;
/// How long a login waits for its second factor after the right password.
pub const CHALLENGE_TTL_MS: Millis = 5 * 60_000;
/// Wrong codes one login challenge takes before it ends (the login limits count
/// them too).
pub const CHALLENGE_MAX_FAILURES: u32 = 5;
/// Recovery codes given at confirmation.
pub const RECOVERY_CODES: usize = 8;

/// A new secret: 160 random bits, base32 (32 characters, no padding).
pub fn new_secret() -> Result<String, String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
    Ok(Secret::new_stack(bytes).to_base32())
}

fn totp(secret: &str, login: &str) -> Result<Totp, String> {
    let secret =
        Secret::try_from_base32(secret).map_err(|e| format!("unreadable TOTP secret: {e:?}"))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP_SECS)
        .with_skew(1)
        .with_secret(secret)
        .with_account_name(login)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| format!("TOTP settings refused: {e:?}"))
}

/// The `otpauth://totp/…` address an authenticator app reads (from its QR code).
pub fn uri(secret: &str, login: &str) -> Result<String, String> {
    totp(secret, login)?
        .to_url()
        .map_err(|e| format!("no otpauth address: {e:?}"))
}

/// The QR code of `text` as an SVG element (no XML declaration), dark on white,
/// with a quiet zone, scaled by the page.
pub fn qr_svg(text: &str) -> Result<String, String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| format!("no QR code: {e}"))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The renderer starts with an XML declaration, which has no place in HTML.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

/// The secret written for a person to type: groups of 4 characters.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a person typed in the code field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typed {
    /// 6 digits (spaces ignored).
    Code(String),
    /// A recovery code, canonical (`XXXX-XXXX-XX`).
    Recovery(String),
}

/// Reads the code field: 6 digits, or a recovery code (case, spaces and dashes do
/// not matter); `None` if it is neither.
pub fn read(input: &str) -> Option<Typed> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Typed::Code(digits));
    }
    crate::code::normalise_pairing(input).map(Typed::Recovery)
}

/// The step whose code is `code` for `secret` at `now_ms` (the step before and
/// after count too), if any.
pub fn check(secret: &str, code: &str, now_ms: Millis) -> Option<u64> {
    let now = u64::try_from(now_ms / 1000).ok()?;
    totp(secret, "account").ok()?.check(code, now)
}

/// The code of `secret` at `now_ms`.
#[cfg(test)]
pub fn code_at(secret: &str, now_ms: Millis) -> Option<String> {
    let now = u64::try_from(now_ms / 1000).ok()?;
    Some(totp(secret, "account").ok()?.generate(now).to_string())
}

/// New recovery codes: the codes to show (once) and the hashes to keep.
pub fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>), String> {
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        shown.push(crate::code::generate_pairing().map_err(|e| format!("no random source: {e}"))?);
    }
    let kept = shown.iter().map(|c| recovery_hash(c)).collect();
    Ok((shown, kept))
}

/// What the store keeps of a (canonical) recovery code.
pub fn recovery_hash(canonical: &str) -> String {
    auth::token_digest(&format!("repere-recovery:{canonical}"))
}

/// A second factor confirmed at `now` by a code of `step`, with recovery codes
/// kept as `recovery` (hashes).
pub fn confirmed(secret: &str, step: u64, now: Millis, recovery: Vec<String>) -> SecondFactor {
    SecondFactor {
        secret: secret.to_string(),
        enabled_at: now,
        last_step: step,
        recovery,
    }
}

/// How a second factor was proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A code of the authenticator app.
    Code,
    /// A recovery code; `left`: the recovery codes still unused.
    Recovery {
        /// Unused recovery codes after this one.
        left: usize,
    },
}

impl Proof {
    /// Its name in the security log.
    pub fn name(self) -> &'static str {
        match self {
            Proof::Code => "code",
            Proof::Recovery { .. } => "recovery",
        }
    }
}

/// Checks what was typed against account `user`'s second factor at `now_ms` and,
/// when right, uses it up in the same store transaction: the code's step becomes
/// the last accepted one (that code and older ones no longer pass), or the recovery
/// code is removed. `None`: wrong, already used, unreadable, or no second factor.
pub fn use_code(
    store: &dyn Store,
    user: u64,
    typed: &str,
    now_ms: Millis,
) -> Result<Option<Proof>, StoreError> {
    let Some(typed) = read(typed) else {
        return Ok(None);
    };
    let changed = store.modify_user(user, &|u: &mut User| {
        let Some(sf) = u.second_factor.as_mut() else {
            return false;
        };
        match &typed {
            Typed::Code(code) => match check(&sf.secret, code, now_ms) {
                Some(step) if step > sf.last_step => {
                    sf.last_step = step;
                    true
                }
                _ => false,
            },
            Typed::Recovery(code) => {
                let hash = recovery_hash(code);
                match sf
                    .recovery
                    .iter()
                    .position(|h| auth::ct_eq(h.as_bytes(), hash.as_bytes()))
                {
                    Some(i) => {
                        sf.recovery.remove(i);
                        true
                    }
                    None => false,
                }
            }
        }
    })?;
    Ok(changed.map(|u| match typed {
        Typed::Code(_) => Proof::Code,
        Typed::Recovery(_) => Proof::Recovery {
            left: u.second_factor.map_or(0, |sf| sf.recovery.len()),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret ("12345678901234567890"), base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_are_those_of_rfc_6238() {
        // Appendix B, SHA-1, the last 6 of the 8 digits.
        for (t, code) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(RFC_SECRET, t * 1000).as_deref(), Some(code), "{t}");
        }
        // The step of a code, and one step of clock difference either way.
        assert_eq!(
            check(RFC_SECRET, "005924", 1_234_567_890_000),
            Some(41_152_263)
        );
        assert_eq!(
            check(RFC_SECRET, "005924", 1_234_567_919_000),
            Some(41_152_263)
        );
        assert_eq!(
            check(RFC_SECRET, "005924", 1_234_567_861_000),
            Some(41_152_263)
        );
        assert_eq!(check(RFC_SECRET, "005924", 1_234_567_950_000), None);
        assert_eq!(check(RFC_SECRET, "005925", 1_234_567_890_000), None);
        assert_eq!(check("not base32 !", "005924", 1_234_567_890_000), None);
    }

    #[test]
    fn secrets_addresses_and_qr_codes() {
        let s = new_secret().expect("secret");
        assert_eq!(s.len(), 32, "160 bits in base32: {s}");
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert_ne!(s, new_secret().expect("secret"));
        assert_eq!(
            grouped("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            "ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567"
        );
        let uri = uri(RFC_SECRET, "marie.dupont").expect("uri");
        assert_eq!(
            uri,
            "otpauth://totp/Rep%C3%A8re:marie.dupont?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Rep%C3%A8re"
        );
        let svg = qr_svg(&uri).expect("svg");
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg:.80}"
        );
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn typed_codes_are_read() {
        assert_eq!(read(" 123 456 "), Some(Typed::Code("123456".into())));
        assert_eq!(read("12345"), None);
        assert_eq!(read("1234567"), None);
        assert_eq!(read("12345a"), None);
        let (shown, kept) = new_recovery_codes().expect("codes");
        assert_eq!((shown.len(), kept.len()), (RECOVERY_CODES, RECOVERY_CODES));
        let first = &shown[0];
        assert_eq!(first.len(), 12, "{first}");
        let typed = first.to_lowercase().replace('-', " ");
        assert_eq!(read(&typed), Some(Typed::Recovery(first.clone())));
        assert_eq!(recovery_hash(first), kept[0]);
        assert_eq!(
            shown.iter().collect::<std::collections::HashSet<_>>().len(),
            RECOVERY_CODES
        );
    }
}
