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

#[test]
fn calibrate_reports_then_writes_a_valid_bank() {
    let dir = temp_dir("write");
    let data = dir.join("data");
    copy_tree(&repo_root().join("items/data"), &data);
    let bank = repere_items::load_dir(&data).expect("shipped bank loads");
    let csv_path = dir.join("answers.csv");
    std::fs::write(&csv_path, simulated_csv(&bank, 600)).expect("write csv");
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
    let after = repere_items::load_dir(&data).expect("edited bank loads");
    let (mut sum_a, mut shift_b, mut n_logistic) = (0.0, 0.0, 0.0);
    for (old, new) in bank.items().iter().zip(after.items()) {
        assert_eq!(old.id, new.id);
        assert_eq!(
            new.irt.provenance.kind,
            repere_items::ProvenanceKind::Calibrated,
            "{}",
            new.id
        );
        assert_eq!(new.irt.provenance.n, Some(600));
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
    let check = repere(&["items", "check", &data_s, "--pictures", &pic_s]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
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
            format!("person;item;score\np1;nope;1\n"),
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
