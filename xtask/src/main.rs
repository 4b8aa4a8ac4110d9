//! `cargo xtask …`: the project's own set-up, build, serve, test and bench commands.
//!
//! Everything a newcomer needs goes through here, so that `cargo xtask serve` and
//! `cargo xtask test` work on a fresh machine. Each step says what it does. The set-up
//! is idempotent: it checks versions first and installs only what is missing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

mod bench;
mod fuzz;
mod run;
mod setup;
mod voice;

use run::{Cmd, Tally};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup              install the tools the build and the tests need (idempotent)
  build              set-up, then the release build of the web app into dist/
                     (two pages: index.html, the self-test; staff.html, the staff;
                     the recorded voice, the service worker's precache list)
  serve [--port N] [--data DIR]
                     set-up, build, then start the `repere` server on 127.0.0.1
  test               set-up, then every test: native, wasm in Chromium, end-to-end
  test browser [NAME...]
                     set-up, build, then only the browser tests (all, or the files
                     tests/browser/NAME.test.mjs): for working on the app
  bench [web]        set-up, then the benchmarks, with ratios against baselines
                     (`web`: only the web app's weight and first paint)
  fuzz [--seconds N] [TARGET...]
                     fuzz every parser of outside input, N seconds each (default
                     60): answer_log, item_files, compact_bank, calibration_csv,
                     http_bodies (release builds; not part of `test`)
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "setup" => setup::run().map(|_| ()),
        "build" => setup::run().and_then(|tools| build_app(&tools)),
        "serve" => serve(rest),
        "test" => match rest.split_first() {
            None => test(),
            Some((part, names)) if part == "browser" => test_browser(names),
            Some((other, _)) => Err(format!("unknown test part `{other}`\n{USAGE}")),
        },
        "bench" => setup::run().and_then(|tools| bench::run(&tools, rest)),
        "fuzz" => fuzz::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Prints a step header, so a long run says what it is doing.
pub fn step(message: &str) {
    println!("\n==> {message}");
}

/// Release build of the web app with Trunk (offline) into `dist/`: two pages, two
/// wasm bundles (ARCHITECTURE.md, app). `app/index.html` (the self-test bundle, with
/// the fonts, pictures and `sw.js`) goes straight into `dist/`; `app/staff.html` (the
/// staff bundle) is built into `target/trunk-staff/` (Trunk empties its output
/// folder), and its files join `dist/`. Then the recorded voice goes into
/// `dist/voice/`, the precache list into `dist/precache.txt` and its stamp into
/// `dist/sw.js` (`voice.rs`), and the self-test bundle is checked to hold no staff
/// code.
fn build_app(tools: &setup::Tools) -> Result<(), String> {
    step("Building the web app (Trunk, release, offline): the self-test page into dist/");
    Cmd::new(&tools.trunk)
        .args(["build", "--release", "--offline"])
        .current_dir(root())
        .envs(tools.env())
        .run()?;
    let dist = root().join("dist");
    let staff_out = target_dir().join("trunk-staff");
    step("Building the staff page (Trunk, release, offline), then adding it to dist/");
    Cmd::new(&tools.trunk)
        .args([
            "build",
            "--release",
            "--offline",
            "--html-output",
            "staff.html",
        ])
        .arg("--dist")
        .arg(&staff_out)
        .arg(root().join("app").join("staff.html"))
        .current_dir(root())
        .envs(tools.env())
        .run()?;
    merge_into(&staff_out, &dist)?;
    for page in ["index.html", "staff.html"] {
        if !dist.join(page).is_file() {
            return Err(format!(
                "Trunk finished but {} is missing",
                dist.join(page).display()
            ));
        }
    }
    voice::record(tools, &dist)?;
    let bank = voice::bank_file()?;
    let (listed, stamp) = voice::write_precache(&dist, &[bank])?;
    println!(
        "    dist/precache.txt: the item bank, {} pictures and clips; dist/sw.js stamped {stamp}",
        listed - 1
    );
    check_bundles(
        &target_dir()
            .join("wasm32-unknown-unknown")
            .join("wasm-release"),
    )
}

/// Copies the files at the top of `from` into `to`. A file already there must be
/// the same (both builds write the same hashed `style-….css`): anything else would
/// be two different files under one name.
fn merge_into(from: &Path, to: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let source = entry.path();
        if !source.is_file() {
            continue;
        }
        let bytes =
            std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        let target = to.join(entry.file_name());
        match std::fs::read(&target) {
            Ok(existing) if existing == bytes => continue,
            Ok(_) => {
                return Err(format!(
                    "{} and {} differ: the two Trunk builds wrote different files under one name",
                    source.display(),
                    target.display()
                ))
            }
            Err(_) => std::fs::write(&target, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?,
        }
    }
    Ok(())
}

/// Functions of the staff bundle's screens (`screens::staff`, and `screens::pairing`
/// for `/borne`), as a wasm's name section names them: Rust's mangled symbols hold
/// the path `…7screens5staff…` (`_ZN10repere_app7screens5staff5login…`, and in the
/// v0 scheme too), and generic arguments of other functions `…screens..staff..…`
/// (`drop_in_place<repere_app..screens..staff..Session>`).
const STAFF_CODE: [&[u8]; 4] = [
    b"7screens5staff",
    b"screens..staff..",
    b"7screens7pairing",
    b"screens..pairing..",
];

/// The self-test bundle holds no staff code: in the wasm files cargo wrote before
/// wasm-bindgen and wasm-opt (in `dir`), whose name section still names every
/// function, no function of the staff bundle's screens is in `repere-app.wasm`, and
/// some are in `repere-staff.wasm` (else this check could not see them). Type names in the
/// data (`repere_app::screens::staff::Session`) are not counted: the symbols are.
fn check_bundles(dir: &Path) -> Result<(), String> {
    let count = |bin: &str| -> Result<usize, String> {
        let path = dir.join(format!("{bin}.wasm"));
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(STAFF_CODE
            .iter()
            .map(|pattern| {
                bytes
                    .windows(pattern.len())
                    .filter(|w| w == pattern)
                    .count()
            })
            .sum())
    };
    if count("repere-staff")? == 0 {
        return Err(format!(
            "{}: no function of the staff screens is named in repere-staff.wasm: without \
             the name section the self-test bundle cannot be checked for staff code",
            dir.display()
        ));
    }
    match count("repere-app")? {
        0 => {
            println!("self-test bundle: no staff code (checked in repere-app.wasm)");
            Ok(())
        }
        n => Err(format!(
            "the self-test bundle holds staff code: {n} symbols of `screens::staff` or \
             `screens::pairing` in {}/repere-app.wasm. Only `staff_areas` (app/src/lib.rs) \
             may name those screens; see app/README.md, « Weight », to find what pulls them in",
            dir.display()
        )),
    }
}

/// Builds the `repere` binary (release when `release`), returns its path.
fn build_server(tools: &setup::Tools, release: bool) -> Result<PathBuf, String> {
    let profile = if release { "release" } else { "debug" };
    step(&format!("Building the `repere` server ({profile})"));
    let mut cmd = Cmd::new("cargo");
    cmd.args(["build", "--package", "repere-server", "--bin", "repere"]);
    if release {
        cmd.arg("--release");
    }
    cmd.current_dir(root()).envs(tools.env()).run()?;
    let bin = target_dir().join(profile).join("repere");
    if !bin.is_file() {
        return Err(format!(
            "the build finished but {} is missing",
            bin.display()
        ));
    }
    Ok(bin)
}

/// Cargo's target folder (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut port: Option<String> = env::var("REPERE_PORT").ok();
    let mut data: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => port = Some(it.next().ok_or("--port needs a value")?.clone()),
            "--data" => data = Some(it.next().ok_or("--data needs a value")?.clone()),
            other => return Err(format!("serve: unknown option `{other}`")),
        }
    }
    let port = port.unwrap_or_else(|| "8080".to_string());
    port.parse::<u16>()
        .map_err(|_| format!("--port: `{port}` is not a port number"))?;
    let data = data.unwrap_or_else(|| "data".to_string());
    let tools = setup::run()?;
    build_app(&tools)?;
    let bin = build_server(&tools, true)?;
    step(&format!(
        "Starting Repère on http://127.0.0.1:{port}/ (data in ./{data}, Ctrl-C to stop)"
    ));
    Cmd::new(&bin)
        .args(["serve", "--demo", "--port", &port, "--data", &data])
        .current_dir(root())
        .envs(tools.env())
        .run()
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    let tools = setup::run()?;
    let mut tally = Tally::default();

    step("Native tests: cargo test --workspace");
    Cmd::new("cargo")
        .args(["test", "--workspace", "--color", "never"])
        .current_dir(root())
        .envs(tools.env())
        .run_counting(&mut tally)?;

    step("WebAssembly tests in headless Chromium (engine compiled to wasm32)");
    let wasm_tests = Cmd::new("cargo")
        .args([
            "test",
            "--package",
            "repere-engine",
            "--target",
            "wasm32-unknown-unknown",
            "--color",
            "never",
        ])
        .current_dir(root())
        .envs(tools.env())
        .envs(tools.wasm_test_env()?)
        .run_counting(&mut tally);
    setup::remove_wasm_test_tmp();
    wasm_tests?;

    run_browser_tests(&tools, &[], &mut tally)?;

    println!(
        "\nxtask test: all suites ran in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if tally.passed == 0 {
        return Err("no test ran".into());
    }
    println!("summary: {} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        return Err(format!("{} test(s) failed", tally.failed));
    }
    Ok(())
}

