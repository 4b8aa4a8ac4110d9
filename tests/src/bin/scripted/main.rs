//! `repere-scripted`: the native half of the scripted person of the browser tests
//! (`tests/browser/scripted.test.mjs`). It prints JSON on stdout, built from the
//! embedded bank and the real assessment (the code the app and the server run):
//!
//! - `bank`: the live items (id and type), the item types with their counts, the
//!   domains, the levels and the context questions;
//! - `item ID`: the item, its right response, a wrong one and, for a stepped
//!   simulation, one response per number of steps achieved, each with its score;
//! - `person --theta T --seed S [--mode self|kiosk|agent] [--context q:a,…]`: the
//!   test a person of ability T takes with session seed S, answering each item
//!   right with probability P(T) (seeded draws, see `person.rs`): the items in
//!   order with the responses, the log and the outcome;
//! - `cover [--thetas a,b,…] [--seeds N] [--mode …] [--context …]`: as few such
//!   persons as a greedy search finds whose tests together meet every item type
//!   of the bank;
//! - `assess`: reads an answer log (JSON) on stdin and prints the outcome the
//!   assessment computes from it (what the server stores);
//! - `spoken [--countdown N]`: what the app says (`app/src/spoken.rs`, compiled
//!   in here as in `xtask`, which records it) with this bank's rules: the
//!   welcome screen (outside and in kiosk mode), the test's length it gives and,
//!   with `--countdown`, the idle question with N seconds left.
//!
//! Bad arguments or input: a message on stderr and exit code 2.

use std::io::{Read, Write};
use std::process::ExitCode;

use repere_items::assessment::{AnswerLog, ContextAnswer, Mode};
use serde_json::json;

mod person;

/// The app's own spoken texts (a file of text only, shared with the app and
/// `xtask`); only some of them are printed here.
#[allow(dead_code)]
#[path = "../../../../app/src/spoken.rs"]
mod app_spoken;

/// The server's default retention of results, in days (what the browser tests'
/// servers run with).
const RETENTION_DAYS: u32 = 365;

const USAGE: &str = "usage: repere-scripted bank | item ID | person --theta T --seed S [--mode M] [--context q:a,...] | cover [--thetas a,b,...] [--seeds N] [--mode M] [--context q:a,...] | assess < log.json | spoken [--countdown N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match command(&args) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{out}").and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("repere-scripted: cannot write stdout: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("repere-scripted: {e}");
            ExitCode::from(2)
        }
    }
}

