//! Helpers shared by the end-to-end tests: start the real `repere` binary on a free
//! loopback port with a temporary data folder, talk HTTP to it, run its command
//! line, and build answer logs from the real item bank.
//!
//! The binary is found at `$REPERE_BIN`, else `<target>/debug/repere` (the target
//! folder is `$CARGO_TARGET_DIR` or the workspace's `target/`). `cargo test
//! --workspace` builds it before running the tests; `cargo test -p repere-e2e` alone
//! does not, and the tests then stop with a message saying to run
//! `cargo build -p repere-server` first.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// The `repere` binary to test.
pub fn repere_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("REPERE_BIN") {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("debug").join("repere");
    assert!(
        bin.is_file(),
        "the `repere` binary is missing at {}: run `cargo build -p repere-server` first \
         (`cargo test --workspace` builds it), or set REPERE_BIN",
        bin.display()
    );
    bin
}

/// A running `repere serve`, stopped (SIGTERM) when dropped.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    /// The data folder.
    pub data: PathBuf,
    output: Arc<Mutex<String>>,
    _data_dir: Option<tempfile::TempDir>,
    _dist: tempfile::TempDir,
}

/// Arguments of a server under load (thousands of results from one address or
/// kiosk): the anonymous and kiosk limits raised out of the way.
pub const LOAD: [&str; 4] = ["--anonymous-limit", "1000000", "--kiosk-limit", "1000000"];

/// The files under `root` (and its folders) whose bytes hold `needle`: a byte
/// search of a data folder or a backup for what must not be there.
pub fn files_holding(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            {
                found.push(path);
            }
        }
    }
    found
}

/// A fresh temporary folder.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("repere-e2e-")
        .tempdir()
        .expect("cannot create a temporary folder")
}

impl Server {
    /// Starts a server on a new temporary data folder with extra `args`.
    pub fn start(args: &[&str]) -> Server {
        let dir = temp_dir();
        let data = dir.path().join("data");
        let mut s = Server::start_in(&data, args);
        s._data_dir = Some(dir);
        s
    }

    /// Starts a server on `data` (kept after the server stops).
    pub fn start_in(data: &Path, args: &[&str]) -> Server {
        Server::start_in_with(data, args, &[])
    }

    /// Starts a server on a new temporary data folder whose web app folder holds
    /// `files` (path relative to it, content) besides its `index.html`.
    pub fn start_with_dist(args: &[&str], files: &[(&str, &[u8])]) -> Server {
        let dir = temp_dir();
        let data = dir.path().join("data");
        let mut s = Server::start_in_with(&data, args, files);
        s._data_dir = Some(dir);
        s
    }

    /// [`Server::start`] logging everything (`RUST_LOG=debug`), for tests of
    /// what the logs hold.
    pub fn start_logging(args: &[&str]) -> Server {
        let dir = temp_dir();
        let data = dir.path().join("data");
        let mut s = Server::start_full(&data, args, &[], "debug");
        s._data_dir = Some(dir);
        s
    }

    fn start_in_with(data: &Path, args: &[&str], files: &[(&str, &[u8])]) -> Server {
        Server::start_full(data, args, files, "warn")
    }