/// `cargo xtask test browser [NAME...]`: the build, then only the browser tests
/// (every file, or `tests/browser/NAME.test.mjs` for each NAME).
fn test_browser(names: &[String]) -> Result<(), String> {
    let tools = setup::run()?;
    let mut tally = Tally::default();
    run_browser_tests(&tools, names, &mut tally)?;
    println!("summary: {} passed, {} failed", tally.passed, tally.failed);
    if tally.passed == 0 {
        return Err("no test ran".into());
    }
    if tally.failed > 0 {
        return Err(format!("{} test(s) failed", tally.failed));
    }
    Ok(())
}

/// Builds the app, the server and the helpers, then runs the browser test files
/// (all of them when `names` is empty).
fn run_browser_tests(
    tools: &setup::Tools,
    names: &[String],
    tally: &mut Tally,
) -> Result<(), String> {
    build_app(tools)?;
    let bin = build_server(tools, false)?;
    step("Building the browser tests' helpers (`repere-sample-log`, `repere-scripted`)");
    Cmd::new("cargo")
        .args([
            "build",
            "--package",
            "repere-e2e",
            "--bin",
            "repere-sample-log",
            "--bin",
            "repere-scripted",
        ])
        .current_dir(root())
        .envs(tools.env())
        .run()?;
    let sample_log = target_dir().join("debug").join("repere-sample-log");
    let scripted = target_dir().join("debug").join("repere-scripted");

    step("End-to-end browser tests (Chromium, axe-core) against the real server");
    let browser_dir = root().join("tests").join("browser");
    let mut node = Cmd::new(&tools.node);
    node.args(["--test", "--test-reporter=tap", "--test-concurrency=1"]);
    let files = browser_test_files(&browser_dir)?;
    for name in names {
        let file = format!("{name}.test.mjs");
        if !files.contains(&file) {
            return Err(format!("no browser test file tests/browser/{file}"));
        }
    }
    for file in files {
        if names.is_empty() || names.iter().any(|n| format!("{n}.test.mjs") == file) {
            node.arg(file);
        }
    }
    node.current_dir(&browser_dir)
        .envs(tools.env())
        .env("REPERE_BIN", bin.display().to_string())
        .env("REPERE_SAMPLE_LOG", sample_log.display().to_string())
        .env("REPERE_SCRIPTED", scripted.display().to_string())
        .env("REPERE_DIST", root().join("dist").display().to_string())
        .env("CHROMIUM", tools.chromium.display().to_string())
        .run_counting(tally)?;
    Ok(())
}

