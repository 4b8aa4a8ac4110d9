//! The text drawn inside the SVG pictures of `assets/pictures/`: it fits the
//! picture, it is large enough on a phone-sized screen, and it meets the AAA
//! contrast ratio against what is painted behind it.
//!
//! Widths are measured with the advance widths of the font the app serves
//! (Atkinson Hyperlegible, `fixtures/atkinson-advances.txt`), so a line that would
//! be cut at the edge of the picture is caught here, not on a kiosk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Smallest text, in CSS pixels, when a screen picture is drawn 360 pixels wide
/// (a phone in portrait; a tablet draws it larger).
const MIN_TEXT_PX: f64 = 18.0;
/// Pictures at least this wide (view-box units) are screens, drawn across the
/// item; narrower ones are icons and option pictures, whose text is decoration.
const SCREEN_MIN_WIDTH: f64 = 300.0;

fn pictures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/pictures")
}

/// Advance widths in thousandths of an em: (regular, bold) by character.
fn advances() -> HashMap<char, (f64, f64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atkinson-advances.txt");
    let text = std::fs::read_to_string(path).expect("advance widths");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let c = u32::from_str_radix(f[0], 16)
                .ok()
                .and_then(char::from_u32)
                .expect("a code point");
            let w = |i: usize| f[i].parse::<f64>().expect("a width");
            (c, (w(1), w(2)))
        })
        .collect()
}

/// What a `<g>` passes down to its children.
#[derive(Clone, Copy)]
struct Style {
    size: f64,
    bold: bool,
    anchor: Anchor,
    fill: Option<[u8; 3]>,
    /// x' = s·x + tx, y' = s·y + ty.
    s: f64,
    tx: f64,
    ty: f64,
    /// Inside a rotation: shapes are not used as backgrounds, text is refused.
    rotated: bool,
    /// Inside a nested `<svg>`, which clips what it holds: a photo cut on purpose
    /// (`device-photo-coupee.svg`) may run text past its edge.
    clipped: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

fn colour(v: &str) -> Option<[u8; 3]> {
    let v = v.trim();
    match v {
        "white" => return Some([255, 255, 255]),
        "black" => return Some([0, 0, 0]),
        _ => {}
    }
    let hex = v.strip_prefix('#')?;
    let hex: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_string()
    };
    let b = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([b(0)?, b(2)?, b(4)?])
}

fn luminance(c: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn num(node: roxmltree::Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .and_then(|v| v.trim_end_matches("px").parse().ok())
        .unwrap_or(0.0)
}

/// `translate(x y)`, `scale(s)` and their sequence; `rotate(…)` marks the group
/// (drawings only); anything else is refused.
fn transform(style: &mut Style, t: &str, file: &str) {
    for part in t.split(')').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, args) = part.split_once('(').unwrap_or((part, ""));
        let v: Vec<f64> = args
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|a| !a.is_empty())
            .map(|a| a.parse().expect("a number"))
            .collect();
        match (name.trim(), v.as_slice()) {
            ("translate", [x]) | ("translate", [x, _]) if v.len() == 1 => {
                style.tx += style.s * x;
            }
            ("translate", [x, y]) => {
                style.tx += style.s * x;
                style.ty += style.s * y;
            }
            ("scale", [s]) => style.s *= s,
            ("rotate", _) => style.rotated = true,
            other => panic!("{file}: unsupported transform {other:?}"),
        }
    }
}

/// A painted shape: its bounds in picture coordinates and its fill.
struct Paint {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    fill: [u8; 3],
}

struct Text {
    content: String,
    left: f64,
    right: f64,
    baseline: f64,
    size: f64,
    bold: bool,
    fill: [u8; 3],
    /// Shapes painted before it.
    painted_before: usize,
    /// Clipped by a nested `<svg>`: may overflow on purpose.
    clipped: bool,
}

