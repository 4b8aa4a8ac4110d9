//! Fuzzing on stable Rust for the parsers that take outside input.
//!
//! A target is a proptest strategy and a check: [`run`] draws cases from the
//! strategy for a bounded time (`REPERE_FUZZ_SECONDS`, default 60), in rounds of
//! [`ROUND`] cases, each round seeded from one base seed (`REPERE_FUZZ_SEED`, else
//! drawn and printed), so a failure is replayed with the seed it prints. A check
//! fails on a panic (caught by proptest, the input then shrunk to a small one), on
//! an error it returns, and on a case slower than [`SLOW`].
//!
//! The inputs: structure-aware generators ([`json_mutated`]: valid JSON documents
//! whose nodes are replaced, removed or added; [`lines_mutated`]: text files whose
//! lines are dropped, repeated, swapped or given other values) and byte mutations
//! of valid seeds ([`bytes_mutated`]: bit flips, inserted, deleted and repeated
//! runs, tokens from a dictionary). `cargo xtask fuzz` runs every target; the
//! targets live next to their parsers (the server's unit tests, the end-to-end
//! tests for HTTP bodies), marked `#[ignore]` so that the test suite does not run
//! them.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::Value;

/// Cases per round (one seed each).
pub const ROUND: u32 = 64;
/// A case slower than this fails (a parser should answer within milliseconds).
pub const SLOW: Duration = Duration::from_secs(5);

/// Seconds each target runs: `REPERE_FUZZ_SECONDS`, default 60.
pub fn seconds() -> u64 {
    std::env::var("REPERE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

fn base_seed() -> u64 {
    if let Some(seed) = std::env::var("REPERE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

fn round_rng(seed: u64, round: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&round.to_le_bytes());
    bytes[16..24].copy_from_slice(b"repere-f");
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// What a run did.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// Cases checked.
    pub cases: u64,
    /// The base seed.
    pub seed: u64,
}

/// Runs `check` on cases of `strategy` for [`seconds`]; panics with the shrunk
/// input, the error and the seed to replay it if a case fails.
pub fn run<S>(name: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), String>) -> Report
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let seed = base_seed();
    let deadline = Instant::now() + Duration::from_secs(seconds());
    let mut report = Report { cases: 0, seed };
    // proptest catches the panics; the default hook would print each one while a
    // failing input is shrunk.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut round = 0u64;
    let mut failure = None;
    while Instant::now() < deadline {
        let config = Config {
            cases: ROUND,
            failure_persistence: None,
            max_shrink_time: 120_000,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, round_rng(seed, round));
        let result = runner.run(&strategy, |case| {
            let started = Instant::now();
            let outcome = check(case);
            if started.elapsed() > SLOW {
                return Err(TestCaseError::fail(format!(
                    "slow: {:.1} s for one case",
                    started.elapsed().as_secs_f64()
                )));
            }
            outcome.map_err(TestCaseError::fail)
        });
        if let Err(e) = result {
            failure = Some(format!(
                "fuzz target `{name}` failed: {e}\nreplay with REPERE_FUZZ_SEED={seed} \
                 (round {round})"
            ));
            break;
        }
        report.cases += u64::from(ROUND);
        round += 1;
    }
    std::panic::set_hook(hook);
    if let Some(f) = failure {
        panic!("{f}");
    }
    println!(
        "fuzz target `{name}`: {} cases in {} s, no failure (seed {seed})",
        report.cases,
        seconds()
    );
    report
}

/// One change to a byte string; positions wrap around its length.
#[derive(Clone, Debug)]
pub enum ByteMutation {
    /// Flips one bit.
    Flip(usize, u8),
    /// Sets one byte.
    Set(usize, u8),
    /// Inserts bytes.
    Insert(usize, Vec<u8>),
    /// Deletes a run.
    Delete(usize, usize),
    /// Repeats a run right after itself.
    Repeat(usize, usize, u8),
    /// Inserts a dictionary token.
    Token(usize, usize),
    /// Cuts the end off.
    Truncate(usize),
}

fn at(pos: usize, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        pos % (len + 1)
    }
}

