//! Short codes people type or read aloud, from one alphabet without look-alikes:
//!
//! - result codes: what a person takes away from a kiosk or the counter, and that
//!   an agent or a trainer types ("K7M4-QX2P"): eight symbols, 27⁸ ≈ 2.8·10¹¹
//!   codes; uniqueness is enforced by the store's code index (a collision is
//!   retried);
//! - kiosk pairing codes: what the admin gives whoever installs a kiosk, typed once
//!   on its touch screen at `/borne` ("K7M4-QX2P-7H"): ten symbols, 27¹⁰ ≈ 2·10¹⁴
//!   codes, valid 7 days, usable once, stored hashed;
//! - login tags: the four symbols, in lower case, that the server adds to the name
//!   an admin gives a new account ("marie.k7p2"), so that the login it makes is
//!   unique by construction (`crate::admin_ops::NewLogin`).
//!
//! The alphabet has 27 symbols (digits 2–9 and 19 capital letters), grouped by
//! four. Left out: 0/O/1/I/L (look alike), B/8, S/5, Z/2 (look alike), U (U/V).
//! Codes are drawn at random from the operating system.

/// The symbols of a code.
pub const ALPHABET: &[u8; 27] = b"23456789ACDEFGHJKMNPQRTVWXY";

/// Symbols in a result code (without the dash).
pub const CODE_LEN: usize = 8;

/// Symbols in a kiosk pairing code (without the dashes).
pub const PAIRING_LEN: usize = 10;

/// `len` random symbols, a dash after every four.
fn draw(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len + len / 4);
    let mut produced = 0;
    while produced < len {
        let mut buf = [0u8; 16];
        getrandom::fill(&mut buf)?;
        for b in buf {
            // Rejection sampling: 27 * 9 = 243, so bytes below 243 are uniform mod 27.
            if b < 243 && produced < len {
                if produced > 0 && produced % 4 == 0 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b % 27)]));
                produced += 1;
            }
        }
    }
    Ok(out)
}

/// Reads `len` symbols as a person typed them: case, spaces and dashes do not
/// matter, and the look-alikes left out of the alphabet are read as the symbol they
/// resemble (B→8, S→5, Z→2). Returns the canonical form (a dash after every four
/// symbols), or `None` if it cannot be such a code.
fn read(input: &str, len: usize) -> Option<String> {
    let mut symbols = Vec::with_capacity(len);
    for c in input.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'B' => '8',
            'S' => '5',
            'Z' => '2',
            other => other,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        symbols.push(c);
        if symbols.len() > len {
            return None;
        }
    }
    if symbols.len() != len {
        return None;
    }
    let mut out = String::with_capacity(len + len / 4);
    for (i, c) in symbols.into_iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

/// A new random result code, formatted `XXXX-XXXX`.
pub fn generate() -> Result<String, getrandom::Error> {
    draw(CODE_LEN)
}

/// Reads a result code as a person typed it (see [`read`]); the canonical
/// `XXXX-XXXX` form, or `None` if it cannot be a result code.
pub fn normalise(input: &str) -> Option<String> {
    read(input, CODE_LEN)
}

/// Symbols in a login tag.
pub const TAG_LEN: usize = 4;

/// A new random login tag: [`TAG_LEN`] symbols in lower case (`k7p2`).
pub fn generate_tag() -> Result<String, getrandom::Error> {
    Ok(draw(TAG_LEN)?.to_ascii_lowercase())
}

/// A new random kiosk pairing code, formatted `XXXX-XXXX-XX`.
pub fn generate_pairing() -> Result<String, getrandom::Error> {
    draw(PAIRING_LEN)
}