fn walk(
    node: roxmltree::Node<'_, '_>,
    parent: Style,
    adv: &HashMap<char, (f64, f64)>,
    file: &str,
    paints: &mut Vec<Paint>,
    texts: &mut Vec<Text>,
) {
    let mut st = parent;
    if let Some(v) = node.attribute("font-size") {
        st.size = v.trim_end_matches("px").parse().expect("a font size");
    }
    if let Some(v) = node.attribute("font-weight") {
        st.bold = v == "bold" || v.parse::<u32>().is_ok_and(|w| w >= 600);
    }
    if let Some(v) = node.attribute("text-anchor") {
        st.anchor = match v {
            "middle" => Anchor::Middle,
            "end" => Anchor::End,
            _ => Anchor::Start,
        };
    }
    if let Some(v) = node.attribute("fill") {
        st.fill = colour(v);
    }
    if let Some(t) = node.attribute("transform") {
        transform(&mut st, t, file);
    }
    if node.tag_name().name() == "svg" && node.parent_element().is_some() {
        st.clipped = true;
    }
    let (s, tx, ty) = (st.s, st.tx, st.ty);
    match node.tag_name().name() {
        "rect" | "circle" | "ellipse" => {
            let (x0, y0, x1, y1) = match node.tag_name().name() {
                "rect" => {
                    let (x, y) = (num(node, "x"), num(node, "y"));
                    (x, y, x + num(node, "width"), y + num(node, "height"))
                }
                "circle" => {
                    let (cx, cy, r) = (num(node, "cx"), num(node, "cy"), num(node, "r"));
                    (cx - r, cy - r, cx + r, cy + r)
                }
                _ => {
                    let (cx, cy) = (num(node, "cx"), num(node, "cy"));
                    let (rx, ry) = (num(node, "rx"), num(node, "ry"));
                    (cx - rx, cy - ry, cx + rx, cy + ry)
                }
            };
            if let Some(fill) = st.fill.filter(|_| !st.rotated) {
                paints.push(Paint {
                    x0: s * x0 + tx,
                    y0: s * y0 + ty,
                    x1: s * x1 + tx,
                    y1: s * y1 + ty,
                    fill,
                });
            }
        }
        "text" => {
            assert!(
                !st.rotated,
                "{file}: text in a rotated group cannot be measured"
            );
            let content: String = node
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<String>()
                .trim()
                .to_string();
            let em = content
                .chars()
                .map(|c| {
                    let (r, b) = adv
                        .get(&c)
                        .or_else(|| adv.get(&'M'))
                        .copied()
                        .unwrap_or((1000.0, 1000.0));
                    if st.bold {
                        b
                    } else {
                        r
                    }
                })
                .sum::<f64>()
                / 1000.0;
            let width = em * st.size * s;
            let x = s * num(node, "x") + tx;
            let left = match st.anchor {
                Anchor::Start => x,
                Anchor::Middle => x - width / 2.0,
                Anchor::End => x - width,
            };
            texts.push(Text {
                content,
                left,
                right: left + width,
                baseline: s * num(node, "y") + ty,
                size: st.size * s,
                bold: st.bold,
                fill: st.fill.unwrap_or([0, 0, 0]),
                painted_before: paints.len(),
                clipped: st.clipped,
            });
            return;
        }
        _ => {}
    }
    for child in node.children().filter(|n| n.is_element()) {
        walk(child, st, adv, file, paints, texts);
    }
}

