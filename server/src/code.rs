//! Result codes: the short code a person takes away from a kiosk or the counter, and
//! that an agent or a trainer types or hears read aloud ("K7M4-QX2P").
//!
//! Eight symbols from an alphabet of 27 (digits 2–9 and 19 capital letters), grouped
//! by four. Left out: 0/O/1/I/L (look alike), B/8, S/5, Z/2 (look alike), U (U/V).
//! 27⁸ ≈ 2.8·10¹¹ codes: drawn at random from the operating system; uniqueness is
//! enforced by the store's code index (a collision is retried).

/// The symbols of a code.
pub const ALPHABET: &[u8; 27] = b"23456789ACDEFGHJKMNPQRTVWXY";

/// Symbols in a code (without the dash).
pub const CODE_LEN: usize = 8;

/// A new random code, formatted `XXXX-XXXX`.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(CODE_LEN + 1);
    let mut produced = 0;
    while produced < CODE_LEN {
        let mut buf = [0u8; 16];
        getrandom::fill(&mut buf)?;
        for b in buf {
            // Rejection sampling: 27 * 9 = 243, so bytes below 243 are uniform mod 27.
            if b < 243 && produced < CODE_LEN {
                if produced == 4 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b % 27)]));
                produced += 1;
            }
        }
    }
    Ok(out)
}

/// Reads a code as a person typed it: case, spaces and dashes do not matter, and the
/// look-alikes left out of the alphabet are read as the symbol they resemble
/// (B→8, S→5, Z→2). Returns the canonical `XXXX-XXXX` form, or `None` if it cannot be
/// a code.
pub fn normalise(input: &str) -> Option<String> {
    let mut symbols = Vec::with_capacity(CODE_LEN);
    for c in input.chars() {
        if c == '-' || c == ' ' || c == '\u{a0}' {
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
        if symbols.len() > CODE_LEN {
            return None;
        }
    }
    if symbols.len() != CODE_LEN {
        return None;
    }
    let mut out: String = symbols[..4].iter().collect();
    out.push('-');
    out.extend(&symbols[4..]);
    Some(out)
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
    }
}
