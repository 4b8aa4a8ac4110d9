//! `cargo xtask setup`: installs the tools the build and the tests need.
//!
//! Idempotent: each step checks what is there (and its version) and installs only
//! what is missing or wrong. These machines reach crates.io, npm and Debian but not
//! GitHub, so nothing here downloads a release binary: Trunk and the wasm-bindgen CLI
//! come from crates.io, wasm-opt from npm (`binaryen`), Chromium, espeak-ng and lame
//! from Debian.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::run::Cmd;
use crate::{root, step};

/// Trunk 0.22 needs a newer rustc than these machines have.
const TRUNK_VERSION: &str = "0.21.14";
/// Debian's binaryen (108) emits wasm that breaks in the browser; Trunk.toml pins 132.
const BINARYEN_VERSION: &str = "132.0.0";

/// Where the set-up put each tool, and the environment that makes them found.
pub struct Tools {
    pub trunk: PathBuf,
    pub node: PathBuf,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// espeak-ng, which records the voice read on devices without a French voice.
    pub espeak: PathBuf,
    /// lame, which encodes those recordings as MP3.
    pub lame: PathBuf,
    cargo_bin: PathBuf,
    wasm_opt_dir: PathBuf,
}

impl Tools {
    /// Environment for child processes: our tools first on PATH.
    pub fn env(&self) -> Vec<(String, OsString)> {
        let mut paths = vec![self.wasm_opt_dir.clone(), self.cargo_bin.clone()];
        if let Some(old) = env::var_os("PATH") {
            paths.extend(env::split_paths(&old));
        }
        let path = env::join_paths(paths).unwrap_or_else(|_| OsString::from("/usr/bin:/bin"));
        vec![("PATH".to_string(), path)]
    }

    /// Environment for `cargo test --target wasm32-unknown-unknown` in headless
    /// Chromium: the driver, and the browser's capabilities written to
    /// `target/webdriver.json` (Debian's Chromium, no background network traffic).
    pub fn wasm_test_env(&self) -> Result<Vec<(String, OsString)>, String> {
        let caps = format!(
            r#"{{"goog:chromeOptions": {{"binary": {:?}, "args": ["disable-gpu", "disable-quic", "no-first-run", "disable-background-networking", "disable-component-update", "disable-sync"]}}}}"#,
            self.chromium.display().to_string()
        );
        let dir = crate::target_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join("webdriver.json");
        std::fs::write(&path, caps).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        // Chromium leaves temporary files behind (about 18 MB a launch, one launch per
        // test binary): they go to a folder of the target directory, emptied here and
        // removed after the run (`remove_wasm_test_tmp`).
        let tmp = wasm_test_tmp();
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(vec![
            ("CHROMEDRIVER".into(), self.chromedriver.clone().into()),
            ("WASM_BINDGEN_TEST_WEBDRIVER_JSON".into(), path.into()),
            ("WASM_BINDGEN_TEST_TIMEOUT".into(), OsString::from("300")),
            ("TMPDIR".into(), tmp.into()),
        ])
    }
}

/// Where the WebAssembly tests' browser puts its temporary files.
fn wasm_test_tmp() -> PathBuf {
    crate::target_dir().join("wasm-test-tmp")
}

/// Removes the WebAssembly tests' temporary files.
pub fn remove_wasm_test_tmp() {
    let _ = std::fs::remove_dir_all(wasm_test_tmp());
}

/// Runs every set-up step and returns where the tools are.
pub fn run() -> Result<Tools, String> {
    let started = Instant::now();
    step("Set-up: checking the tools (installs only what is missing)");
    let cargo_bin = cargo_home().join("bin");
    wasm_target()?;
    let trunk = trunk(&cargo_bin)?;
    wasm_bindgen_cli(&cargo_bin)?;
    let node = which("node")
        .ok_or("Node.js is missing: install it (Debian: `apt-get install nodejs npm`) and retry")?;
    let wasm_opt_dir = wasm_opt()?;
    let (chromium, chromedriver) = chromium()?;
    let (espeak, lame) = voice_tools()?;
    browser_test_packages()?;
    println!(
        "    set-up done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Tools {
        trunk,
        node,
        chromium,
        chromedriver,
        espeak,
        lame,
        cargo_bin,
        wasm_opt_dir,
    })
}