/// Every problem of one picture's text.
fn check(file: &str, svg: &str, adv: &HashMap<char, (f64, f64)>) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{file}: {e}"));
    let root = doc.root_element();
    let vb: Vec<f64> = root
        .attribute("viewBox")
        .unwrap_or_else(|| panic!("{file}: no viewBox"))
        .split_whitespace()
        .map(|v| v.parse().expect("a number"))
        .collect();
    let (x_min, width) = (vb[0], vb[2]);
    let style = Style {
        size: 16.0,
        bold: false,
        anchor: Anchor::Start,
        fill: None,
        s: 1.0,
        tx: 0.0,
        ty: 0.0,
        rotated: false,
        clipped: false,
    };
    let mut paints = Vec::new();
    let mut texts = Vec::new();
    walk(root, style, adv, file, &mut paints, &mut texts);
    let mut problems = Vec::new();
    for t in &texts {
        if t.content.is_empty() {
            continue;
        }
        if !t.clipped && (t.left < x_min - 0.5 || t.right > x_min + width + 0.5) {
            problems.push(format!(
                "{file}: \"{}\" runs from x {:.0} to {:.0}, outside the picture (0 to {width})",
                t.content, t.left, t.right
            ));
        }
        let px = t.size * 360.0 / width;
        if width >= SCREEN_MIN_WIDTH && px < MIN_TEXT_PX - 1e-9 {
            problems.push(format!(
                "{file}: \"{}\" is {px:.1} px high on a 360-px-wide screen (at least {MIN_TEXT_PX})",
                t.content
            ));
        }
        // What is behind the middle of the text: the last shape painted before it
        // that covers that point, else the page (white).
        let (cx, cy) = ((t.left + t.right) / 2.0, t.baseline - 0.35 * t.size);
        let behind = paints[..t.painted_before]
            .iter()
            .rev()
            .find(|p| p.x0 <= cx && cx <= p.x1 && p.y0 <= cy && cy <= p.y1)
            .map_or([255, 255, 255], |p| p.fill);
        let large = t.size >= 24.0 || (t.bold && t.size >= 18.66);
        let need = if large { 4.5 } else { 7.0 };
        let ratio = contrast(t.fill, behind);
        if ratio < need {
            problems.push(format!(
                "{file}: \"{}\" has a contrast of {ratio:.2} against its background (AAA: {need})",
                t.content
            ));
        }
    }
    problems
}

#[test]
fn picture_text_fits_is_large_enough_and_contrasted() {
    let adv = advances();
    let mut files: Vec<PathBuf> = std::fs::read_dir(pictures_dir())
        .expect("assets/pictures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    files.sort();
    assert!(files.len() > 80, "{} pictures", files.len());
    let mut problems = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let svg = std::fs::read_to_string(path).expect("readable");
        problems.extend(check(&name, &svg, &adv));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_measure_catches_what_it_is_for() {
    let adv = advances();
    // A line too long for its screen, in bold.
    let long = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <text x="38" y="160" font-size="22" font-weight="700">Votre attestation de paiement de la CAF</text></svg>"##;
    let p = check("long.svg", long, &adv);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("outside the picture"), "{p:?}");
    // Centred text is measured from its middle; a translated group moves it.
    let centred = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <g transform="translate(100 0)"><text x="80" y="100" font-size="24" text-anchor="middle">Accepter</text></g></svg>"##;
    assert!(check("centred.svg", centred, &adv).is_empty());
    let edge = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <text x="20" y="100" font-size="24" text-anchor="middle">Accepter</text></svg>"##;
    assert_eq!(check("edge.svg", edge, &adv).len(), 1);
    // Too small on a phone screen.
    let small = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <text x="20" y="100" font-size="14">Mentions légales</text></svg>"##;
    assert!(check("small.svg", small, &adv)[0].contains("px high"));
    // Grey on white is not AAA; white on a dark red button is; white on green #2e7d32 is not.
    let grey = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <text x="20" y="100" font-size="20" fill="#767676">Hier</text></svg>"##;
    assert!(check("grey.svg", grey, &adv)[0].contains("contrast"));
    let red = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <rect x="0" y="60" width="200" height="60" fill="#b00020"/>
      <text x="20" y="100" font-size="20" fill="#ffffff">Refuser</text></svg>"##;
    assert!(check("red.svg", red, &adv).is_empty());
    let green = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 640">
      <rect x="0" y="60" width="200" height="60" fill="#2e7d32"/>
      <text x="20" y="100" font-size="20" fill="#ffffff">Accepter</text></svg>"##;
    assert_eq!(check("green.svg", green, &adv).len(), 1);
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
}
