//! Running child processes: print the command, stream its output, fail loudly.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Test counts gathered from the runners' closing lines.
#[derive(Default, Debug)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    /// Reads one output line of cargo's test harness, wasm-bindgen-test-runner or
    /// node's TAP reporter, and adds what it reports.
    pub fn observe(&mut self, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            // "test result: ok. 12 passed; 0 failed; 0 ignored; …"
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(kind), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.trim_start_matches("ok.").trim().parse::<u64>() else {
                    continue;
                };
                match kind {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    _ => {}
                }
            }
        } else if let Some(n) = line.strip_prefix("# pass ") {
            self.passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("# fail ") {
            self.failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
}

/// A command to run, printed before it runs.
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    env: BTreeMap<String, OsString>,
}

impl Cmd {
    pub fn new(program: impl AsRef<Path>) -> Self {
        Cmd {
            program: program.as_ref().to_path_buf(),
            args: Vec::new(),
            dir: None,
            env: BTreeMap::new(),
        }
    }

    pub fn arg(&mut self, arg: impl Into<OsString>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn env(&mut self, key: &str, value: impl Into<OsString>) -> &mut Self {
        self.env.insert(key.to_string(), value.into());
        self
    }

    pub fn envs(&mut self, vars: Vec<(String, OsString)>) -> &mut Self {
        for (k, v) in vars {
            self.env.insert(k, v);
        }
        self
    }

    fn describe(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Runs to completion with inherited output; an error if it fails.
    pub fn run(&self) -> Result<(), String> {
        println!("    $ {}", self.describe());
        let status = self
            .command()
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", self.describe()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.describe()))
        }
    }

    /// Runs with inherited output; an error if it fails or is still running after
    /// `limit` (then it is killed).
    pub fn run_within(&self, limit: std::time::Duration) -> Result<(), String> {
        println!("    $ {}", self.describe());
        let mut child = self
            .command()
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", self.describe()))?;
        let started = std::time::Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("`{}` failed ({status})", self.describe())),
                Ok(None) if started.elapsed() > limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`{}` still running after {} s: stopped (a hang?)",
                        self.describe(),
                        limit.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(200)),
                Err(e) => return Err(format!("`{}` did not finish: {e}", self.describe())),
            }
        }
    }

    /// Runs, echoes stdout line by line and counts tests from it.
    pub fn run_counting(&self, tally: &mut Tally) -> Result<(), String> {
        println!("    $ {}", self.describe());
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", self.describe()))?;
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                println!("{line}");
                tally.observe(&line);
            }
        }
        let status = child
            .wait()
            .map_err(|e| format!("`{}` did not finish: {e}", self.describe()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.describe()))
        }
    }

    /// Runs quietly and returns stdout (for version checks); `None` if it cannot run
    /// or fails.
    pub fn output(&self) -> Option<String> {
        let out = self.command().stderr(Stdio::null()).output().ok()?;
        if !out.status.success() {
            return None;
        }
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn counts_cargo_and_node_closing_lines() {
        let mut t = Tally::default();
        t.observe("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        t.observe("test result: FAILED. 3 passed; 2 failed; 0 ignored");
        t.observe("# pass 4");
        t.observe("# fail 1");
        t.observe("running 12 tests");
        assert_eq!(t.passed, 19);
        assert_eq!(t.failed, 3);
    }
}