/// Applies `mutations` to `bytes` (tokens from `dictionary`).
pub fn apply_bytes(bytes: &mut Vec<u8>, mutations: &[ByteMutation], dictionary: &[&[u8]]) {
    for m in mutations {
        let len = bytes.len();
        match m {
            ByteMutation::Flip(p, bit) if len > 0 => bytes[p % len] ^= 1 << (bit % 8),
            ByteMutation::Set(p, b) if len > 0 => bytes[p % len] = *b,
            ByteMutation::Insert(p, new) => {
                let p = at(*p, len);
                bytes.splice(p..p, new.iter().copied());
            }
            ByteMutation::Delete(p, n) if len > 0 => {
                let p = p % len;
                let end = (p + n % 64 + 1).min(len);
                bytes.drain(p..end);
            }
            ByteMutation::Repeat(p, n, times) if len > 0 => {
                let p = p % len;
                let end = (p + n % 256 + 1).min(len);
                let run: Vec<u8> = bytes[p..end].to_vec();
                for _ in 0..(times % 8 + 1) {
                    bytes.splice(end..end, run.iter().copied());
                }
            }
            ByteMutation::Token(p, t) if !dictionary.is_empty() => {
                let p = at(*p, len);
                let token = dictionary[t % dictionary.len()];
                bytes.splice(p..p, token.iter().copied());
            }
            ByteMutation::Truncate(p) if len > 0 => bytes.truncate(p % len),
            _ => {}
        }
    }
}

fn byte_mutation() -> impl Strategy<Value = ByteMutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| ByteMutation::Flip(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| ByteMutation::Set(p, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(p, b)| ByteMutation::Insert(p, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, n)| ByteMutation::Delete(p, n)),
        (any::<usize>(), any::<usize>(), any::<u8>())
            .prop_map(|(p, n, t)| ByteMutation::Repeat(p, n, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, t)| ByteMutation::Token(p, t)),
        any::<usize>().prop_map(ByteMutation::Truncate),
    ]
}

/// Tokens worth inserting into JSON, TOML and CSV: delimiters, escapes, numbers at
/// the edges of their types, odd Unicode.
pub const DICTIONARY: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[[",
    b"]]",
    b",",
    b";",
    b":",
    b"=",
    b"\n",
    b"\r\n",
    b"#",
    b"'''",
    b"\"\"\"",
    b"null",
    b"true",
    b"-0",
    b"-1",
    b"0x7f",
    b"1e308",
    b"1e999",
    b"-1e999",
    b"nan",
    b"inf",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"4294967296",
    b"0.1e-400",
    b"1979-05-27T07:32:00Z",
    "é".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{202e}".as_bytes(),
    b"\xff\xfe",
    b"\xc3",
];

/// Byte mutations of one of `seeds` (1 to 8 changes).
pub fn bytes_mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len().max(1);
    (0..n, prop::collection::vec(byte_mutation(), 1..8)).prop_map(move |(i, ms)| {
        let mut bytes = seeds.get(i).cloned().unwrap_or_default();
        apply_bytes(&mut bytes, &ms, DICTIONARY);
        bytes
    })
}

