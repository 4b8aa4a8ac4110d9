//! Embeds every file of `data/` into the crate, so that `repere_items::embedded()`
//! works without the data folder (the server binary). The browser app does not use
//! it: it embeds the compact bank its own build script writes.
//!
//! Generates `$OUT_DIR/embedded.rs`: a sorted table of `(relative path, contents)`
//! built with `include_str!`, so a changed data file rebuilds the crate, and the same
//! for every archived version under `archive/<version>/` (kept to replay the logs of
//! earlier versions, see `repere_items::archived`). Only with
//! the `source` feature (the TOML loader): without it nothing is embedded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, root, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path
                .strip_prefix(root)
                .map_err(std::io::Error::other)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}

fn table(name: &str, doc: &str, files: &[(String, PathBuf)]) -> String {
    let mut code = format!("/// {doc}\npub(crate) static {name}: &[(&str, &str)] = &[\n");
    for (rel, path) in files {
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    code
}

fn main() {
    if std::env::var_os("CARGO_FEATURE_SOURCE").is_none() {
        println!("cargo:rerun-if-changed=build.rs");
        return;
    }
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let data = manifest.join("data");
    println!("cargo:rerun-if-changed=data");
    let mut files = Vec::new();
    if data.is_dir() {
        collect(&data, &data, &mut files).expect("items/data is readable");
    }
    files.sort();
    let mut code = table(
        "FILES",
        "Every data file of `items/data/`, as `(path relative to data/, contents)`, sorted by path.",
        &files,
    );

    // Archived versions: `archive/<version>/`, each a data folder frozen as it shipped.
    let archive = manifest.join("archive");
    println!("cargo:rerun-if-changed=archive");
    let mut versions: Vec<(String, PathBuf)> = Vec::new();
    if archive.is_dir() {
        for entry in std::fs::read_dir(&archive).expect("items/archive is readable") {
            let path = entry.expect("items/archive is readable").path();
            if path.is_dir() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                versions.push((name, path));
            }
        }
    }
    versions.sort();
    code.push_str(
        "/// Every archived version (`items/archive/<version>/`), as `(version, files)`, sorted.\n\
         pub(crate) static ARCHIVE: &[(&str, &[(&str, &str)])] = &[\n",
    );
    for (version, path) in &versions {
        let mut files = Vec::new();
        collect(path, path, &mut files).expect("items/archive is readable");
        files.sort();
        let _ = writeln!(code, "    ({version:?}, &[");
        for (rel, p) in &files {
            let _ = writeln!(
                code,
                "        ({rel:?}, include_str!({:?})),",
                p.display().to_string()
            );
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
