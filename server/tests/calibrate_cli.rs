//! Black-box tests of `repere calibrate` on a temporary copy of the shipped bank.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use repere_engine::irt::Item;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn repere(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repere"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("the repere binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "repere-calibrate-cli-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// xorshift64* and Box–Muller: a small deterministic generator.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }
}

/// Persons of the simulated CSVs: every one answers every item, and the
/// cross-product standard errors need more persons than free parameters (about 700
/// for the shipped bank: 2 per dichotomous item, more for GPCM items).
const PERSONS: usize = 1_200;

/// A CSV of simulated answers of `persons` persons to every item of the bank, from
/// parameters that differ from the bank's (a = 1.6, b shifted by +0.5).
fn simulated_csv(bank: &repere_items::Bank, persons: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut csv = String::from("\u{feff}person;item;score\n");
    for p in 0..persons {
        let theta = rng.normal();
        for it in bank.items() {
            let truth = match it.engine_item() {
                Item::Logistic(l) => Item::two_pl(1.6, l.b + 0.5).expect("valid"),
                other => other.clone(),
            };
            let u = rng.uniform();
            let mut acc = 0.0;
            let mut score = truth.max_score();
            for k in 0..truth.max_score() {
                acc += truth.prob(theta, k);
                if u < acc {
                    score = k;
                    break;
                }
            }
            csv.push_str(&format!("p{p};{};{score}\r\n", it.id));
        }
    }
    csv.push_str("p0;no.such.item;1\n");
    csv
}