/// Options after the subcommand, as `--name value` pairs.
struct Options<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Options<'a> {
    fn parse(args: &'a [String], known: &[&str]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(name) = it.next() {
            if !known.contains(&name.as_str()) {
                return Err(format!("unknown argument `{name}`\n{USAGE}"));
            }
            let value = it.next().ok_or_else(|| format!("`{name}` needs a value"))?;
            pairs.push((name.as_str(), value.as_str()));
        }
        Ok(Options { pairs })
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.get(name)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|_| format!("`{name}`: `{v}` is not a number"))
            })
            .transpose()
    }

    fn mode(&self) -> Result<Mode, String> {
        match self.get("--mode").unwrap_or("self") {
            "self" => Ok(Mode::SelfTest),
            "kiosk" => Ok(Mode::Kiosk),
            "agent" => Ok(Mode::Agent),
            other => Err(format!("`--mode`: `{other}` is not self, kiosk or agent")),
        }
    }

    fn context(&self) -> Result<Vec<ContextAnswer>, String> {
        let Some(list) = self.get("--context") else {
            return Ok(Vec::new());
        };
        let answers = list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|pair| {
                pair.split_once(':')
                    .map(|(q, a)| ContextAnswer {
                        question: q.to_string(),
                        answer: a.to_string(),
                    })
                    .ok_or_else(|| format!("`--context`: `{pair}` is not question:answer"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        repere_e2e::assessor()
            .check_context(&answers)
            .map_err(|e| format!("`--context`: {e}"))?;
        Ok(answers)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| format!("cannot write JSON: {e}"))
}

fn command(args: &[String]) -> Result<String, String> {
    let assessor = repere_e2e::assessor();
    let bank = assessor.bank();
    let Some((sub, rest)) = args.split_first() else {
        return Err(USAGE.to_string());
    };
    match sub.as_str() {
        "bank" => {
            Options::parse(rest, &[])?;
            let types: serde_json::Map<String, serde_json::Value> = person::bank_types(assessor)
                .into_iter()
                .map(|(t, n)| (t.name().to_string(), json!(n)))
                .collect();
            let domains: Vec<_> = bank
                .referentiel
                .domains
                .iter()
                .map(|d| json!({ "id": d.id, "label": d.label }))
                .collect();
            let levels: Vec<_> = assessor
                .profile_config()
                .levels
                .iter()
                .map(|l| json!({ "id": l.id, "label": l.label }))
                .collect();
            let items: Vec<_> = bank
                .live_items()
                .map(|i| json!({ "id": i.id, "type": i.item_type() }))
                .collect();
            to_json(&json!({
                "referentiel": { "id": bank.id(), "version": bank.version() },
                "items": items,
                "types": types,
                "domains": domains,
                "levels": levels,
                "context": bank.context.questions,
            }))
        }
        "item" => {
            let (id, rest) = rest
                .split_first()
                .ok_or_else(|| format!("`item` needs an item id\n{USAGE}"))?;
            Options::parse(rest, &[])?;
            let item = bank
                .item(id)
                .ok_or_else(|| format!("unknown item `{id}`"))?;
            let r = repere_items::respond::responses(item).map_err(|e| e.to_string())?;
            to_json(&json!({
                "item": item,
                "max_score": item.max_score(),
                "right": r.right,
                "wrong": r.wrong,
                "partial": r.partial,
            }))
        }
        "person" => {
            let o = Options::parse(rest, &["--theta", "--seed", "--mode", "--context"])?;
            let theta: f64 = o.number("--theta")?.ok_or("`person` needs `--theta`")?;
            let seed: u64 = o.number("--seed")?.ok_or("`person` needs `--seed`")?;
            if !theta.is_finite() {
                return Err(format!("`--theta`: {theta} is not finite"));
            }
            let p = person::Person {
                theta,
                seed,
                mode: o.mode()?,
                context: o.context()?,
            };
            let run = person::run(assessor, &p, &mut person::Cache::default())?;
            to_json(&run)
        }
        "cover" => {
            let o = Options::parse(rest, &["--thetas", "--seeds", "--mode", "--context"])?;
            let thetas: Vec<f64> = match o.get("--thetas") {
                Some(list) => list
                    .split(',')
                    .map(|t| {
                        t.parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite())
                            .ok_or_else(|| format!("`--thetas`: `{t}` is not a number"))
                    })
                    .collect::<Result<_, _>>()?,
                None => vec![-1.0, 0.0, 1.0, 2.0],
            };
            let seeds: u64 = o.number("--seeds")?.unwrap_or(50);
            if thetas.is_empty() || seeds == 0 {
                return Err("`cover` needs at least one θ and one seed".into());
            }
            let persons = person::cover(assessor, &thetas, seeds, o.mode()?, &o.context()?)?;
            to_json(&json!({ "persons": persons }))
        }
        "assess" => {
            Options::parse(rest, &[])?;
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            let log: AnswerLog = serde_json::from_str(&input)
                .map_err(|e| format!("stdin: line {} column {}: {e}", e.line(), e.column()))?;
            let outcome = assessor.assess(&log).map_err(|e| format!("assess: {e}"))?;
            to_json(&outcome)
        }
        "spoken" => {
            let o = Options::parse(rest, &["--countdown"])?;
            let countdown: Option<u32> = o.number("--countdown")?;
            let length = bank
                .referentiel
                .test_length()
                .ok_or("the référentiel has no [session] rules")?;
            let items = (length.min_items, length.max_items);
            to_json(&json!({
                "length": { "items": [items.0, items.1], "minutes": length.max_minutes },
                // On a person's own device and on a kiosk, with the server's
                // default retention (12 months: `repere serve --retention-days`).
                "welcome": app_spoken::welcome(
                    app_spoken::Device::Own,
                    Some(RETENTION_DAYS),
                    items,
                    length.max_minutes,
                ),
                "welcome_kiosk": app_spoken::welcome(
                    app_spoken::Device::Kiosk,
                    Some(RETENTION_DAYS),
                    items,
                    length.max_minutes,
                ),
                "idle": countdown.map(app_spoken::idle),
            }))
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}
