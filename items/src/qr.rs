//! QR codes of result codes (drawn by the app) and of mediation places' booking
//! links (drawn by the server into the places' cards), as SVG: no network, no
//! image file.
//!
//! Only what these need, so the self-test's wasm stays small (the `qrcode` crate
//! cost about 13 KB gzip): the alphanumeric mode (digits, capital letters, space
//! and `$%*+-./:`; a result code) and the byte mode (a web address, UTF-8), error
//! correction level M (15 %), versions 1 to 6 (up to 154 alphanumeric symbols, 106
//! bytes). Anything else gives `None`, and the screen shows the text only.
//!
//! The symbol is the one the `qrcode` crate draws for the same alphanumeric segment
//! and version, module for module, mask choice included (the tests compare them).

use std::fmt::Write;

/// The symbols of the alphanumeric mode, in the order of their values.
const CHARSET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
/// Codewords of versions 1 to 6.
const TOTAL: [usize; 6] = [26, 44, 70, 100, 134, 172];
/// Level M, versions 1 to 6: error correction codewords per block, blocks.
const BLOCKS: [(usize, usize); 6] = [(10, 1), (16, 1), (26, 1), (18, 2), (24, 2), (16, 4)];

/// A QR code: `size` × `size` modules, `true` for dark, row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qr {
    size: usize,
    dark: Vec<bool>,
}

/// The data codewords of version `v` (1 to 6) at level M.
fn data_codewords(v: usize) -> usize {
    let (ecc, blocks) = BLOCKS[v - 1];
    TOTAL[v - 1] - ecc * blocks
}

/// A bit string, most significant bit first.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    fn push(&mut self, value: u32, count: usize) {
        for i in (0..count).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                if let Some(last) = self.bytes.last_mut() {
                    *last |= 0x80 >> (self.len % 8);
                }
            }
            self.len += 1;
        }
    }
}

/// Product in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1.
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    product
}

/// The Reed-Solomon error correction codewords (`degree` of them) of `data`.
fn error_correction(data: &[u8], degree: usize) -> Vec<u8> {
    // The generator polynomial, without its leading 1.
    let mut generator = vec![0u8; degree];
    generator[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            generator[j] = gf_mul(generator[j], root);
            if j + 1 < degree {
                generator[j] ^= generator[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    let mut remainder = vec![0u8; degree];
    for &byte in data {
        let factor = byte ^ remainder[0];
        remainder.remove(0);
        remainder.push(0);
        for (r, &g) in remainder.iter_mut().zip(&generator) {
            *r ^= gf_mul(g, factor);
        }
    }
    remainder
}

impl Qr {
    /// The QR code of `text` in the alphanumeric mode, level M, in the smallest
    /// version that holds it; `None` if a symbol is not of that mode or the text
    /// is too long for version 6.
    pub fn alphanumeric(text: &str) -> Option<Qr> {
        let values: Vec<u32> = text
            .bytes()
            .map(|b| CHARSET.iter().position(|&c| c == b).map(|p| p as u32))
            .collect::<Option<_>>()?;
        let n = values.len();
        let needed = 4 + 9 + 11 * (n / 2) + 6 * (n % 2);
        let version = (1..=6).find(|&v| needed <= data_codewords(v) * 8)?;
        // Mode, count, pairs of symbols.
        let mut bits = Bits::default();
        bits.push(0b0010, 4);
        bits.push(n as u32, 9);
        for pair in values.chunks(2) {
            match pair {
                [a, b] => bits.push(a * 45 + b, 11),
                [a] => bits.push(*a, 6),
                _ => {}
            }
        }
        Some(Qr::finish(bits, version))
    }

    /// The QR code of `text` in the byte mode (its UTF-8 bytes), level M, in the
    /// smallest version that holds it; `None` if it is longer than version 6 holds
    /// (106 bytes).
    pub fn bytes(text: &str) -> Option<Qr> {
        let n = text.len();
        let needed = 4 + 8 + 8 * n;
        let version = (1..=6).find(|&v| needed <= data_codewords(v) * 8)?;
        let mut bits = Bits::default();
        bits.push(0b0100, 4);
        bits.push(n as u32, 8);
        for b in text.bytes() {
            bits.push(u32::from(b), 8);
        }
        Some(Qr::finish(bits, version))
    }

    /// The symbol of a segment's `bits` in `version`: terminator, padding, error
    /// correction, placement, the best mask.
    fn finish(mut bits: Bits, version: usize) -> Qr {
        let capacity = data_codewords(version) * 8;
        bits.push(0, (capacity - bits.len).min(4));
        bits.push(0, (8 - bits.len % 8) % 8);
        for pad in [0xec, 0x11].into_iter().cycle() {
            if bits.bytes.len() >= capacity / 8 {
                break;
            }
            bits.bytes.push(pad);
        }

        // Blocks with their error correction, interleaved.
        let (ecc, blocks) = BLOCKS[version - 1];
        let short = TOTAL[version - 1] / blocks - ecc;
        let long_from = blocks - TOTAL[version - 1] % blocks;
        let mut split = Vec::with_capacity(blocks);
        let mut at = 0;
        for i in 0..blocks {
            let len = short + usize::from(i >= long_from);
            let data = &bits.bytes[at..at + len];
            at += len;
            split.push((data, error_correction(data, ecc)));
        }
        let mut codewords = Vec::with_capacity(TOTAL[version - 1]);
        for i in 0..=short {
            for (data, _) in &split {
                if let Some(&b) = data.get(i) {
                    codewords.push(b);
                }
            }
        }
        for i in 0..ecc {
            for (_, correction) in &split {
                codewords.push(correction[i]);
            }
        }

        let mut canvas = Canvas::new(17 + 4 * version);
        canvas.draw_function_patterns(version);
        canvas.draw_codewords(&codewords);
        let mut best: Option<(i32, Canvas)> = None;
        for mask in 0..8 {
            let mut masked = canvas.clone();
            masked.apply_mask(mask);
            let penalty = masked.penalty();
            if best.as_ref().is_none_or(|(p, _)| penalty < *p) {
                best = Some((penalty, masked));
            }
        }
        let c = best.map_or(canvas, |(_, c)| c);
        Qr {
            size: c.size,
            dark: c.dark,
        }
    }

    /// Modules on a side (without the quiet zone).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }

    /// The code as SVG: black modules on white, with the quiet zone of four
    /// modules around, 160 px wide unless CSS says otherwise.
    pub fn svg(&self) -> String {
        let side = self.size + 8;
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
             width=\"160\" height=\"160\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
        );
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.is_dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    svg,
                    "M{} {}h{}v1H{}z",
                    start + 4,
                    y + 4,
                    x - start,
                    start + 4
                );
            }
        }
        svg.push_str("\"/></svg>");
        svg
    }
}

