//! Loads and validates the référentiel and the item bank (`items/data/`) natively,
//! with the TOML loader of `repere-items`, and writes the checked bank, as a test
//! needs it (`Bank::for_delivery`: no retired item, no reviewer's note), in its
//! compact form to `$OUT_DIR/bank.bin` (`repere_items::Bank::to_compact`). The app
//! does not embed those bytes: it fetches the same bytes from the server under the
//! name `REPERE_BANK_FILE` set here (`src/bank.rs`), so the wasm carries neither
//! the bank, nor the TOML parser, nor the validator.
//!
//! Invalid data fails the build with the validator's `file:line:col` messages.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        eprintln!("app/build.rs: CARGO_MANIFEST_DIR is not set (run it through cargo)");
        return ExitCode::FAILURE;
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        eprintln!("app/build.rs: OUT_DIR is not set (run it through cargo)");
        return ExitCode::FAILURE;
    };
    let data = manifest.join("..").join("items").join("data");
    println!("cargo:rerun-if-changed={}", data.display());
    println!("cargo:rerun-if-changed=build.rs");

    let bank = match repere_items::load_dir(&data) {
        Ok(bank) => bank,
        Err(repere_items::LoadError::Invalid(problems)) => {
            eprintln!(
                "the item bank in {} has {} problem(s):",
                data.display(),
                problems.len()
            );
            for p in &problems {
                eprintln!("items/data/{p}");
            }
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("the item bank in {}: {e}", data.display());
            return ExitCode::FAILURE;
        }
    };
    // What a test needs: no retired item, no reviewer's note (`Bank::for_delivery`).
    let bytes = match bank.for_delivery().to_compact() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // The app fetches the bank from the server under this name (`src/bank.rs`); the
    // bytes stay here for the app's native tests.
    println!(
        "cargo:rustc-env=REPERE_BANK_FILE={}",
        repere_items::delivery_file_name(&bytes)
    );
    // What the welcome screen says of the test's length, before the bank arrives:
    // the rules of this very bank (`src/spoken.rs`).
    let Some(length) = bank.referentiel.test_length() else {
        eprintln!("the référentiel has no [session] rules");
        return ExitCode::FAILURE;
    };
    println!("cargo:rustc-env=REPERE_MIN_ITEMS={}", length.min_items);
    println!("cargo:rustc-env=REPERE_MAX_ITEMS={}", length.max_items);
    println!("cargo:rustc-env=REPERE_MAX_MINUTES={}", length.max_minutes);
    let out = out_dir.join("bank.bin");
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("cannot write {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
