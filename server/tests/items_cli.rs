//! Black-box tests of `repere items check`: exit codes and the exact
//! `file:line:col: message` lines, on the shipped bank and on a broken copy of the
//! validator fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn repere(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repere"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the repere binary runs")
}

/// A fresh empty folder under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "repere-items-cli-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable fixture") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn shipped_bank_passes_with_the_default_path() {
    let out = repere(&["items", "check"], &repo_root());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("repere-gd 2.1.0: "), "{stdout}");
    assert!(
        stdout.contains("live items by difficulty band:"),
        "{stdout}"
    );
    assert!(stdout.contains("  mail.attach "), "{stdout}");
    // The floor and ceiling counts, by domain, as the `[bank]` targets want them:
    // at least 2 at the floor in every domain, 30 at the ceiling in all.
    let counts = stdout
        .split("floor and ceiling (live items at b <= -3 / b >= 1):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no floor and ceiling counts: {stdout}"));
    let rows: Vec<(String, usize, usize)> = counts
        .lines()
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f.get(i).and_then(|x| x.parse().ok()).expect("a count");
            (f[0].to_string(), n(1), n(2))
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "device",
            "web",
            "communicate",
            "procedures",
            "safety",
            "all"
        ]
    );
    for (domain, floor, _) in &rows {
        assert!(*floor >= 2, "{domain}: floor {floor}");
    }
    let all = rows.last().expect("the total");
    assert!(all.2 >= 30, "ceiling {}", all.2);
    assert_eq!(all.1, rows[..5].iter().map(|r| r.1).sum::<usize>());
}

#[test]
fn broken_bank_lists_every_problem_and_exits_1() {
    let fixtures = repo_root().join("items/tests/fixtures");
    let dir = temp_dir("broken");
    copy_tree(&fixtures.join("base"), &dir);
    copy_tree(&fixtures.join("broken/answer-not-among-options"), &dir);
    std::fs::remove_file(dir.join("expected.txt")).expect("remove expected.txt");
    let pictures = repo_root().join("assets/pictures");
    let out = repere(
        &[
            "items",
            "check",
            dir.to_str().expect("utf-8 temp path"),
            "--pictures",
            pictures.to_str().expect("utf-8 path"),
        ],
        &repo_root(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let root = dir.display().to_string();
    let expected = [
        format!("{root}/bank/mail.attach.toml:8:10: answer `agrafe` is not among the options (trombone, poubelle)"),
        format!("{root}/bank/mail.attach.toml:19:22: answer `impot` is not among the options (trombone, poubelle, facture)"),
        format!("{root}/bank/mail.attach.toml:19:31: answer `facture` is listed twice"),
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 problem(s)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_data_folder_is_an_input_error() {
    let dir = temp_dir("empty");
    let out = repere(&["items", "check"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data folder `items/data` not found"),
        "{stderr}"
    );

    let out = repere(&["items", "check", "nowhere"], &repo_root());
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