    fn start_full(data: &Path, args: &[&str], files: &[(&str, &[u8])], log: &str) -> Server {
        let dist = temp_dir();
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><title>Repère</title>",
        )
        .expect("cannot write index.html");
        for (path, content) in files {
            let target = dist.path().join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).expect("cannot create a dist folder");
            }
            std::fs::write(&target, content).expect("cannot write a dist file");
        }
        let mut child = Command::new(repere_bin())
            .arg("serve")
            .args(["--addr", "127.0.0.1", "--port", "0", "--data"])
            .arg(data)
            .arg("--dist")
            .arg(dist.path())
            .args(args)
            .env("RUST_LOG", log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start `repere serve`");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        if let Some(out) = child.stdout.take() {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("Repère écoute sur ") {
                        let _ = tx.send(rest.trim_end_matches('/').to_string());
                    }
                    if let Ok(mut o) = output.lock() {
                        o.push_str(&line);
                        o.push('\n');
                    }
                }
            });
        }
        if let Some(mut err) = child.stderr.take() {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut o) = output.lock() {
                        o.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let out = output.lock().map(|o| o.clone()).unwrap_or_default();
                panic!("the server did not start within 60 s:\n{out}");
            }
        };
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "not a loopback address: {base}"
        );
        Server {
            child: Some(child),
            base,
            data: data.to_path_buf(),
            output,
            _data_dir: None,
            _dist: dist,
        }
    }

    /// Everything the server printed so far.
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// A new client without cookies.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Kills the process at once (SIGKILL): no flush, no clean-up.
    pub fn kill(mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the process with SIGTERM and waits for it.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            for _ in 0..200 {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs `repere ARGS --data <this data folder>` with `stdin` as standard input.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Output {
        cli(&self.data, args, stdin)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate();
        if std::thread::panicking() {
            // A failed test shows what the server logged (its errors say why a
            // request got a 500).
            let out = self.output();
            let tail: Vec<&str> = out.lines().rev().take(80).collect();
            eprintln!("--- the server's last lines ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// Runs `repere ARGS --data DATA`, feeding `stdin`.
pub fn cli(data: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(repere_bin())
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run repere");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("repere did not finish")
}

/// Standard output of a successful command, trimmed; panics with its stderr.
pub fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "command failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The seconds of the `Retry-After` header (panics if it is missing or not a
    /// number).
    pub fn retry_after(&self) -> u64 {
        self.header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("Retry-After in seconds: {:?}", self.headers))
    }

    /// The `error` message of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A client with its own cookie and CSRF token.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    /// The session cookie's value, once logged in.
    pub cookie: Option<String>,
    /// The CSRF token, once logged in.
    pub csrf: Option<String>,
    /// The device cookie's value (a browser that logged in before), once logged in.
    pub device: Option<String>,
}

/// Statuses are answers, not errors; every phase of a request is bounded. Not with
/// a global timeout: with one, ureq resolves the host name in a new thread at every
/// request (a thread per request would load the machine the benchmark measures).
fn bounded(
    b: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let limit = Some(Duration::from_secs(60));
    b.http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_send_request(limit)
        .timeout_send_body(limit)
        .timeout_recv_response(limit)
        .timeout_recv_body(limit)
}

impl Client {
    /// A client that keeps its connections open between requests (for the bench,
    /// whose requests are all read in full by the server).
    pub fn pooled(base: &str) -> Client {
        let config = bounded(ureq::Agent::config_builder()).build();
        Client {
            agent: config.into(),
            base: base.to_string(),
            cookie: None,
            csrf: None,
            device: None,
        }
    }

    /// A client for `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Client {
        // No connection reuse: the server closes a connection after refusing a
        // request whose body it did not read, and a reused connection would race
        // with that close. One connection per request keeps the tests exact.
        let config = bounded(ureq::Agent::config_builder())
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build();
        Client {
            agent: config.into(),
            base: base.to_string(),
            cookie: None,
            csrf: None,
            device: None,
        }
    }

    fn finish(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut r = r.unwrap_or_else(|e| panic!("HTTP request failed: {e}"));
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect::<Vec<_>>();
        let body = r
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .unwrap_or_default();
        Resp {
            status: r.status().as_u16(),
            headers,
            body,
        }
    }

    /// Sends a request. `csrf`: send the token (if logged in).
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        extra: &[(&str, &str)],
        csrf: bool,
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let cookies: Vec<String> = [
            self.cookie.as_ref().map(|c| format!("repere_session={c}")),
            self.device.as_ref().map(|d| format!("repere_device={d}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let cookie = (!cookies.is_empty()).then(|| cookies.join("; "));
        // A body is JSON unless the test says otherwise.
        let default_type = body.is_some()
            && !extra
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let token = if csrf { self.csrf.clone() } else { None };
        macro_rules! headers {
            ($req:expr) => {{
                let mut req = $req;
                if let Some(c) = &cookie {
                    req = req.header("Cookie", c);
                }
                if let Some(t) = &token {
                    req = req.header("X-CSRF-Token", t);
                }
                for (k, v) in extra {
                    req = req.header(*k, *v);
                }
                if default_type {
                    req = req.header("Content-Type", "application/json");
                }
                req
            }};
        }
        let r = match method {
            "GET" => headers!(self.agent.get(&url)).call(),
            "DELETE" => match body {
                Some(b) => headers!(self.agent.delete(&url)).force_send_body().send(b),
                None => headers!(self.agent.delete(&url)).call(),
            },
            "POST" => headers!(self.agent.post(&url)).send(body.unwrap_or(b"")),
            "PUT" => headers!(self.agent.put(&url)).send(body.unwrap_or(b"")),
            other => panic!("method {other} not supported by the test client"),
        };
        self.finish(r)
    }

    /// GET.
    pub fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, None, &[], false)
    }

    /// POST of a JSON value, with the CSRF token.
    pub fn post(&mut self, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).expect("json");
        self.request(
            "POST",
            path,
            Some(&bytes),
            &[("Content-Type", "application/json")],
            true,
        )
    }

    /// DELETE with the CSRF token.
    pub fn delete(&mut self, path: &str) -> Resp {
        self.request("DELETE", path, None, &[], true)
    }

    /// Logs in; keeps the cookie and CSRF token on success.
    pub fn login(&mut self, login: &str, password: &str) -> Resp {
        let body =
            serde_json::to_vec(&json!({ "login": login, "password": password })).expect("json");
        let r = self.request(
            "POST",
            "/api/login",
            Some(&body),
            &[("Content-Type", "application/json")],
            false,
        );
        self.keep_session(&r);
        r
    }

    /// The second step of a login with a second factor (`POST /api/login/totp`);
    /// keeps the cookie and CSRF token on success.
    pub fn login_totp(&mut self, challenge: &str, code: &str) -> Resp {
        let body =
            serde_json::to_vec(&json!({ "challenge": challenge, "code": code })).expect("json");
        let r = self.request(
            "POST",
            "/api/login/totp",
            Some(&body),
            &[("Content-Type", "application/json")],
            false,
        );
        self.keep_session(&r);
        r
    }

    /// Keeps the session and device cookies and the CSRF token of a login's
    /// answer, when it opened a session.
    fn keep_session(&mut self, r: &Resp) {
        let set = |name: &str| {
            r.headers
                .iter()
                .filter(|(k, _)| k == "set-cookie")
                .find_map(|(_, v)| {
                    v.strip_prefix(&format!("{name}="))
                        .or_else(|| v.strip_prefix(&format!("__Host-{name}=")))
                })
                .and_then(|v| v.split(';').next())
                .map(str::to_string)
        };
        if r.status == 200 && r.json()["csrf_token"].is_string() {
            self.cookie = set("repere_session");
            self.device = set("repere_device");
            self.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        }
    }

    /// Logs in or panics.
    pub fn logged_in(base: &str, login: &str, password: &str) -> Client {
        let mut c = Client::new(base);
        let r = c.login(login, password);
        assert_eq!(r.status, 200, "login {login}: {}", r.text());
        c
    }
}

/// A random UUID (v4) from the operating system's random source.
pub fn uuid() -> String {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("cannot read /dev/urandom");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The embedded bank (the one the server uses), loaded once.
pub fn bank() -> &'static repere_items::Bank {
    static BANK: std::sync::OnceLock<repere_items::Bank> = std::sync::OnceLock::new();
    BANK.get_or_init(|| {
        repere_items::embedded()
            .unwrap_or_else(|p| panic!("the embedded bank is invalid: {} problem(s)", p.len()))
    })
}

/// Live `single` items of the bank with their number of options.
pub fn single_items() -> Vec<(String, usize)> {
    bank()
        .live_items()
        .filter_map(|i| match &i.body {
            repere_items::Body::Single { options, .. } => Some((i.id.clone(), options.len())),
            _ => None,
        })
        .collect()
}

/// The assessor of the embedded bank (the one the server builds at start).
pub fn assessor() -> &'static repere_items::assessment::Assessor<'static> {
    static A: std::sync::OnceLock<repere_items::assessment::Assessor<'static>> =
        std::sync::OnceLock::new();
    A.get_or_init(|| {
        repere_items::assessment::Assessor::new(bank())
            .unwrap_or_else(|e| panic!("the embedded bank cannot run tests: {e}"))
    })
}

/// A finished answer log with `id`, exactly as the app's `LiveTest::finish` makes
/// it (kiosk mode, seed from `id`, one context answer): every item the test
/// proposes is answered with `respond(k, item)`, `k` its position.
pub fn answer_log(
    id: &str,
    respond: impl FnMut(usize, &repere_items::BankItem) -> repere_items::Response,
) -> Value {
    let first: Vec<(&str, &str)> = bank()
        .context
        .questions
        .iter()
        .take(1)
        .filter_map(|q| q.answers.first().map(|a| (q.id.as_str(), a.id.as_str())))
        .collect();
    answer_log_in_context(id, &first, respond)
}

/// [`answer_log`] with the context answers `context` (`(question, answer)` ids, in
/// the order given).
pub fn answer_log_in_context(
    id: &str,
    context: &[(&str, &str)],
    mut respond: impl FnMut(usize, &repere_items::BankItem) -> repere_items::Response,
) -> Value {
    use repere_items::assessment::{ContextAnswer, Mode, MAX_SEED};
    let context: Vec<ContextAnswer> = context
        .iter()
        .map(|(question, answer)| ContextAnswer {
            question: (*question).to_string(),
            answer: (*answer).to_string(),
        })
        .collect();
    let seed = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) & MAX_SEED;
    let started = 1_767_225_600_000u64;
    let mut test = assessor()
        .start(id.to_string(), seed, Mode::Kiosk, context, started)
        .unwrap_or_else(|e| panic!("start: {e}"));
    let mut k = 0;
    while let Some(item) = test.next_item() {
        let response = respond(k, item);
        let item_id = item.id.clone();
        test.answer(&item_id, response, 4_000 + 500 * k as u64)
            .unwrap_or_else(|e| panic!("answer {k}: {e}"));
        k += 1;
    }
    let (log, _) = test
        .finish(started + 600_000)
        .unwrap_or_else(|e| panic!("finish: {e}"));
    serde_json::to_value(&log).expect("json")
}