/// The `*.test.mjs` files of the browser suite, sorted.
fn browser_test_files(dir: &Path) -> Result<Vec<String>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no browser test (*.test.mjs) in {}", dir.display()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the system's temporary folder.
    fn folder(name: &str) -> PathBuf {
        let dir = env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary folder");
        dir
    }

    #[test]
    fn the_bundle_check_sees_staff_symbols_not_type_names() {
        let dir = folder("bundles");
        let staff = b"\0_ZN10repere_app7screens5staff5login9LoginForm17h0123456789abcdefE\0";
        std::fs::write(dir.join("repere-staff.wasm"), staff).expect("write");
        // A type name in the data (a context's) is not code.
        std::fs::write(
            dir.join("repere-app.wasm"),
            b"\0repere_app::screens::staff::Session\0",
        )
        .expect("write");
        assert_eq!(check_bundles(&dir), Ok(()));
        // A staff function, or a function generic over a staff type: refused.
        for leak in [
            &staff[..],
            b"\0_ZN4core3ptr85drop_in_place$LT$repere_app..screens..staff..Session$GT$17h0E\0",
            b"\0_ZN10repere_app7screens7pairing8PairForm17h0123456789abcdefE\0",
        ] {
            std::fs::write(dir.join("repere-app.wasm"), leak).expect("write");
            let error = check_bundles(&dir).expect_err("staff code found");
            assert!(error.contains("holds staff code: 1 symbols"), "{error}");
        }
        // Without names in the staff wasm, the check cannot see anything: refused.
        std::fs::write(dir.join("repere-staff.wasm"), b"\0asm").expect("write");
        let error = check_bundles(&dir).expect_err("no names");
        assert!(
            error.contains("no function of the staff screens"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