/// Reads a kiosk pairing code as a person typed it (case, spaces and dashes do not
/// matter); the canonical `XXXX-XXXX-XX` form, or `None` if it cannot be one.
pub fn normalise_pairing(input: &str) -> Option<String> {
    read(input, PAIRING_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_canonical_and_vary() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let c = generate().expect("os random");
            assert_eq!(c.len(), 9);
            assert_eq!(c.as_bytes()[4], b'-');
            assert_eq!(normalise(&c).as_deref(), Some(c.as_str()));
            for ch in ["0", "O", "1", "I", "L"] {
                assert!(!c.contains(ch), "{c}");
            }
            seen.insert(c);
        }
        assert_eq!(seen.len(), 2000);
    }

    #[test]
    fn every_symbol_is_drawn() {
        let mut counts = [0usize; 27];
        for _ in 0..2000 {
            for b in generate()
                .expect("os random")
                .bytes()
                .filter(|b| *b != b'-')
            {
                let i = ALPHABET.iter().position(|a| *a == b).expect("in alphabet");
                counts[i] += 1;
            }
        }
        // 16,000 symbols, 592 expected per symbol: each must be well above 400.
        assert!(counts.iter().all(|c| *c > 400), "{counts:?}");
    }

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(normalise("k7m4qx2p").as_deref(), Some("K7M4-QX2P"));
        assert_eq!(normalise(" K7M4 - QX2P ").as_deref(), Some("K7M4-QX2P"));
        assert_eq!(normalise("K7M4-QXZP").as_deref(), Some("K7M4-QX2P"));
        assert_eq!(normalise("b7s4-qx2p").as_deref(), Some("8754-QX2P"));
        assert_eq!(normalise("K7M4-QX2"), None);
        assert_eq!(normalise("K7M4-QX2PP"), None);
        assert_eq!(normalise("K7M4-QX0P"), None);
        assert_eq!(normalise("K7M4-QXÉP"), None);
        assert_eq!(normalise(""), None);
        // Tabs and line breaks of a pasted code are spaces too.
        assert_eq!(
            normalise("\tK7M4\u{a0}QX2P\n").as_deref(),
            Some("K7M4-QX2P")
        );
    }

    #[test]
    fn pairing_codes_have_ten_symbols_in_three_groups() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let c = generate_pairing().expect("os random");
            assert_eq!(c.len(), 12, "{c}");
            assert_eq!(c.as_bytes()[4], b'-');
            assert_eq!(c.as_bytes()[9], b'-');
            assert!(c.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)), "{c}");
            assert_eq!(normalise_pairing(&c).as_deref(), Some(c.as_str()));
            // Lower case, no dashes, spaces in odd places: the same code.
            let typed = format!(" {} ", c.replace('-', "").to_lowercase());
            assert_eq!(normalise_pairing(&typed).as_deref(), Some(c.as_str()));
            // A result code's reader does not take it, nor the other way round.
            assert_eq!(normalise(&c), None);
            seen.insert(c);
        }
        assert_eq!(seen.len(), 1000);
        assert_eq!(
            normalise_pairing("k7m4 qx2p 7h").as_deref(),
            Some("K7M4-QX2P-7H")
        );
        assert_eq!(normalise_pairing("K7M4-QX2P-7").as_deref(), None);
        assert_eq!(normalise_pairing("K7M4-QX2P-7HH").as_deref(), None);
        assert_eq!(normalise_pairing("K7M4-QX2P"), None);
        assert_eq!(normalise_pairing("K7M4-QX2P-7O"), None);
        assert_eq!(normalise_pairing(&"a".repeat(64)), None);
    }

    #[test]
    fn login_tags_are_four_lower_case_symbols_without_look_alikes() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let t = generate_tag().expect("os random");
            assert_eq!(t.len(), TAG_LEN, "{t}");
            assert!(
                t.bytes().all(|b| ALPHABET.contains(&b.to_ascii_uppercase())
                    && !b.is_ascii_uppercase()
                    && !b"0o1li".contains(&b)),
                "{t}"
            );
            seen.insert(t);
        }
        // 27^4 = 531,441 tags: 2,000 draws repeat one about 4 times.
        assert!(seen.len() > 1980, "{}", seen.len());
    }
}
