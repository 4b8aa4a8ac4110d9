//! Shared by the integration tests: the bank made of the README's examples.

use std::collections::BTreeMap;
use std::path::Path;

use repere_items::{build, read_sources, Bank};

/// Every ```toml block of the README that holds an `[[item]]`.
pub fn item_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md readable");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(b), "```") => {
                if b.contains("[[item]]") {
                    blocks.push(b.clone());
                }
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// The référentiel without its `[bank]` table: a handful of examples is not a bank
/// that could meet its targets.
fn without_bank_targets(referentiel: &str) -> String {
    let mut out = String::new();
    let mut in_bank = false;
    for line in referentiel.lines() {
        if line.starts_with('[') {
            in_bank = line.trim() == "[bank]";
        }
        if !in_bank {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn readme_bank() -> Bank {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources: Vec<(String, String)> = read_sources(&root.join("data"))
        .expect("data readable")
        .into_iter()
        .filter(|(p, _)| !p.starts_with("bank/"))
        .map(|(p, t)| {
            let t = if p == "referentiel.toml" {
                without_bank_targets(&t)
            } else {
                t
            };
            (p, t)
        })
        .collect();
    let mut by_skill: BTreeMap<String, String> = BTreeMap::new();
    for block in item_blocks() {
        let skill = block
            .lines()
            .find_map(|l| l.strip_prefix("skill = \""))
            .and_then(|l| l.strip_suffix('"'))
            .expect("every example names its skill")
            .to_string();
        let file = by_skill.entry(skill).or_default();
        file.push_str(&block);
        file.push('\n');
    }
    for (skill, text) in by_skill {
        sources.push((format!("bank/{skill}.toml"), text));
    }
    let pictures =
        |name: &str| std::fs::read_to_string(root.join("../assets/pictures").join(name)).ok();
    build(&sources, Some(&pictures)).unwrap_or_else(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("README examples are invalid:\n{}", lines.join("\n"))
    })
}