/// A JSON value of any shape (small, nested up to 4 levels).
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(i64::MAX),
            Just(i64::MIN)
        ]
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[a-z._-]{1,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// One change to a JSON document; a node is picked by its number in a walk of the
/// document (wrapping around).
#[derive(Clone, Debug)]
pub enum JsonMutation {
    /// Replaces a node.
    Replace(usize, Value),
    /// Removes a node (a key of an object, an element of an array).
    Remove(usize),
    /// Adds a key to an object (or an element to an array).
    Add(usize, String, Value),
    /// Repeats an array's elements.
    Grow(usize, u8),
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// The `n`th node of a walk (0 is `v` itself).
fn node_mut(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => return None,
    };
    for child in children {
        let c = count(child);
        if n < c {
            return node_mut(child, n);
        }
        n -= c;
    }
    None
}

/// Applies `mutations` to `doc`.
pub fn apply_json(doc: &mut Value, mutations: &[JsonMutation]) {
    for m in mutations {
        let total = count(doc);
        match m {
            JsonMutation::Replace(n, new) => {
                if let Some(node) = node_mut(doc, n % total) {
                    *node = new.clone();
                }
            }
            JsonMutation::Remove(n) => {
                if let Some(node) = node_mut(doc, n % total) {
                    match node {
                        Value::Object(o) if !o.is_empty() => {
                            let key = o.keys().nth(n % o.len()).cloned().unwrap_or_default();
                            o.remove(&key);
                        }
                        Value::Array(a) if !a.is_empty() => {
                            a.remove(n % a.len());
                        }
                        _ => {}
                    }
                }
            }
            JsonMutation::Add(n, key, value) => {
                if let Some(node) = node_mut(doc, n % total) {
                    match node {
                        Value::Object(o) => {
                            o.insert(key.clone(), value.clone());
                        }
                        Value::Array(a) => a.push(value.clone()),
                        _ => {}
                    }
                }
            }
            JsonMutation::Grow(n, times) => {
                if let Some(Value::Array(a)) = node_mut(doc, n % total) {
                    let copy = a.clone();
                    for _ in 0..(times % 4 + 1) {
                        a.extend(copy.iter().cloned());
                    }
                }
            }
        }
    }
}

fn json_mutation(keys: &'static [&'static str]) -> impl Strategy<Value = JsonMutation> {
    let key = prop_oneof![
        (0..keys.len().max(1)).prop_map(move |i| keys.get(i).copied().unwrap_or("x").to_string()),
        "[a-z_]{1,12}",
    ];
    prop_oneof![
        (any::<usize>(), any_json()).prop_map(|(n, v)| JsonMutation::Replace(n, v)),
        any::<usize>().prop_map(JsonMutation::Remove),
        (any::<usize>(), key, any_json()).prop_map(|(n, k, v)| JsonMutation::Add(n, k, v)),
        (any::<usize>(), any::<u8>()).prop_map(|(n, t)| JsonMutation::Grow(n, t)),
    ]
}

/// Structure-aware changes (1 to 6) to one of the valid JSON documents `seeds`;
/// added keys are taken from `keys` (the fields the parser knows) or made up.
pub fn json_mutated(
    seeds: Vec<Value>,
    keys: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let n = seeds.len().max(1);
    (0..n, prop::collection::vec(json_mutation(keys), 1..6)).prop_map(move |(i, ms)| {
        let mut doc = seeds.get(i).cloned().unwrap_or(Value::Null);
        apply_json(&mut doc, &ms);
        doc
    })
}

/// One change to a text file, line by line; line numbers wrap around.
#[derive(Clone, Debug)]
pub enum LineMutation {
    /// Drops a line.
    Drop(usize),
    /// Repeats a line.
    Repeat(usize),
    /// Swaps two lines.
    Swap(usize, usize),
    /// Replaces what follows the first `=`, `:`, `;` or `,` of a line.
    Value(usize, String),
    /// Copies a line of another seed in.
    Splice(usize, usize, usize),
}

