//! The recorded voice and the precache list, made after Trunk has built `dist/`.
//!
//! A device without a French speech voice reads the self-test aloud with clips
//! recorded here: every text the self-test can say (the bank's, through
//! `repere_items::spoken::catalogue`, and the app's own, `app/src/spoken.rs`) is
//! cut into phrases (`repere_items::spoken::phrases`), and each phrase becomes
//! `dist/voice/<clip key>.mp3`: espeak-ng (French voice, 150 words a minute) then
//! lame (MP3, mono, 16 kHz, 24 kbit/s: every browser plays it). Clips are kept
//! between builds in `target/voice-cache/<fingerprint>/`, the fingerprint naming
//! the tools' versions and their settings, so a build records only new phrases.
//!
//! Then `dist/precache.txt` lists, sorted, every picture and every clip: the
//! service worker keeps them offline (`app/sw.js`), and the app reads from it
//! which clips exist. A hash of that list, of every file it names and of the
//! fonts is stamped into `dist/sw.js` (`const BUILD`), so that a build that
//! changes any of them installs a new worker, which fills a new cache.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::run::Cmd;
use crate::setup::Tools;
use crate::{root, step, target_dir};

/// The app's own spoken texts (a file of text only, shared with the app).
#[path = "../../app/src/spoken.rs"]
mod app_spoken;

/// espeak-ng's settings: the French voice, 150 words a minute (the app asks the
/// device's voice for 0.85 of its normal pace; espeak-ng's normal is 175).
const ESPEAK_ARGS: [&str; 5] = ["-v", "fr", "-s", "150", "--stdout"];
/// lame's settings: mono, resampled to 16 kHz, 24 kbit/s.
const LAME_ARGS: [&str; 7] = ["--quiet", "-m", "m", "--resample", "16", "-b", "24"];
/// The line of `sw.js` that `stamp_worker` rewrites.
const BUILD_LINE: &str = "const BUILD = 'unstamped';";

/// Every phrase the self-test can say, by clip key (sorted). Two phrases with
/// one key would share a clip: an error.
pub fn phrases() -> Result<BTreeMap<String, String>, String> {
    let data = root().join("items").join("data");
    let bank = repere_items::load_dir(&data).map_err(|e| match e {
        repere_items::LoadError::Invalid(problems) => format!(
            "the item bank in {} has {} problem(s), first: items/data/{}",
            data.display(),
            problems.len(),
            problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
        other => format!("the item bank in {}: {other}", data.display()),
    })?;
    let mut texts = repere_items::spoken::catalogue(&bank)
        .map_err(|e| format!("the référentiel's profile rules: {e}"))?;
    let length = bank
        .referentiel
        .test_length()
        .ok_or("the référentiel has no [session] rules")?;
    texts.extend(app_spoken::all(
        (length.min_items, length.max_items),
        length.max_minutes,
    ));
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    for text in &texts {
        for phrase in repere_items::spoken::phrases(text) {
            let key = repere_items::spoken::clip_key(&phrase);
            match by_key.get(&key) {
                Some(other) if *other != phrase => {
                    return Err(format!(
                        "two phrases have the clip key {key}: « {other} » and « {phrase} »"
                    ))
                }
                _ => {
                    by_key.insert(key, phrase);
                }
            }
        }
    }
    Ok(by_key)
}

/// The folder of the cached clips for these tools and settings.
fn cache_dir(tools: &Tools) -> Result<PathBuf, String> {
    let version = |program: &Path| {
        Cmd::new(program)
            .arg("--version")
            .output()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut hasher = Sha256::new();
    hasher.update(version(&tools.espeak));
    hasher.update(version(&tools.lame));
    hasher.update(ESPEAK_ARGS.join(" "));
    hasher.update(LAME_ARGS.join(" "));
    let fingerprint = hex(&hasher.finalize())[..16].to_string();
    let dir = target_dir().join("voice-cache").join(fingerprint);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records `phrase` into `out` (MP3): espeak-ng's WAV piped into lame.
fn record_one(tools: &Tools, phrase: &str, out: &Path) -> Result<(), String> {
    let partial = out.with_extension("mp3.part");
    let mut espeak = Command::new(&tools.espeak)
        .args(ESPEAK_ARGS)
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", tools.espeak.display()))?;
    let wav = espeak
        .stdout
        .take()
        .ok_or("espeak-ng gave no output pipe")?;
    let lame = Command::new(&tools.lame)
        .args(LAME_ARGS)
        .arg("-")
        .arg(&partial)
        .stdin(Stdio::from(wav))
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", tools.lame.display()))?;
    if let Some(mut input) = espeak.stdin.take() {
        input
            .write_all(phrase.as_bytes())
            .map_err(|e| format!("espeak-ng: cannot write the text: {e}"))?;
    }
    let espeak_out = espeak
        .wait_with_output()
        .map_err(|e| format!("espeak-ng: {e}"))?;
    let lame_out = lame.wait_with_output().map_err(|e| format!("lame: {e}"))?;
    if !espeak_out.status.success() || !lame_out.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "recording « {phrase} » failed: espeak-ng {} {}, lame {} {}",
            espeak_out.status,
            String::from_utf8_lossy(&espeak_out.stderr).trim(),
            lame_out.status,
            String::from_utf8_lossy(&lame_out.stderr).trim()
        ));
    }
    let size = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if size == 0 {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("recording « {phrase} » gave an empty file"));
    }
    std::fs::rename(&partial, out).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Records the clips of every phrase missing from the cache (on every core),