fn cargo_home() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// First executable called `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn ok(message: &str) {
    println!("    ok: {message}");
}

fn installing(message: &str) {
    println!("    installing: {message}");
}

fn wasm_target() -> Result<(), String> {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        ok("Rust target wasm32-unknown-unknown");
        return Ok(());
    }
    installing("Rust target wasm32-unknown-unknown (rustup)");
    Cmd::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .run()
}

/// The version a `tool --version` prints, e.g. "trunk 0.21.14" → "0.21.14".
fn version_of(program: &Path) -> Option<String> {
    let out = Cmd::new(program).arg("--version").output()?;
    out.split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

fn trunk(cargo_bin: &Path) -> Result<PathBuf, String> {
    let path = cargo_bin.join("trunk");
    if version_of(&path).as_deref() == Some(TRUNK_VERSION) {
        ok(&format!("trunk {TRUNK_VERSION}"));
        return Ok(path);
    }
    installing(&format!(
        "trunk {TRUNK_VERSION} from crates.io (about 6 minutes the first time)"
    ));
    Cmd::new("cargo")
        .args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
        .run()?;
    Ok(path)
}

/// The version of the `wasm-bindgen` crate recorded in Cargo.lock.
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock_path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return Ok(v.trim_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no `wasm-bindgen` package".into())
}

fn wasm_bindgen_cli(cargo_bin: &Path) -> Result<(), String> {
    let wanted = locked_wasm_bindgen()?;
    let have = version_of(&cargo_bin.join("wasm-bindgen"));
    let runner = cargo_bin.join("wasm-bindgen-test-runner").is_file();
    if have.as_deref() == Some(wanted.as_str()) && runner {
        ok(&format!("wasm-bindgen CLI {wanted} (matches Cargo.lock)"));
        return Ok(());
    }
    installing(&format!(
        "wasm-bindgen CLI {wanted} from crates.io to match Cargo.lock (about 2 minutes)"
    ));
    // No `--locked`: its lock file names a crate version absent from the registry.
    Cmd::new("cargo")
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ])
        .run()
}

fn npm() -> Result<PathBuf, String> {
    which("npm").ok_or_else(|| {
        "npm is missing: install Node.js and npm (Debian: `apt-get install nodejs npm`)".into()
    })
}

/// Version field of an installed npm package, if any.
fn npm_package_version(node_modules: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(node_modules.join(package).join("package.json")).ok()?;
    json_string_field(&text, "version")
}

/// wasm-opt from npm's binaryen, in the git-ignored `.tools/` folder.
fn wasm_opt() -> Result<PathBuf, String> {
    let tools = root().join(".tools");
    let modules = tools.join("node_modules");
    let bin_dir = modules.join(".bin");
    if npm_package_version(&modules, "binaryen").as_deref() == Some(BINARYEN_VERSION)
        && bin_dir.join("wasm-opt").is_file()
    {
        ok(&format!("wasm-opt (binaryen {BINARYEN_VERSION}, .tools/)"));
        return Ok(bin_dir);
    }
    installing(&format!(
        "wasm-opt: npm binaryen@{BINARYEN_VERSION} into .tools/"
    ));
    std::fs::create_dir_all(&tools)
        .map_err(|e| format!("cannot create {}: {e}", tools.display()))?;
    Cmd::new(npm()?)
        .args([
            "install",
            "--prefix",
            ".tools",
            "--no-save",
            "--no-audit",
            "--no-fund",
            &format!("binaryen@{BINARYEN_VERSION}"),
        ])
        .current_dir(root())
        .run()?;
    Ok(bin_dir)
}

fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .output()
        .is_some_and(|o| o.trim() == "0")
}