/// Applies `mutations` to the lines of `text`; `others` are the seeds to splice from.
pub fn apply_lines(text: &str, mutations: &[LineMutation], others: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        let len = lines.len();
        if len == 0 {
            break;
        }
        match m {
            LineMutation::Drop(i) => {
                lines.remove(i % len);
            }
            LineMutation::Repeat(i) => {
                let l = lines[i % len].clone();
                lines.insert(i % len, l);
            }
            LineMutation::Swap(i, j) => lines.swap(i % len, j % len),
            LineMutation::Value(i, v) => {
                let l = &mut lines[i % len];
                if let Some(p) = l.find(['=', ':', ';', ',']) {
                    l.truncate(p + 1);
                    l.push_str(v);
                }
            }
            LineMutation::Splice(i, seed, j) => {
                if let Some(other) = others.get(seed % others.len().max(1)) {
                    let olines: Vec<&str> = other.lines().collect();
                    if !olines.is_empty() {
                        lines.insert(i % len, olines[j % olines.len()].to_string());
                    }
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Values worth putting after `=` in TOML or in a CSV field.
fn line_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" \"\"".to_string()),
        Just(" []".to_string()),
        Just(" {}".to_string()),
        Just(" [[]]".to_string()),
        Just(" -1".to_string()),
        Just(" 0".to_string()),
        Just(" 1e308".to_string()),
        Just(" nan".to_string()),
        Just(" inf".to_string()),
        Just(" 18446744073709551616".to_string()),
        Just(" 9223372036854775807".to_string()),
        Just(" true".to_string()),
        Just(" \"x\"".to_string()),
        Just(" 1979-05-27".to_string()),
        Just(" \"\u{202e}é\u{0}\"".to_string()),
        ".{0,20}",
        "[ -~]{0,30}",
    ]
}

fn line_mutation(seeds: usize) -> impl Strategy<Value = LineMutation> {
    prop_oneof![
        any::<usize>().prop_map(LineMutation::Drop),
        any::<usize>().prop_map(LineMutation::Repeat),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| LineMutation::Swap(i, j)),
        (any::<usize>(), line_value()).prop_map(|(i, v)| LineMutation::Value(i, v)),
        (any::<usize>(), 0..seeds.max(1), any::<usize>())
            .prop_map(|(i, s, j)| LineMutation::Splice(i, s, j)),
    ]
}

/// Line-level changes (1 to 6) to one of the text files `seeds`: `(index of the
/// seed, new text)`.
pub fn lines_mutated(seeds: Vec<String>) -> impl Strategy<Value = (usize, String)> {
    let n = seeds.len().max(1);
    (0..n, prop::collection::vec(line_mutation(n), 1..6)).prop_map(move |(i, ms)| {
        let text = seeds.get(i).cloned().unwrap_or_default();
        (i, apply_lines(&text, &ms, &seeds))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_what_they_say() {
        let mut b = b"abcdef".to_vec();
        apply_bytes(
            &mut b,
            &[
                ByteMutation::Set(0, b'X'),
                // Position 7 wraps to 1; a run of 1 + 0 bytes.
                ByteMutation::Delete(7, 0),
                ByteMutation::Token(3, 0),
            ],
            &[b"--"],
        );
        assert_eq!(b, b"Xcd--ef");
        let mut doc = serde_json::json!({"a": [1, 2], "b": {"c": true}});
        // Nodes in walk order: root, a, 1, 2, b, c.
        apply_json(
            &mut doc,
            &[
                JsonMutation::Replace(3, Value::from("x")),
                JsonMutation::Add(4, "d".into(), Value::Null),
            ],
        );
        assert_eq!(
            doc,
            serde_json::json!({"a": [1, "x"], "b": {"c": true, "d": null}})
        );
        let text = apply_lines(
            "a = 1\nb = 2\n",
            &[
                LineMutation::Value(1, " 9".into()),
                LineMutation::Swap(0, 1),
            ],
            &[],
        );
        assert_eq!(text, "b = 9\na = 1\n");
    }

    #[test]
    fn a_run_reports_a_panic_with_its_seed() {
        std::env::set_var("REPERE_FUZZ_SECONDS", "2");
        let failed = std::panic::catch_unwind(|| {
            run("demo", 0u32..1000, |n| {
                if n >= 500 {
                    panic!("too big");
                }
                Ok(())
            })
        });
        let message = failed
            .err()
            .and_then(|p| p.downcast_ref::<String>().cloned())
            .expect("the run fails");
        assert!(message.contains("REPERE_FUZZ_SEED="), "{message}");
        assert!(message.contains("too big"), "{message}");
        let ok = run("fine", 0u32..10, |_| Ok(()));
        assert!(ok.cases >= u64::from(ROUND));
    }
}