/// then copies all of them into `dist/voice/`. Returns (phrases, newly recorded,
/// bytes in `dist/voice/`).
pub fn record(tools: &Tools, dist: &Path) -> Result<(usize, usize, u64), String> {
    let started = Instant::now();
    let phrases = phrases()?;
    let cache = cache_dir(tools)?;
    let missing: Vec<(&String, &String)> = phrases
        .iter()
        .filter(|(key, _)| !cache.join(format!("{key}.mp3")).is_file())
        .collect();
    step(&format!(
        "Recorded voice: {} phrases, {} to record with espeak-ng and lame (cache: {})",
        phrases.len(),
        missing.len(),
        cache.display()
    ));
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((key, phrase)) = missing.get(i) else {
                    break;
                };
                if let Err(e) = record_one(tools, phrase, &cache.join(format!("{key}.mp3"))) {
                    if let Ok(mut f) = failures.lock() {
                        f.push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    if let Some(first) = failures.first() {
        return Err(format!(
            "{} clip(s) could not be recorded; {first}",
            failures.len()
        ));
    }
    let out = dist.join("voice");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut bytes = 0;
    for key in phrases.keys() {
        let from = cache.join(format!("{key}.mp3"));
        let to = out.join(format!("{key}.mp3"));
        bytes += std::fs::copy(&from, &to)
            .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    }
    println!(
        "    {} clips in dist/voice/ ({:.1} MB), {} recorded now, in {:.1} s",
        phrases.len(),
        bytes as f64 / 1e6,
        missing.len(),
        started.elapsed().as_secs_f64()
    );
    Ok((phrases.len(), missing.len(), bytes))
}

/// The files of `dir` (not its folders), sorted by name; none if it is missing.
fn sorted_files(dir: &Path) -> Result<Vec<String>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entry.path().is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The precache list of `dist`: every picture, then every clip, each sorted.
pub fn precache_list(dist: &Path) -> Result<Vec<String>, String> {
    let mut list = Vec::new();
    for folder in ["pictures", "voice"] {
        list.extend(
            sorted_files(&dist.join(folder))?
                .into_iter()
                .map(|name| format!("/{folder}/{name}")),
        );
    }
    Ok(list)
}

/// The item bank as the server serves it (`/bank/<name>`, computed from the
/// bytes as the app's build does): its path and its bytes.
pub fn bank_file() -> Result<(String, Vec<u8>), String> {
    let data = root().join("items").join("data");
    let bank = repere_items::load_dir(&data)
        .map_err(|e| format!("the item bank in {}: {e}", data.display()))?;
    let bytes = bank
        .for_delivery()
        .to_compact()
        .map_err(|e| format!("the item bank's compact form: {e}"))?;
    Ok((
        format!("/bank/{}", repere_items::delivery_file_name(&bytes)),
        bytes,
    ))
}

/// Writes `dist/precache.txt` and stamps `dist/sw.js` with the hash of the list,
/// of the files it names and of the fonts. `served`: files the server serves
/// itself (the item bank), listed first. Returns (files listed, stamp).
pub fn write_precache(
    dist: &Path,
    served: &[(String, Vec<u8>)],
) -> Result<(usize, String), String> {
    let mut list: Vec<String> = served.iter().map(|(p, _)| p.clone()).collect();
    list.extend(precache_list(dist)?);
    let text: String = list.iter().map(|p| format!("{p}\n")).collect();
    let list_path = dist.join("precache.txt");
    std::fs::write(&list_path, &text)
        .map_err(|e| format!("cannot write {}: {e}", list_path.display()))?;
    let fonts = sorted_files(&dist.join("fonts"))?
        .into_iter()
        .map(|name| format!("/fonts/{name}"));
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    for path in list.iter().cloned().chain(fonts) {
        let bytes = match served.iter().find(|(p, _)| *p == path) {
            Some((_, bytes)) => bytes.clone(),
            None => {
                let file = dist.join(path.trim_start_matches('/'));
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
            }
        };
        hasher.update(path.as_bytes());
        hasher.update(Sha256::digest(&bytes));
    }
    let stamp = hex(&hasher.finalize())[..16].to_string();
    stamp_worker(&dist.join("sw.js"), &stamp)?;
    Ok((list.len(), stamp))
}

/// Puts `stamp` into the worker's `BUILD` line.
fn stamp_worker(worker: &Path, stamp: &str) -> Result<(), String> {
    let source = std::fs::read_to_string(worker)
        .map_err(|e| format!("cannot read {}: {e}", worker.display()))?;
    if source.matches(BUILD_LINE).count() != 1 {
        return Err(format!(
            "{}: the line `{BUILD_LINE}` must be there once (the build stamps it)",
            worker.display()
        ));
    }
    let stamped = source.replace(BUILD_LINE, &format!("const BUILD = '{stamp}';"));
    std::fs::write(worker, stamped).map_err(|e| format!("cannot write {}: {e}", worker.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the system's temporary folder.
    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-voice-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary folder");
        dir
    }

    fn put(dir: &Path, path: &str, bytes: &[u8]) {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("folder");
        std::fs::write(file, bytes).expect("write");
    }

    #[test]
    fn the_precache_list_is_sorted_and_its_stamp_follows_every_file() {
        let dist = folder("precache");
        put(&dist, "pictures/b.svg", b"<svg/>");
        put(&dist, "pictures/a.svg", b"<svg></svg>");
        put(&dist, "voice/ff00.mp3", b"ID3");
        put(&dist, "voice/0a11.mp3", b"ID3");
        put(&dist, "fonts/f.woff2", b"wOF2");
        put(
            &dist,
            "sw.js",
            format!("// worker\n{BUILD_LINE}\n").as_bytes(),
        );
        let bank = vec![("/bank/bank-00ff.bin".to_string(), b"repere".to_vec())];
        let (count, first) = write_precache(&dist, &bank).expect("precache");
        assert_eq!(count, 5);
        assert_eq!(
            std::fs::read_to_string(dist.join("precache.txt")).expect("list"),
            "/bank/bank-00ff.bin\n/pictures/a.svg\n/pictures/b.svg\n/voice/0a11.mp3\n/voice/ff00.mp3\n"
        );
        let worker = std::fs::read_to_string(dist.join("sw.js")).expect("worker");
        assert_eq!(worker, format!("// worker\nconst BUILD = '{first}';\n"));
        assert_eq!(first.len(), 16);
        // Stamped once: a second run finds no line to stamp.
        assert!(write_precache(&dist, &bank).is_err());

        // Another picture's content, or a font's, gives another stamp.
        let stamp = |change: &dyn Fn()| {
            put(&dist, "sw.js", BUILD_LINE.as_bytes());
            change();
            write_precache(&dist, &bank).expect("precache").1
        };
        let same = stamp(&|| {});
        assert_eq!(same, first, "same files, same stamp");
        let picture = stamp(&|| put(&dist, "pictures/b.svg", b"<svg id='x'/>"));
        assert_ne!(picture, first);
        let font = stamp(&|| put(&dist, "fonts/f.woff2", b"wOF2 2"));
        assert_ne!(font, picture);
        let clip = stamp(&|| put(&dist, "voice/0a11.mp3", b"ID3 2"));
        assert_ne!(clip, font);
        // Another bank, another stamp.
        put(&dist, "sw.js", BUILD_LINE.as_bytes());
        let other = vec![("/bank/bank-00ff.bin".to_string(), b"repere 2".to_vec())];
        assert_ne!(write_precache(&dist, &other).expect("precache").1, clip);
        let _ = std::fs::remove_dir_all(&dist);
    }

    #[test]
    fn every_phrase_of_the_bank_and_the_app_has_one_key() {
        let phrases = phrases().expect("phrases");
        // The bank's items, the context questions, the result's pieces and the
        // app's texts: about a thousand phrases, none empty.
        assert!(phrases.len() > 900, "{} phrases", phrases.len());
        assert!(phrases.values().all(|p| !p.trim().is_empty()));
        let has = |p: &str| {
            phrases
                .get(&repere_items::spoken::clip_key(p))
                .map(String::as_str)
                == Some(p)
        };
        for phrase in [
            "Votre résultat.",
            "Pour commencer, touchez le bouton Commencer.",
            "Voulez-vous continuer ?",
            "Sans réponse, tout sera effacé dans",
            "30 secondes.",
            "1 seconde.",
            "600 secondes.",
            "Vous savez déjà :",
            "À travailler ensuite :",
            "Notre conseil :",
        ] {
            assert!(has(phrase), "« {phrase} » is recorded");
        }
        assert!(!has("61 secondes."), "only the countdowns a kiosk can say");

        // The welcome screen says the length the bank's rules give (the app reads
        // them through `Referentiel::test_length` too, in `app/build.rs`): every
        // phrase of it, on a kiosk or not, is recorded.
        let bank = repere_items::load_dir(&root().join("items").join("data")).expect("bank");
        let length = bank.referentiel.test_length().expect("[session] rules");
        let items = (length.min_items, length.max_items);
        let range = format!("Entre {} et {} questions.", items.0, items.1);
        let cap = format!("Le test dure {} minutes au plus.", length.max_minutes);
        assert!(has(&range), "« {range} » is recorded");
        assert!(has(&cap), "« {cap} » is recorded");
        let devices = [
            app_spoken::Device::Kiosk,
            app_spoken::Device::Agent,
            app_spoken::Device::Own,
        ];
        for device in devices {
            // The server's default retention (12 months) and a page without it.
            let welcome = app_spoken::welcome(device, Some(365), items, length.max_minutes);
            assert!(welcome.contains("effacé au bout de 12\u{a0}mois."));
            let without = app_spoken::welcome(device, None, items, length.max_minutes);
            for phrase in repere_items::spoken::phrases(&without) {
                assert!(has(&phrase), "« {phrase} » of the welcome is recorded");
            }
            let said = repere_items::spoken::phrases(&welcome);
            assert!(said.contains(&range) && said.contains(&cap), "{said:?}");
            for phrase in said {
                assert!(has(&phrase), "« {phrase} » of the welcome is recorded");
            }
        }
    }
}