/// A response to `item` that the scorer gives full marks where it is easy to
/// build one (choices, order, text, hotspot, message, search); `Skip` for the
/// stepped simulations.
pub fn right_response(item: &repere_items::BankItem) -> repere_items::Response {
    use repere_items::{Action, Body, Response};
    let index = |options: &[repere_items::Choice], id: &str| {
        options.iter().position(|o| o.id == id).unwrap_or(0)
    };
    match &item.body {
        Body::Single { options, answer } => Response::Choice(index(options, answer)),
        Body::Multiple { options, answer } => {
            Response::Choices(answer.iter().map(|a| index(options, a)).collect())
        }
        Body::Ordering { options, answer } => {
            Response::Order(answer.iter().map(|a| index(options, a)).collect())
        }
        Body::Text { answer, .. } => Response::Text(answer[0].clone()),
        Body::Hotspot { regions, .. } => {
            let r = &regions[0];
            Response::Point {
                x: r.x + r.width / 2.0,
                y: r.y + r.height / 2.0,
            }
        }
        Body::Message { scene, answer } => scene
            .decision_ids()
            .find(|id| answer.iter().any(|a| a == id))
            .map_or(Response::Skip, |id| {
                Response::Actions(vec![Action::Tap {
                    target: id.to_string(),
                }])
            }),
        Body::Search { scene, answer } => scene
            .results
            .iter()
            .find(|r| answer.contains(&r.id))
            .map_or(Response::Skip, |r| {
                Response::Actions(vec![Action::Tap {
                    target: r.id.clone(),
                }])
            }),
        _ => Response::Skip,
    }
}