fn chromium() -> Result<(PathBuf, PathBuf), String> {
    let chromium =
        PathBuf::from(env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let driver =
        PathBuf::from(env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()));
    if chromium.is_file() && driver.is_file() {
        let version = Cmd::new(&chromium)
            .arg("--version")
            .output()
            .unwrap_or_default();
        ok(&format!("{} and chromedriver", version.trim()));
        return Ok((chromium, driver));
    }
    if !is_root() {
        return Err(format!(
            "Chromium or chromedriver is missing ({} / {}).\n\
             Install them as root: `apt-get update && apt-get install -y chromium chromium-driver`\n\
             (or set CHROMIUM and CHROMEDRIVER to their paths), then retry.",
            chromium.display(),
            driver.display()
        ));
    }
    installing("Chromium and chromedriver from Debian (apt-get)");
    Cmd::new("apt-get").arg("update").run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    if chromium.is_file() && driver.is_file() {
        Ok((chromium, driver))
    } else {
        Err("apt-get finished but Chromium or chromedriver is still missing".into())
    }
}

/// A tool's path: the environment variable `var` if set, else `name` on PATH,
/// else where Debian puts it.
fn tool_path(var: &str, name: &str) -> PathBuf {
    env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| which(name))
        .unwrap_or_else(|| PathBuf::from("/usr/bin").join(name))
}

/// espeak-ng (speech synthesis) and lame (MP3 encoder) from Debian: the build
/// records the self-test's texts with them, for devices without a French voice.
fn voice_tools() -> Result<(PathBuf, PathBuf), String> {
    let espeak = tool_path("ESPEAK_NG", "espeak-ng");
    let lame = tool_path("LAME", "lame");
    if espeak.is_file() && lame.is_file() {
        ok("espeak-ng and lame (the recorded voice)");
        return Ok((espeak, lame));
    }
    if !is_root() {
        return Err(format!(
            "espeak-ng or lame is missing ({} / {}): the build records the voice read\n\
             aloud on devices without a French voice with them.\n\
             Install them as root: `apt-get update && apt-get install -y espeak-ng lame`\n\
             (or set ESPEAK_NG and LAME to their paths), then retry.",
            espeak.display(),
            lame.display()
        ));
    }
    installing("espeak-ng and lame from Debian (apt-get)");
    Cmd::new("apt-get").arg("update").run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "espeak-ng", "lame"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    let (espeak, lame) = (
        tool_path("ESPEAK_NG", "espeak-ng"),
        tool_path("LAME", "lame"),
    );
    if espeak.is_file() && lame.is_file() {
        Ok((espeak, lame))
    } else {
        Err("apt-get finished but espeak-ng or lame is still missing".into())
    }
}

/// playwright-core and axe-core for the browser tests, from the lock file.
fn browser_test_packages() -> Result<(), String> {
    let dir = root().join("tests").join("browser");
    let modules = dir.join("node_modules");
    let manifest = std::fs::read_to_string(dir.join("package.json"))
        .map_err(|e| format!("cannot read tests/browser/package.json: {e}"))?;
    let mut all_there = true;
    for package in ["playwright-core", "axe-core"] {
        let wanted = pinned(&manifest, package)
            .ok_or_else(|| format!("tests/browser/package.json does not pin {package}"))?;
        if npm_package_version(&modules, package).as_deref() != Some(wanted.as_str()) {
            all_there = false;
        }
    }
    if all_there {
        ok("browser test packages (playwright-core, axe-core)");
        return Ok(());
    }
    installing("browser test packages: npm ci in tests/browser (playwright-core, axe-core)");
    Cmd::new(npm()?)
        .args(["ci", "--no-audit", "--no-fund"])
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .current_dir(&dir)
        .run()
}

/// The exact version `package.json` gives for `package` ("1.2.3").
fn pinned(manifest: &str, package: &str) -> Option<String> {
    json_string_field(manifest, package)
}

/// The string value of the first `"key": "value"` in a JSON text. Enough for the
/// flat fields of `package.json` read here, without a JSON parser in xtask.
fn json_string_field(text: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let at = text.find(&quoted)? + quoted.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}