/// Ids listed on the report's "refused, never written" line.
fn refused_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("refused, never written"))
        .and_then(|l| l.split_once("): "))
        .map(|(_, list)| {
            list.split("; ")
                .filter_map(|x| x.split_whitespace().next())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn calibrate_reports_then_writes_a_valid_bank() {
    let dir = temp_dir("write");
    let data = dir.join("data");
    copy_tree(&repo_root().join("items/data"), &data);
    let bank = repere_items::load_dir(&data).expect("shipped bank loads");
    let csv_path = dir.join("answers.csv");
    std::fs::write(&csv_path, simulated_csv(&bank, PERSONS)).expect("write csv");
    let pictures = repo_root().join("assets/pictures");
    let (csv_s, data_s, pic_s) = (
        csv_path.to_string_lossy().into_owned(),
        data.to_string_lossy().into_owned(),
        pictures.to_string_lossy().into_owned(),
    );

    // Dry run: a report, nothing written.
    let before = std::fs::read_to_string(data.join("bank/mail.attach.toml")).expect("bank file");
    let out = repere(&["calibrate", &csv_s, "--bank", &data_s, "--pictures", &pic_s]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("skipped 1 answer(s) to 1 unknown item id(s): no.such.item"),
        "{stdout}"
    );
    assert!(stdout.contains("converged"), "{stdout}");
    assert!(stdout.contains("dry run"), "{stdout}");
    let first = &bank.items()[0].id;
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(first.as_str()) && l.contains("estimated")),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(data.join("bank/mail.attach.toml")).expect("bank file"),
        before
    );

    // --write: parameters and provenance change, comments stay, the bank stays valid.
    let out = repere(&[
        "calibrate",
        &csv_s,
        "--bank",
        &data_s,
        "--pictures",
        &pic_s,
        "--write",
        "--date",
        "2026-12-01",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("written:"), "{stdout}");
    // b moved up by about 0.5: the items at b = −3 are no longer at the floor. That
    // is said (the data are not refused), and the bank builds as a calibrated one.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("misses its targets") && stderr.contains("(floor)"),
        "{stderr}"
    );
    let sources = repere_items::read_sources(&data).expect("edited bank reads");
    let (after, coverage) =
        repere_items::build_calibrated(&sources, None).expect("edited bank builds");
    assert!(!coverage.is_empty());
    assert!(
        coverage.iter().all(|p| p.message.contains("(floor)")),
        "{coverage:?}"
    );
    let (mut sum_a, mut shift_b, mut n_logistic) = (0.0, 0.0, 0.0);
    // Estimates too imprecise to be written (SE(b) > 0.5: a very easy item or an
    // extreme GPCM step, with 1,200 persons from N(0, 1)) keep their expert values.
    let refused = refused_ids(&stdout);
    assert!(refused.len() <= 8, "{refused:?}");
    for (old, new) in bank.items().iter().zip(after.items()) {
        assert_eq!(old.id, new.id);
        if refused.contains(&new.id) {
            assert_eq!(new.irt, old.irt, "{}", new.id);
            continue;
        }
        assert_eq!(
            new.irt.provenance.kind,
            repere_items::ProvenanceKind::Calibrated,
            "{}",
            new.id
        );
        assert_eq!(new.irt.provenance.n, u32::try_from(PERSONS).ok());
        assert_eq!(new.irt.provenance.date, "2026-12-01");
        if let (Item::Logistic(o), Item::Logistic(n)) = (old.engine_item(), new.engine_item()) {
            sum_a += n.a;
            shift_b += n.b - o.b;
            n_logistic += 1.0;
        }
    }
    // The simulation used a = 1.6 and b + 0.5: on average the estimates moved there.
    let (mean_a, mean_shift) = (sum_a / n_logistic, shift_b / n_logistic);
    assert!((mean_a - 1.6).abs() < 0.15, "mean a = {mean_a}");
    assert!(
        (mean_shift - 0.5).abs() < 0.15,
        "mean shift of b = {mean_shift}"
    );
    let text = std::fs::read_to_string(data.join("bank/mail.attach.toml")).expect("bank file");
    let comments_before = before
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .count();
    let comments_after = text
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .count();
    assert_eq!(comments_before, comments_after, "comments are preserved");
    assert!(text.contains("kind = \"calibrated\""));
    // `items check` fails on exactly those shortfalls: items must be written.
    let check = repere(&["items", "check", &data_s, "--pictures", &pic_s]);
    assert!(!check.status.success());
    let said = String::from_utf8_lossy(&check.stdout);
    let problems: Vec<&str> = said.lines().filter(|l| l.contains(".toml:")).collect();
    assert_eq!(problems.len(), coverage.len(), "{said}");
    assert!(problems.iter().all(|l| l.contains("(floor)")), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn degenerate_estimates_are_refused_and_nothing_estimated_exits_1() {
    let dir = temp_dir("degenerate");
    let data = dir.join("data");
    copy_tree(&repo_root().join("items/data"), &data);
    let bank = repere_items::load_dir(&data).expect("shipped bank loads");
    let pictures = repo_root().join("assets/pictures");
    let (data_s, pic_s) = (
        data.to_string_lossy().into_owned(),
        pictures.to_string_lossy().into_owned(),
    );
    // 1,200 persons; the answers to the first item are coin tosses, whatever θ: its
    // slope goes to about 0, its difficulty wherever (the "a = 0.06, b = 14" of a
    // real store).
    let first = bank.items()[0].id.clone();
    let mut rng = Rng(77);
    let csv: String = simulated_csv(&bank, PERSONS)
        .lines()
        .map(|line| {
            if line.split(';').nth(1) == Some(first.as_str()) {
                let person = line.split(';').next().unwrap_or("");
                let coin = usize::from(rng.uniform() < 0.5);
                format!("{person};{first};{coin}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let csv_path = dir.join("answers.csv");
    std::fs::write(&csv_path, csv).expect("write csv");
    let csv_s = csv_path.to_string_lossy().into_owned();
    let before = std::fs::read_to_string(data.join(format!("bank/{}.toml", bank.items()[0].skill)))
        .expect("bank file");
    let out = repere(&[
        "calibrate",
        &csv_s,
        "--bank",
        &data_s,
        "--pictures",
        &pic_s,
        "--write",
        "--date",
        "2026-12-01",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with(first.as_str()))
        .expect("the item's row");
    assert!(row.contains("refused"), "{row}");
    assert!(
        stdout.contains("refused, never written") && stdout.contains(&format!("{first} (")),
        "{stdout}"
    );
    // The refused item keeps its expert parameters; the others were written (the
    // simulated b shift moves some off the floor: a calibrated bank, see above).
    let sources = repere_items::read_sources(&data).expect("edited bank reads");
    let (after, _) = repere_items::build_calibrated(&sources, None).expect("edited bank builds");
    let kept = after.item(&first).expect("item");
    assert_eq!(
        kept.irt.provenance.kind,
        repere_items::ProvenanceKind::Expert
    );
    assert_eq!(kept.irt, bank.items()[0].irt);
    let written = after
        .items()
        .iter()
        .filter(|i| i.irt.provenance.kind == repere_items::ProvenanceKind::Calibrated)
        .count();
    // A few extreme items are refused too: their SE(b) is just over 0.5 with 1,200
    // persons from N(0, 1) (a very easy item, extreme GPCM steps).
    let refused = refused_ids(&stdout);
    assert!(refused.contains(&first), "{refused:?}");
    assert!(refused.len() <= 8, "{refused:?}");
    assert_eq!(written, bank.items().len() - refused.len());
    for it in after.items().iter().filter(|i| i.id != first) {
        if let Item::Logistic(l) = it.engine_item() {
            assert!(l.a >= 0.3 && l.b.abs() <= 4.0, "{}: {l:?}", it.id);
        }
    }
    let after_text =
        std::fs::read_to_string(data.join(format!("bank/{}.toml", bank.items()[0].skill)))
            .expect("bank file");
    assert_ne!(after_text, before, "the file's other items were written");

    // 50 persons: every item is left as it is (fewer than 100 answers): exit 1,
    // nothing written.
    let small: String = simulated_csv(&bank, 50);
    let small_path = dir.join("small.csv");
    std::fs::write(&small_path, small).expect("write csv");
    let small_s = small_path.to_string_lossy().into_owned();
    let snapshot = std::fs::read_to_string(data.join("bank/mail.attach.toml")).expect("file");
    let out = repere(&[
        "calibrate",
        &small_s,
        "--bank",
        &data_s,
        "--pictures",
        &pic_s,
        "--write",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing could be estimated"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(data.join("bank/mail.attach.toml")).expect("file"),
        snapshot
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_csv_lines_exit_2_with_file_and_line() {
    let dir = temp_dir("bad");
    let bank = repere_items::load_dir(&repo_root().join("items/data")).expect("shipped bank loads");
    let id = &bank.items()[0].id;
    let cases = [
        (
            format!("person,item,score\np1,{id},1\np2,{id}\n"),
            ":3: expected 3 fields",
        ),
        (
            format!("person;item;score\np1;{id};x\n"),
            ":2: score `x` is not a whole number",
        ),
        (
            format!("person;item;score\np1;{id};7\n"),
            ":2: score 7 is above the highest score",
        ),
        (
            format!("person;item;score\np1;{id};1\np1;{id};0\n"),
            ":3: person `p1` already answered",
        ),
        ("who;what\n".to_string(), ":1: the header must name"),
        (
            "person;item;score\np1;nope;1\n".to_string(),
            ":2: unknown item `nope`",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.csv"));
        std::fs::write(&path, text).expect("write");
        let p = path.to_string_lossy().into_owned();
        let out = repere(&["calibrate", &p, "--strict"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(&format!("{p}{want}")), "case {i}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `repere` with `args` in `data`'s parent, output captured.
fn repere_ok(args: &[&str]) -> String {
    let out = repere(args);
    assert!(
        out.status.success(),
        "repere {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `repere serve` on `data`, killed when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(data: &Path, dist: &Path) -> Server {
        use std::io::BufRead;
        std::fs::create_dir_all(dist).expect("dist");
        std::fs::write(dist.join("index.html"), "<!doctype html><title>R</title>").expect("index");
        let mut child = Command::new(env!("CARGO_BIN_EXE_repere"))
            .args(["serve", "--addr", "127.0.0.1", "--port", "0", "--data"])
            .arg(data)
            .arg("--dist")
            .arg(dist)
            // Hundreds of results from one kiosk and one address: the submission
            // limits out of the way.
            .args(["--anonymous-limit", "1000000", "--kiosk-limit", "1000000"])
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("repere serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.strip_prefix("Repère écoute sur http://127.0.0.1:") {
                    let _ = tx.send(rest.trim_end_matches('/').parse::<u16>().ok());
                }
            }
        });
        let port = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(Some(port)) => port,
            _ => {
                let _ = child.kill();
                panic!("repere serve did not start");
            }
        };
        Server { child, port }
    }

    /// POSTs a JSON body; returns the status.
    fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
        self.post_reply(path, headers, body)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The whole reply (status line, headers, body) of a POST.
    fn post_reply(&self, path: &str, headers: &[(&str, &str)], body: &str) -> String {
        use std::io::{Read, Write};
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("server answers");
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send");
        stream.write_all(body.as_bytes()).expect("send");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Simulated adaptive tests of the embedded bank, run with the app's own live
/// session: single-choice items answered right with the item's 2PL probability at
/// the person's θ, other kinds skipped ("Je passe").
fn simulated_logs(persons: usize) -> Vec<repere_items::assessment::AnswerLog> {
    use repere_items::assessment::{Assessor, Mode};
    use repere_items::{Body, Response};
    let bank = repere_items::embedded().expect("embedded bank");
    let assessor = Assessor::new(&bank).expect("assessor");
    let mut rng = Rng(0x0DDB_1A5E_5BAD_5EED);
    let mut logs = Vec::new();
    for p in 0..persons {
        let theta = rng.normal();
        let id = format!("00000000-0000-4000-8000-{p:012x}");
        let start = 1_767_225_600_000 + p as u64 * 1000;
        let mut test = assessor
            .start(id, p as u64, Mode::Kiosk, Vec::new(), start)
            .expect("test starts");
        while let Some(item) = test.next_item() {
            let right = rng.uniform() < item.engine_item().prob(theta, 1);
            let response = match &item.body {
                Body::Single { options, answer } => {
                    let k = options
                        .iter()
                        .position(|o| (o.id == *answer) == right)
                        .unwrap_or(0);
                    Response::Choice(k)
                }
                _ => Response::Skip,
            };
            let id = item.id.clone();
            test.answer(&id, response, 4000).expect("answer recorded");
        }
        let (log, _) = test.finish(start + 600_000).expect("test ends");
        logs.push(log);
    }
    logs
}

#[test]
fn calibrate_from_the_store_equals_calibrate_from_the_same_answers_as_csv() {
    let dir = temp_dir("store");
    let data = dir.join("data");
    let data_s = data.to_string_lossy().into_owned();
    let bank_s = repo_root()
        .join("items/data")
        .to_string_lossy()
        .into_owned();

    // No store in the folder: exit 2, and no store is created.
    std::fs::create_dir_all(&data).expect("mkdir");
    let out = repere(&["calibrate", "--data", &data_s, "--bank", &bank_s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Repère store"));
    assert!(!data.join("db").exists());
    // A CSV and --data at once: exit 2.
    let out = repere(&["calibrate", "x.csv", "--data", &data_s]);
    assert_eq!(out.status.code(), Some(2));

    // A structure and its kiosk, then results sent by the kiosk to a running server.
    let structure = repere_ok(&["structure", "add", "Essai", "--data", &data_s]);
    let structure = structure.trim();
    let code = repere_ok(&[
        "kiosk",
        "add",
        "--structure",
        structure,
        "--name",
        "Borne",
        "--data",
        &data_s,
    ]);
    let server = Server::start(&data, &dir.join("dist"));
    // The kiosk's device pairs with its code; its token is in the cookie.
    let pair = format!(r#"{{"code": "{}"}}"#, code.trim());
    let reply = server.post_reply("/api/kiosk/pair", &[], &pair);
    let token = reply
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            let value = value.trim();
            let value = value
                .strip_prefix("repere_kiosk=")
                .or_else(|| value.strip_prefix("__Host-repere_kiosk="))?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.split(';').next().unwrap_or("").to_string())
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| panic!("the kiosk cookie: {reply}"));
    // 400 results sent by the kiosk, then 60 anonymous ones (a browser with no
    // token: attached to no structure). Every one of them is read.
    let logs = simulated_logs(460);
    for (k, log) in logs.iter().enumerate() {
        let body = serde_json::to_string(log).expect("json");
        let headers: &[(&str, &str)] = if k < 400 {
            &[("X-Kiosk-Token", &token)]
        } else {
            &[]
        };
        let status = server.post("/api/results", headers, &body);
        assert!(status == 200 || status == 201, "status {status}");
    }

    // While the server holds the store: exit 1, and the message says what to do.
    let out = repere(&["calibrate", "--data", &data_s, "--bank", &bank_s]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in use by a running `repere serve` (pid")
            && stderr.contains("repere backup COPY --data"),
        "{stderr}"
    );
    // The way out while it runs: a backup, calibrated on.
    let copy = dir.join("copy");
    let copy_s = copy.to_string_lossy().into_owned();
    repere_ok(&["backup", &copy_s, "--data", &data_s]);
    drop(server);

    let args = |source: &[&str]| {
        let mut v: Vec<String> = vec!["calibrate".into()];
        v.extend(source.iter().map(|s| s.to_string()));
        v.extend(
            ["--bank", &bank_s, "--min-answers", "30"]
                .iter()
                .map(|s| s.to_string()),
        );
        v
    };
    // These short tests (other kinds than `single` skipped) leave every estimate
    // too imprecise to be written: the command then exits 1 after its report, the
    // same whichever way the answers came.
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = repere(&refs);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success() || stderr.contains("nothing could be estimated"),
            "repere {refs:?}: {stderr}"
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let from_store = run(args(&["--data", &data_s]));
    let from_copy = run(args(&["--data", &copy_s]));

    // The same answers as a CSV, scored by the items crate, persons in the order
    // the store keeps them (reception time).
    let bank = repere_items::load_dir(&repo_root().join("items/data")).expect("bank");
    let mut csv = String::from("person;item;score\n");
    let (mut skips, mut answers) = (0, 0);
    for log in &logs {
        for a in &log.answers {
            let item = bank.item(&a.item).expect("known item");
            let score = repere_items::score(item, &a.response).expect("scorable");
            skips += usize::from(a.response == repere_items::Response::Skip);
            answers += 1;
            csv.push_str(&format!("{};{};{score}\n", log.id, a.item));
        }
    }
    let csv_path = dir.join("answers.csv");
    std::fs::write(&csv_path, csv).expect("csv");
    let from_csv = run(args(&[&csv_path.to_string_lossy()]));

    eprintln!("{from_store}");
    assert!(answers > 460 * 5, "{answers} answers");
    assert!(
        from_store.contains(&format!(
            "store: 460 test(s) read (0 at a counter, 400 at a kiosk, 60 anonymous), \
             {answers} answer(s) kept; \"Je passe\": {skips} (scored 0)"
        )),
        "{from_store}"
    );
    assert!(!from_store.contains("could not be decoded"), "{from_store}");
    // Item lines (and the EM summary) are the same whichever way the answers came.
    let items = |report: &str| -> Vec<String> {
        report
            .lines()
            .filter(|l| {
                l.starts_with("EM:")
                    || l.contains(" estimated ")
                    || l.contains(" refused ")
                    || l.contains(" left ")
            })
            .map(str::to_string)
            .collect()
    };
    let estimated = items(&from_store)
        .iter()
        .filter(|l| l.contains(" estimated ") || l.contains(" refused "))
        .count();
    assert!(
        estimated >= 5,
        "only {estimated} items estimated:\n{from_store}"
    );
    assert_eq!(
        items(&from_store),
        items(&from_csv),
        "store:\n{from_store}\ncsv:\n{from_csv}"
    );
    assert_eq!(items(&from_store), items(&from_copy));
    let _ = std::fs::remove_dir_all(&dir);
}