/// A valid answer log with `id` (see [`answer_log`]): `single` items answered with
/// the option `choices[k]` (cycled, modulo the number of options), `k` the
/// position in the test; other items skipped.
pub fn submission_with(id: &str, choices: &[usize]) -> Value {
    answer_log(id, |k, item| match &item.body {
        repere_items::Body::Single { options, .. } => {
            let c = choices.get(k % choices.len().max(1)).copied().unwrap_or(0);
            repere_items::Response::Choice(c % options.len())
        }
        _ => repere_items::Response::Skip,
    })
}

/// A valid answer log.
pub fn submission(id: &str) -> Value {
    submission_with(id, &[0])
}

/// The engine version the server accepts.
pub fn repere_engine_version() -> String {
    repere_engine::ENGINE_VERSION.to_string()
}

/// `repere stats` of a data folder as (key, value) pairs.
pub fn stats(data: &Path) -> std::collections::BTreeMap<String, u64> {
    let out = cli(data, &["stats"], "");
    ok_stdout(&out)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// Pairs a device with the kiosk waiting for pairing `code` (`POST
/// /api/kiosk/pair`, as `/borne` does) and returns the device token of the cookie
/// it gets, which a device may send in `X-Kiosk-Token`. Panics if refused.
pub fn pair_kiosk(base: &str, code: &str) -> String {
    let body = serde_json::to_vec(&json!({ "code": code })).expect("json");
    let r = Client::new(base).request(
        "POST",
        "/api/kiosk/pair",
        Some(&body),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 204, "pairing with {code}: {}", r.text());
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            v.strip_prefix("repere_kiosk=")
                .or_else(|| v.strip_prefix("__Host-repere_kiosk="))
        })
        .and_then(|v| v.split(';').next())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .expect("the kiosk cookie")
}