/// The modules while the code is drawn: which are dark, which belong to the
/// function patterns (never masked).
#[derive(Clone)]
struct Canvas {
    size: usize,
    dark: Vec<bool>,
    function: Vec<bool>,
}

impl Canvas {
    fn new(size: usize) -> Canvas {
        Canvas {
            size,
            dark: vec![false; size * size],
            function: vec![false; size * size],
        }
    }

    fn set_function(&mut self, x: usize, y: usize, dark: bool) {
        let i = y * self.size + x;
        self.dark[i] = dark;
        self.function[i] = true;
    }

    /// Finders with their separators, timing patterns, the alignment pattern
    /// (versions 2 to 6 have one), the dark module, the format areas.
    fn draw_function_patterns(&mut self, version: usize) {
        let size = self.size;
        for i in 0..size {
            self.set_function(6, i, i % 2 == 0);
            self.set_function(i, 6, i % 2 == 0);
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4i32..=4 {
                for dx in -4i32..=4 {
                    let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                    if (0..size as i32).contains(&x) && (0..size as i32).contains(&y) {
                        let ring = dx.abs().max(dy.abs());
                        self.set_function(x as usize, y as usize, ring != 2 && ring != 4);
                    }
                }
            }
        }
        if version >= 2 {
            let c = size - 7;
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    let ring = dx.abs().max(dy.abs());
                    let (x, y) = ((c as i32 + dx) as usize, (c as i32 + dy) as usize);
                    self.set_function(x, y, ring != 1);
                }
            }
        }
        self.draw_format(0);
    }

    /// The format information (level M, `mask`) in both copies, and the dark
    /// module.
    fn draw_format(&mut self, mask: u32) {
        let size = self.size;
        let data = mask; // Level M is 0b00.
        let mut rem = data;
        for _ in 0..10 {
            rem = (rem << 1) ^ ((rem >> 9) * 0x537);
        }
        let bits = ((data << 10) | rem) ^ 0x5412;
        let bit = |i: usize| (bits >> i) & 1 == 1;
        for i in 0..=5 {
            self.set_function(8, i, bit(i));
        }
        self.set_function(8, 7, bit(6));
        self.set_function(8, 8, bit(7));
        self.set_function(7, 8, bit(8));
        for i in 9..15 {
            self.set_function(14 - i, 8, bit(i));
        }
        for i in 0..8 {
            self.set_function(size - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            self.set_function(8, size - 15 + i, bit(i));
        }
        self.set_function(8, size - 8, true);
    }

    /// The codewords in the zigzag order, two columns at a time from the right;
    /// the modules left over stay light (then masked).
    fn draw_codewords(&mut self, codewords: &[u8]) {
        let size = self.size;
        let total = codewords.len() * 8;
        let mut i = 0;
        let mut right = size - 1;
        while right >= 1 {
            if right == 6 {
                right = 5;
            }
            let upward = (right + 1) & 2 == 0;
            for step in 0..size {
                let y = if upward { size - 1 - step } else { step };
                for x in [right, right - 1] {
                    let at = y * size + x;
                    if !self.function[at] && i < total {
                        self.dark[at] = (codewords[i / 8] >> (7 - i % 8)) & 1 == 1;
                        i += 1;
                    }
                }
            }
            if right < 2 {
                break;
            }
            right -= 2;
        }
    }

    /// Inverts the data modules where mask `mask` says so, then draws its format
    /// information.
    fn apply_mask(&mut self, mask: u32) {
        for y in 0..self.size {
            for x in 0..self.size {
                let at = y * self.size + x;
                let invert = match mask {
                    0 => (x + y) % 2 == 0,
                    1 => y % 2 == 0,
                    2 => x % 3 == 0,
                    3 => (x + y) % 3 == 0,
                    4 => (x / 3 + y / 2) % 2 == 0,
                    5 => x * y % 2 + x * y % 3 == 0,
                    6 => (x * y % 2 + x * y % 3) % 2 == 0,
                    _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
                };
                if invert && !self.function[at] {
                    self.dark[at] = !self.dark[at];
                }
            }
        }
        self.draw_format(mask);
    }

    /// The penalty of a masked symbol, as the `qrcode` crate scores it (so both
    /// choose the same mask): runs of five or more, 2×2 blocks, finder-like
    /// patterns, the balance of dark and light.
    fn penalty(&self) -> i32 {
        let size = self.size;
        let mut score = 0i32;
        for horizontal in [true, false] {
            let at = |line: usize, k: usize| {
                if horizontal {
                    self.dark[line * size + k]
                } else {
                    self.dark[k * size + line]
                }
            };
            for line in 0..size {
                let mut last = None;
                let mut run = 1;
                for k in 0..=size {
                    let color = (k < size).then(|| at(line, k));
                    if color == last {
                        run += 1;
                    } else {
                        last = color;
                        if run >= 5 {
                            score += run - 2;
                        }
                        run = 1;
                    }
                }
                for k in 0..size - 6 {
                    let finder = [true, false, true, true, true, false, true];
                    if (0..7).any(|d| at(line, k + d) != finder[d]) {
                        continue;
                    }
                    let dark_at = |j: i32| (0..size as i32).contains(&j) && at(line, j as usize);
                    let k = k as i32;
                    if !(k - 4..k).any(dark_at) || !(k + 7..k + 11).any(dark_at) {
                        score += 40;
                    }
                }
            }
            score -= 360;
        }
        for y in 0..size - 1 {
            for x in 0..size - 1 {
                let c = self.dark[y * size + x];
                if c == self.dark[y * size + x + 1]
                    && c == self.dark[(y + 1) * size + x]
                    && c == self.dark[(y + 1) * size + x + 1]
                {
                    score += 3;
                }
            }
        }
        let dark = self.dark.iter().filter(|&&d| d).count();
        let ratio = (dark * 200 / self.dark.len()) as i32;
        score + (ratio - 100).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::bits::Bits as RefBits;
    use qrcode::{Color, EcLevel, QrCode, Version};

    /// The `qrcode` crate's symbol for `text` as one alphanumeric segment in
    /// `version`, level M.
    fn reference(text: &str, version: usize) -> Option<QrCode> {
        let mut bits = RefBits::new(Version::Normal(version as i16));
        bits.push_alphanumeric_data(text.as_bytes()).ok()?;
        bits.push_terminator(EcLevel::M).ok()?;
        QrCode::with_bits(bits, EcLevel::M).ok()
    }

    fn assert_same(text: &str) {
        let qr = Qr::alphanumeric(text).unwrap_or_else(|| panic!("{text:?} encodes"));
        let version = (qr.size() - 17) / 4;
        let r = reference(text, version).unwrap_or_else(|| panic!("{text:?}: reference"));
        assert_eq!(r.width(), qr.size(), "{text:?}");
        let colors = r.to_colors();
        for y in 0..qr.size() {
            for x in 0..qr.size() {
                assert_eq!(
                    qr.is_dark(x, y),
                    colors[y * qr.size() + x] == Color::Dark,
                    "{text:?}: module ({x}, {y})"
                );
            }
        }
        // The smallest version that holds it.
        if version > 1 {
            assert!(
                reference(text, version - 1).is_none(),
                "{text:?} fits v{}",
                version - 1
            );
        }
    }

    #[test]
    fn result_codes_are_the_qrcode_crates_symbols() {
        let alphabet = b"23456789ACDEFGHJKMNPQRTVWXY";
        // A simple generator: the same codes each run, many of them.
        let mut seed = 0x2545_f491_u32;
        for _ in 0..300 {
            let mut code = String::new();
            for i in 0..8 {
                if i == 4 {
                    code.push('-');
                }
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                code.push(char::from(alphabet[(seed % 27) as usize]));
            }
            assert_same(&code);
        }
        assert_same("K7M4-QX2P");
    }

    #[test]
    fn every_version_and_length_is_the_qrcode_crates_symbol() {
        let text: String = "HELLO WORLD $%*+-./: 0123456789"
            .chars()
            .cycle()
            .take(154)
            .collect();
        for n in 1..=154 {
            assert_same(&text[..n]);
        }
        assert_eq!(
            Qr::alphanumeric(&text).map(|q| q.size()),
            Some(41),
            "154 symbols: version 6"
        );
    }

    /// The `qrcode` crate's symbol for `text` as one byte segment.
    fn reference_bytes(text: &str, version: usize) -> Option<QrCode> {
        let mut bits = RefBits::new(Version::Normal(version as i16));
        bits.push_byte_data(text.as_bytes()).ok()?;
        bits.push_terminator(EcLevel::M).ok()?;
        QrCode::with_bits(bits, EcLevel::M).ok()
    }

    #[test]
    fn booking_links_are_the_qrcode_crates_byte_symbols() {
        let url: String = "https://rdv.exemple.fr/lieu/é?x=1&"
            .chars()
            .cycle()
            .take(120)
            .collect();
        for n in 1..=106 {
            let text: String = url.chars().take(n).collect();
            if text.len() > 106 {
                break;
            }
            let qr = Qr::bytes(&text).unwrap_or_else(|| panic!("{text:?} encodes"));
            let version = (qr.size() - 17) / 4;
            let r = reference_bytes(&text, version).expect("reference");
            let colors = r.to_colors();
            for y in 0..qr.size() {
                for x in 0..qr.size() {
                    assert_eq!(
                        qr.is_dark(x, y),
                        colors[y * qr.size() + x] == Color::Dark,
                        "{text:?}: module ({x}, {y})"
                    );
                }
            }
            if version > 1 {
                assert!(reference_bytes(&text, version - 1).is_none(), "{text:?}");
            }
        }
        assert_eq!(Qr::bytes(&"a".repeat(106)).map(|q| q.size()), Some(41));
        assert_eq!(Qr::bytes(&"a".repeat(107)), None);
    }

    #[test]
    fn what_it_does_not_encode() {
        assert_eq!(
            Qr::alphanumeric("k7m4-qx2p"),
            None,
            "lower case is not alphanumeric"
        );
        assert_eq!(Qr::alphanumeric("É"), None);
        let long: String = "A".repeat(155);
        assert_eq!(Qr::alphanumeric(&long), None, "longer than version 6 holds");
        assert_eq!(Qr::alphanumeric("").map(|q| q.size()), Some(21));
    }

    #[test]
    fn svg_draws_every_dark_module_once() {
        let qr = Qr::alphanumeric("K7M4-QX2P").expect("encodes");
        let svg = qr.svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\""));
        assert!(svg.ends_with("\"/></svg>"));
        let dark = (0..21)
            .flat_map(|y| (0..21).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.is_dark(x, y))
            .count();
        let drawn: usize = svg
            .split('M')
            .skip(1)
            .map(|run| {
                let h = run.split('h').nth(1).and_then(|r| r.split('v').next());
                h.and_then(|w| w.parse::<usize>().ok())
                    .expect("a run width")
            })
            .sum();
        assert_eq!(drawn, dark);
    }
}