/// A structure with one account of each role and a kiosk, made with the command
/// line of a running server.
pub struct Org {
    /// Structure id.
    pub id: u64,
    /// Logins: agent, trainer, admin (password [`PASSWORD`]).
    pub agent: String,
    /// Trainer login.
    pub trainer: String,
    /// Admin login.
    pub admin: String,
    /// Device token of the kiosk (paired with its code at creation).
    pub kiosk_token: String,
}

/// Password of every account made by [`Org::create`].
pub const PASSWORD: &str = "mot-de-passe-de-test";

impl Org {
    /// Creates a structure named `name` with its accounts (logins prefixed by `tag`).
    pub fn create(server: &Server, tag: &str, name: &str) -> Org {
        let id: u64 = ok_stdout(&server.cli(&["structure", "add", name], ""))
            .parse()
            .expect("structure id");
        let sid = id.to_string();
        let mut logins = Vec::new();
        for role in ["agent", "trainer", "admin"] {
            let login = format!("{tag}-{role}");
            ok_stdout(&server.cli(
                &[
                    "user",
                    "add",
                    "--structure",
                    &sid,
                    "--role",
                    role,
                    "--login",
                    &login,
                ],
                &format!("{PASSWORD}\n"),
            ));
            logins.push(login);
        }
        let kiosk_code = ok_stdout(&server.cli(
            &["kiosk", "add", "--structure", &sid, "--name", "Borne"],
            "",
        ));
        let kiosk_token = pair_kiosk(&server.base, &kiosk_code);
        Org {
            id,
            agent: logins[0].clone(),
            trainer: logins[1].clone(),
            admin: logins[2].clone(),
            kiosk_token,
        }
    }
}
