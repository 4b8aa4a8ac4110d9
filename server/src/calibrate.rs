//! `repere calibrate`: item parameters estimated from collected answers.
//!
//! ```text
//! repere calibrate (ANSWERS.csv | --data DIR) [--bank items/data]
//!                  [--pictures assets/pictures] [--model rasch|2pl|3pl]
//!                  [--anchor ID,ID…] [--anchor-calibrated] [--latent MEAN,SD]
//!                  [--min-answers 100] [--shift-experts]
//!                  [--quadrature 61] [--strict] [--skip-as-missing]
//!                  [--write] [--date YYYY-MM-DD] [--note TEXT]
//! ```
//!
//! **Input: a CSV file** with a header naming the columns `person`, `item` and
//! `score` (any order, other columns ignored), separated by `;` or `,` (the header
//! decides), UTF-8 with or without a byte-order mark. `person` is any identifier
//! (one person = one test), `item` a bank item id, `score` the score obtained
//! (0/1, or 0..k for an item scored in k steps). A malformed line stops the command
//! with `file:line: message` and exit code 2 (wrong number of fields, a score that is
//! not a whole number or is above the item's highest score, the same person answering
//! an item twice). Answers to item ids the bank does not know are skipped and counted
//! in the report (with `--strict`, they are an error, exit 2).
//!
//! **Input: the server's store** (`--data DIR`, the folder `repere serve --data`
//! uses). Every stored test is one person; each logged response is scored again
//! with the bank given by `--bank`, by the items crate's scoring (the function the
//! server scores with), so the data follow the bank's current answer keys. A
//! "Je passe" scores 0, as in the test itself (`--skip-as-missing`: no answer
//! instead). Unknown item ids and responses the bank's item cannot score (the item
//! changed type) are skipped and counted (`--strict`: exit 2); a second answer to
//! the same item in one log is skipped and counted. The store is only read, through
//! the `Store` trait's `scan_sessions`: every stored answer log, whoever sent it (an
//! agent, a kiosk, an anonymous browser) and whether or not it belongs to a
//! structure; persons are taken in order of reception. Logs that cannot be decoded
//! are counted and reported, and the scan goes on. sled lets one process open a store: if
//! `repere serve` holds it, the command stops (exit 1) and says to copy the store
//! with `repere backup COPY --data DIR` (which works while the server runs) and to
//! calibrate on the copy.
//!
//! **Models.** Each item keeps the kind of model the bank gives it: dichotomous items
//! (2PL/3PL/4PL in the bank) are fitted as 2PL, or as `--model rasch|3pl`; items
//! scored in steps (`gpcm`) as GPCM. GRM items are not calibrated (listed, left as
//! they are). The bank's current parameters are the starting values and the "old"
//! column of the report.
//!
//! **Scale.** Without anchors the latent distribution is N(0, 1); `--latent
//! MEAN,SD` puts the result on the scale where the persons are N(MEAN, SD²) (the
//! fit is made at N(0, 1), then every estimated parameter moves by θ = SD·θ₀ +
//! MEAN: `a/SD`, `SD·b + MEAN`; the model is invariant, only the scale moves). Use
//! it when the population's place on the bank's scale is known (the référentiel's
//! start prior, N(−1, 1)): a change common to every item (all harder by 0.5) cannot
//! be told from a change of the population by the data alone, so a free N(0, 1)
//! calibration, or a mean/sigma link to the old parameters, would put it back on the
//! persons. `--anchor ID,…`
//! holds the listed items at their bank parameters (bitwise) and estimates the latent
//! mean and SD, so the new parameters are on the bank's existing scale;
//! `--anchor-calibrated` anchors every item whose provenance is already `calibrated`
//! (re-estimating only expert-rated and new items). Items with fewer than
//! `--min-answers` answers (default 100), with no variation, or with a step nobody
//! reached, are left as they are and listed. With `--shift-experts`, those left
//! (or refused) whose provenance is still `expert` move by the mean change of the
//! locations of the items estimated (mean/mean linking of the experts' scale to
//! the calibrated one: when the experts rated every item 0.5 too easy, the items
//! too rarely shown to be estimated are 0.5 too easy as well); they keep `expert`
//! as provenance, with a note giving the shift. At least 20 items must be
//! estimated.
//!
//! **Report.** Per item: n, old and new parameters, standard errors, infit/outfit,
//! S-X² p (complete designs) and PX² p (any design), flags. See `engine/README.md`,
//! "Calibration", for the statistics.
//!
//! **Degenerate estimates** are refused (status `refused`, listed with the reason)
//! and never written: no standard error, SE(b) > 0.5, |b| > 4 or a < 0.3 (for a
//! GPCM item, any step). Sparse data can drive an item to a = 0.06, b = 14: such
//! values would wreck every test that shows it. When no item is estimated and
//! accepted, the command says so and exits 1 (with or without `--write`).
//!
//! **Writing.** Only with `--write`: the `[item.irt]` tables of the estimated items
//! are edited in place (other text, comments and order preserved, via `toml_edit`):
//! model, parameters rounded to 3 decimals, and
//! `provenance = { kind = "calibrated", n = N, date = "YYYY-MM-DD", note = "…" }`.
//! The edited bank is validated in memory like `repere items check` before any file
//! is replaced; if it is invalid nothing is written (exit 1). Each file is replaced
//! atomically (written beside it, then renamed).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use repere_engine::calibrate::link::Linking;
use repere_engine::calibrate::{
    calibrate, Answer, Calibration, Config, Flag, ItemModel, ItemResult, ItemSetup, ItemStatus,
    LeftReason, Quadrature, Responses,
};
use repere_engine::irt::Item;
use repere_items::{Bank, Model, ProvenanceKind, Response};

use crate::local::{ServerFile, SERVER_FILE};
use crate::records::Source;
use crate::store::sled_store::SledStore;
use crate::store::{Store, StoreError};
use crate::CliError;

/// Dichotomous model to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DichotomousModel {
    /// Rasch: a = 1 for every dichotomous item, latent SD estimated.
    Rasch,
    /// Two-parameter logistic (default).
    #[value(name = "2pl")]
    TwoPl,
    /// Three-parameter logistic with a Beta(5, 17) prior on c.
    #[value(name = "3pl")]
    ThreePl,
}

/// Arguments of `repere calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// CSV of answers with a header `person;item;score` (or commas).
    #[arg(required_unless_present = "data", conflicts_with = "data")]
    pub answers: Option<PathBuf>,
    /// Read the answers from the server's store in DIR instead (each logged response
    /// scored again with the bank).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// With `--data`: a "Je passe" is no answer (default: scored 0, as in the test).
    #[arg(long, requires = "data")]
    pub skip_as_missing: bool,
    /// Data folder holding referentiel.toml, context.toml and bank/.
    #[arg(long, default_value = "items/data")]
    pub bank: PathBuf,
    /// Pictures folder, for the validation of the edited bank.
    #[arg(long, default_value = "assets/pictures")]
    pub pictures: PathBuf,
    /// Model of the dichotomous items.
    #[arg(long, value_enum, default_value = "2pl")]
    pub model: DichotomousModel,
    /// Items held at their bank parameters (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub anchor: Vec<String>,
    /// Anchor every item whose provenance is already `calibrated`.
    #[arg(long)]
    pub anchor_calibrated: bool,
    /// The persons' distribution on the bank's scale, `MEAN,SD` (e.g. `-1,1`, the
    /// référentiel's start prior): the new parameters are put on the scale where the
    /// persons are N(MEAN, SD²) instead of N(0, 1). Not with anchors (they fix the
    /// scale themselves).
    #[arg(long, value_name = "MEAN,SD", allow_hyphen_values = true,
          conflicts_with_all = ["anchor", "anchor_calibrated"])]
    pub latent: Option<String>,
    /// Items with fewer answers are left as they are.
    #[arg(long, default_value_t = 100)]
    pub min_answers: usize,
    /// Items the data could not estimate (too few answers, or refused) whose
    /// parameters are still the experts' move by the mean change of the locations
    /// of the items estimated (the experts' scale put on the calibrated one,
    /// mean/mean), so that the bank stays on one scale; they keep `expert` as
    /// provenance, with a note.
    #[arg(long)]
    pub shift_experts: bool,
    /// Number of quadrature points (rectangular on ±6).
    #[arg(long, default_value_t = 61)]
    pub quadrature: usize,
    /// Unknown item ids are an error (exit 2) instead of being skipped.
    #[arg(long)]
    pub strict: bool,
    /// Write the new parameters into the bank files.
    #[arg(long)]
    pub write: bool,
    /// Date recorded in the provenance (default: today, Paris time).
    #[arg(long)]
    pub date: Option<String>,
    /// Note recorded in the provenance.
    #[arg(long)]
    pub note: Option<String>,
}

/// The answers read (from a CSV or the store), with item indices into the bank's
/// item list.
pub(crate) struct Csv {
    answers: Vec<Answer>,
    persons: usize,
    unknown: BTreeMap<String, usize>,
    /// Where they come from (file or store folder), for the report and the note.
    source: String,
    /// Further lines for the report (what the store reader skipped or could not read).
    notes: Vec<String>,
}

fn input(m: String) -> CliError {
    CliError::Input(m)
}

/// Reads and checks the CSV; `file:line: message` errors.
fn read_csv(path: &Path, bank: &Bank, strict: bool) -> Result<Csv, CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| input(format!("{name}: cannot read: {e}")))?;
    parse_csv(name, bytes, bank, strict)
}

/// Checks the CSV `bytes` of the file `name`; `name:line: message` errors.
pub(crate) fn parse_csv(
    name: String,
    bytes: Vec<u8>,
    bank: &Bank,
    strict: bool,
) -> Result<Csv, CliError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        input(format!("{name}:{line}: not UTF-8 text"))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let (hline, header) = loop {
        match lines.next() {
            Some((_, l)) if l.trim().is_empty() => continue,
            Some(h) => break h,
            None => {
                return Err(input(format!(
                    "{name}: empty file (expected a header `person;item;score`)"
                )))
            }
        }
    };
    let sep = if header.contains(';') { ';' } else { ',' };
    let cols: Vec<String> = header
        .split(sep)
        .map(|c| c.trim().trim_matches('"').to_lowercase())
        .collect();
    let find = |n: &str| cols.iter().position(|c| c == n);
    let (Some(cp), Some(ci), Some(cs)) = (find("person"), find("item"), find("score")) else {
        return Err(input(format!(
            "{name}:{hline}: the header must name the columns `person`, `item` and `score` (got `{header}`)"
        )));
    };
    let index: HashMap<&str, usize> = bank
        .items()
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut persons: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    let mut answers = Vec::new();
    let mut unknown = BTreeMap::new();
    for (line, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = l.split(sep).map(|f| f.trim().trim_matches('"')).collect();
        if fields.len() != cols.len() {
            return Err(input(format!(
                "{name}:{line}: expected {} fields separated by `{sep}`, found {}",
                cols.len(),
                fields.len()
            )));
        }
        let (person, item, score) = (fields[cp], fields[ci], fields[cs]);
        if person.is_empty() {
            return Err(input(format!("{name}:{line}: empty person")));
        }
        let score: usize = score.parse().map_err(|_| {
            input(format!(
                "{name}:{line}: score `{score}` is not a whole number >= 0"
            ))
        })?;
        let Some(&j) = index.get(item) else {
            if strict {
                return Err(input(format!("{name}:{line}: unknown item `{item}`")));
            }
            *unknown.entry(item.to_string()).or_insert(0) += 1;
            continue;
        };
        let max = bank.items()[j].max_score();
        if score > max {
            return Err(input(format!(
                "{name}:{line}: score {score} is above the highest score of `{item}` ({max})"
            )));
        }
        let next = persons.len();
        let p = *persons.entry(person.to_string()).or_insert(next);
        if let Some(first) = seen.insert((p, j), line) {
            return Err(input(format!(
                "{name}:{line}: person `{person}` already answered `{item}` (line {first})"
            )));
        }
        answers.push(Answer {
            person: p,
            item: j,
            score,
        });
    }
    Ok(Csv {
        answers,
        persons: persons.len(),
        unknown,
        source: name,
        notes: Vec::new(),
    })
}

/// Reads every stored test of the store in `dir` (see the module documentation).
fn read_store(
    dir: &Path,
    bank: &Bank,
    strict: bool,
    skip_as_missing: bool,
) -> Result<Csv, CliError> {
    let name = dir.display().to_string();
    if !dir.is_dir() {
        return Err(input(format!("--data {name}: no such folder")));
    }
    // Opening creates a store where there is none: refuse a folder without one.
    if !crate::store::files::has_store(dir) {
        return Err(input(format!(
            "--data {name}: no Repère store in this folder (no sled database)"
        )));
    }
    let store = match SledStore::open(dir) {
        Ok(store) => store,
        Err(StoreError::Locked(_)) => {
            let holder = std::fs::read_to_string(dir.join(SERVER_FILE))
                .ok()
                .and_then(|t| serde_json::from_str::<ServerFile>(&t).ok())
                .map_or("another process".to_string(), |f| {
                    format!("a running `repere serve` (pid {})", f.pid)
                });
            return Err(CliError::Other(format!(
                "the store in {name} is in use by {holder}: sled lets only one process open it. \
                 Stop the server, or copy the store while it runs with \
                 `repere backup COPY --data {name}` and calibrate on the copy: \
                 `repere calibrate --data COPY`"
            )));
        }
        Err(e) => return Err(CliError::Other(format!("--data {name}: {e}"))),
    };
    let store_error = |e: StoreError| CliError::Other(format!("--data {name}: {e}"));
    // Every stored log, kept as (reception time, id, answers) and put in order of
    // reception (then id) so that persons are numbered deterministically.
    let mut logs: Vec<(i64, String, Vec<repere_items::assessment::LoggedAnswer>)> = Vec::new();
    let (mut at_counter, mut at_kiosk, mut anonymous) = (0usize, 0usize, 0usize);
    let report = store
        .scan_sessions(&mut |s| {
            match s.source {
                Source::Agent { .. } => at_counter += 1,
                Source::Kiosk { .. } => at_kiosk += 1,
                Source::Anonymous => anonymous += 1,
            }
            logs.push((s.received_at, s.id, s.submission.answers));
        })
        .map_err(store_error)?;
    drop(store);
    logs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let corrupt = report.corrupt.len();
    let index: HashMap<&str, usize> = bank
        .items()
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut answers = Vec::new();
    let mut unknown = BTreeMap::new();
    let mut unscorable: BTreeMap<String, usize> = BTreeMap::new();
    let (mut persons, mut skips, mut repeats) = (0usize, 0usize, 0usize);
    let mut seen: Vec<usize> = Vec::new();
    for (_, id, log_answers) in &logs {
        let p = persons;
        persons += 1;
        seen.clear();
        for a in log_answers {
            let Some(&j) = index.get(a.item.as_str()) else {
                if strict {
                    return Err(input(format!(
                        "--data {name}: result {id}: unknown item `{}`",
                        a.item
                    )));
                }
                *unknown.entry(a.item.clone()).or_insert(0) += 1;
                continue;
            };
            if a.response == Response::Skip {
                skips += 1;
                if skip_as_missing {
                    continue;
                }
            }
            let score = match repere_items::score(&bank.items()[j], &a.response) {
                Ok(score) => score,
                Err(e) => {
                    if strict {
                        return Err(input(format!("--data {name}: result {id}: {e}")));
                    }
                    *unscorable.entry(a.item.clone()).or_insert(0) += 1;
                    continue;
                }
            };
            if seen.contains(&j) {
                repeats += 1;
                continue;
            }
            seen.push(j);
            answers.push(Answer {
                person: p,
                item: j,
                score,
            });
        }
    }
    let mut notes = vec![format!(
        "store: {persons} test(s) read ({at_counter} at a counter, {at_kiosk} at a kiosk, \
         {anonymous} anonymous), {} answer(s) kept; \"Je passe\": {skips} ({})",
        answers.len(),
        if skip_as_missing {
            "taken as no answer"
        } else {
            "scored 0"
        }
    )];
    if !unscorable.is_empty() {
        let n: usize = unscorable.values().sum();
        let ids: Vec<&str> = unscorable.keys().map(String::as_str).take(10).collect();
        notes.push(format!(
            "skipped {n} response(s) the bank's item cannot score (the item changed?): {}",
            ids.join(", ")
        ));
    }
    if repeats > 0 {
        notes.push(format!(
            "skipped {repeats} repeated answer(s) to an item within one test"
        ));
    }
    if corrupt > 0 {
        notes.push(format!(
            "skipped {corrupt} stored log(s) that could not be decoded (left in the store): {}",
            report
                .corrupt
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    Ok(Csv {
        answers,
        persons,
        unknown,
        source: format!("store {name}"),
        notes,
    })
}

fn today() -> String {
    let (y, m, d) = crate::clock::local_date(
        crate::clock::Clock::system().now_ms(),
        &crate::clock::default_tz(),
    );
    format!("{y:04}-{m:02}-{d:02}")
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Runs `repere calibrate`.
pub fn run(args: CalibrateArgs) -> Result<(), CliError> {
    if !args.bank.is_dir() {
        return Err(input(format!(
            "bank folder `{}` not found (pass it with `--bank DIR`)",
            args.bank.display()
        )));
    }
    let date = args.date.clone().unwrap_or_else(today);
    if !valid_date(&date) {
        return Err(input(format!("--date must be YYYY-MM-DD (got `{date}`)")));
    }
    // A bank calibrated before may miss its `[bank]` targets (see `write_bank`):
    // it can be calibrated again; any other problem must be fixed first.
    let sources =
        repere_items::read_sources(&args.bank).map_err(|e| CliError::Other(e.to_string()))?;
    let bank = match repere_items::build_calibrated(&sources, None) {
        Ok((bank, _)) => bank,
        Err(p) => {
            return Err(CliError::Other(format!(
                "the bank in `{}` is invalid ({} problem(s)); run `repere items check` first",
                args.bank.display(),
                p.len()
            )))
        }
    };
    for id in &args.anchor {
        if bank.item(id).is_none() {
            return Err(input(format!("--anchor: unknown item `{id}`")));
        }
    }
    let latent = args.latent.as_deref().map(parse_latent).transpose()?;
    let csv = match (&args.answers, &args.data) {
        (Some(path), None) => read_csv(path, &bank, args.strict)?,
        (None, Some(dir)) => read_store(dir, &bank, args.strict, args.skip_as_missing)?,
        _ => {
            return Err(input(
                "give either a CSV file of answers or `--data DIR` (the server's store)".into(),
            ))
        }
    };
    let items = bank.items();
    let dich = match args.model {
        DichotomousModel::Rasch => ItemModel::Rasch,
        DichotomousModel::TwoPl => ItemModel::TwoPl,
        DichotomousModel::ThreePl => ItemModel::ThreePl,
    };
    // GRM items are not calibrated: their answers are dropped from the fit.
    let grm: Vec<bool> = items.iter().map(|it| it.irt.model == Model::Grm).collect();
    let answers: Vec<Answer> = csv
        .answers
        .iter()
        .copied()
        .filter(|a| !grm[a.item])
        .collect();
    let setups: Vec<ItemSetup> = items
        .iter()
        .map(|it| {
            let engine = it.engine_item().clone();
            let anchored = args.anchor.contains(&it.id)
                || (args.anchor_calibrated && it.irt.provenance.kind == ProvenanceKind::Calibrated);
            if anchored {
                return ItemSetup::anchor(engine);
            }
            let model = match it.irt.model {
                Model::Gpcm | Model::Grm => ItemModel::Gpcm {
                    steps: it.max_score(),
                },
                _ => dich,
            };
            // Start from the bank's values when they fit the model (a 4PL does not).
            let start_ok = match (&engine, model) {
                (Item::Logistic(l), ItemModel::Rasch | ItemModel::TwoPl | ItemModel::ThreePl) => {
                    l.d == 1.0
                }
                (Item::Gpcm(_), ItemModel::Gpcm { .. }) => true,
                _ => false,
            };
            if start_ok {
                ItemSetup::with_start(model, engine)
            } else {
                ItemSetup::free(model)
            }
        })
        .collect();
    let data = Responses::new(csv.persons, items.len(), answers)
        .map_err(|e| CliError::Other(e.to_string()))?;
    let config = Config {
        quadrature: Quadrature::Rectangular {
            points: args.quadrature,
            bound: 6.0,
        },
        min_responses: args.min_answers,
        ..Config::default()
    };
    let mut cal = calibrate(&data, &setups, &config).map_err(|e| match e {
        repere_engine::calibrate::CalibrationError::NoAnswers => {
            input(format!("{}: no answers to items of the bank", csv.source))
        }
        e => CliError::Other(format!("calibration failed: {e}")),
    })?;
    if let Some(link) = latent {
        rescale(&mut cal, link)?;
    }
    print!("{}", report(&bank, &csv, &grm, &cal));
    let shifted = if args.shift_experts {
        let (shift, n, items) = shift_experts(&bank, &cal)?;
        println!(
            "experts' items moved by {shift:+.3} (mean change of the locations of the {n} \
             item(s) estimated): {} item(s)",
            items.len()
        );
        Some((shift, n, items))
    } else {
        None
    };
    let usable = cal
        .items
        .iter()
        .filter(|r| r.status == ItemStatus::Estimated && refusal(r).is_none())
        .count();
    if usable == 0 {
        return Err(CliError::Other(format!(
            "nothing could be estimated from {}: every item was left as it is or refused \
             (see above); nothing written",
            csv.source
        )));
    }
    if !args.write {
        println!("dry run: nothing written (pass --write to update the bank files)");
        return Ok(());
    }
    let note = args.note.clone().unwrap_or_else(|| {
        let model = match args.model {
            DichotomousModel::Rasch => "Rasch",
            DichotomousModel::TwoPl => "2PL",
            DichotomousModel::ThreePl => "3PL",
        };
        format!(
            "repere calibrate (EM, {model}/GPCM), {} personnes, {}",
            cal.persons,
            match (&args.answers, &args.data) {
                (Some(path), _) => path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                _ => "store".to_string(),
            }
        )
    });
    let expert_note = shifted.as_ref().map(|(shift, n, _)| {
        format!("avis d'expert décalé de {shift:+.3} : écart moyen des {n} items calibrés")
    });
    let shifted_items = shifted.map(|(_, _, items)| items).unwrap_or_default();
    let written = write_bank(
        &args,
        &bank,
        &cal,
        &date,
        &note,
        (&shifted_items, expert_note.as_deref().unwrap_or_default()),
    )?;
    println!(
        "written: {} item(s) in {} file(s); the bank passed `repere items check`",
        written.0, written.1
    );
    Ok(())
}

/// `--shift-experts`: the mean change of the locations (difficulties, steps) over
/// the items estimated and not refused, their count, and the items to move (by
/// bank id): those left or refused whose provenance is `expert`, each location
/// moved by that mean.
#[allow(clippy::type_complexity)]
fn shift_experts(
    bank: &Bank,
    cal: &Calibration,
) -> Result<(f64, usize, HashMap<String, Item>), CliError> {
    let locations = |item: &Item| -> Vec<f64> {
        match item {
            Item::Logistic(l) => vec![l.b],
            Item::Gpcm(g) => g.steps.clone(),
            Item::Grm(g) => g.thresholds.clone(),
        }
    };
    let (mut sum, mut count, mut items) = (0.0, 0usize, 0usize);
    for (it, r) in bank.items().iter().zip(&cal.items) {
        if let (ItemStatus::Estimated, Some(new), None) = (r.status, &r.item, refusal(r)) {
            let (old, new) = (locations(it.engine_item()), locations(new));
            if old.len() == new.len() {
                sum += new.iter().zip(&old).map(|(n, o)| n - o).sum::<f64>();
                count += old.len();
                items += 1;
            }
        }
    }
    if items < 20 {
        return Err(CliError::Other(format!(
            "--shift-experts: {items} item(s) estimated, fewer than 20: the experts' \
             scale cannot be placed on the calibrated one; nothing written"
        )));
    }
    let shift = sum / count as f64;
    let link = Linking {
        slope: 1.0,
        intercept: shift,
    };
    let mut moved = HashMap::new();
    for (it, r) in bank.items().iter().zip(&cal.items) {
        let estimated = r.status == ItemStatus::Estimated && refusal(r).is_none();
        if !estimated && it.irt.provenance.kind == ProvenanceKind::Expert {
            let item = link
                .item(it.engine_item())
                .map_err(|e| CliError::Other(format!("--shift-experts: `{}`: {e}", it.id)))?;
            moved.insert(it.id.clone(), item);
        }
    }
    Ok((shift, items, moved))
}

/// `--latent MEAN,SD` as the change of scale θ_bank = SD·θ + MEAN.
fn parse_latent(text: &str) -> Result<Linking, CliError> {
    let bad = || {
        input(format!(
            "--latent: expected MEAN,SD with SD > 0 (got `{text}`)"
        ))
    };
    let (m, s) = text.split_once(',').ok_or_else(bad)?;
    let mean: f64 = m.trim().parse().map_err(|_| bad())?;
    let sd: f64 = s.trim().parse().map_err(|_| bad())?;
    if !(mean.is_finite() && sd.is_finite() && sd > 0.0) {
        return Err(bad());
    }
    Ok(Linking {
        slope: sd,
        intercept: mean,
    })
}

/// Puts a calibration made with a N(0, 1) latent distribution on the scale where
/// the persons are N(`intercept`, `slope`²): every estimated item through `link`
/// (`a/SD`, `SD·b + MEAN`, steps likewise), the standard errors of the locations
/// times SD and of `a` divided by SD, the latent distribution itself. The model is
/// invariant under this change, so the fit is the same: only the scale moves.
fn rescale(cal: &mut Calibration, link: Linking) -> Result<(), CliError> {
    let k = link.slope;
    for r in cal
        .items
        .iter_mut()
        .filter(|r| r.status == ItemStatus::Estimated)
    {
        if let Some(item) = &r.item {
            r.item = Some(
                link.item(item)
                    .map_err(|e| CliError::Other(format!("--latent: {e}")))?,
            );
        }
        if let Some(se) = r.se.as_mut() {
            se.a = se.a.map(|v| v / k);
            se.b = se.b.map(|v| v * k);
            se.steps.iter_mut().for_each(|v| *v *= k);
        }
    }
    cal.latent.mean = link.theta(cal.latent.mean);
    cal.latent.sd *= k;
    Ok(())
}

fn model_name(item: &Item) -> &'static str {
    match item {
        Item::Logistic(l) if l.d < 1.0 => "4pl",
        Item::Logistic(l) if l.c > 0.0 => "3pl",
        Item::Logistic(_) => "2pl",
        Item::Gpcm(_) => "gpcm",
        Item::Grm(_) => "grm",
    }
}

fn params(item: &Item) -> String {
    match item {
        Item::Logistic(l) => {
            let mut s = format!("a={:.3} b={:.3}", l.a, l.b);
            if l.c > 0.0 {
                let _ = write!(s, " c={:.3}", l.c);
            }
            if l.d < 1.0 {
                let _ = write!(s, " d={:.3}", l.d);
            }
            s
        }
        Item::Gpcm(g) => format!(
            "a={:.3} steps=[{}]",
            g.a,
            g.steps
                .iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Item::Grm(g) => format!(
            "a={:.3} thresholds=[{}]",
            g.a,
            g.thresholds
                .iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn ses(r: &ItemResult) -> String {
    let Some(se) = &r.se else { return "-".into() };
    let mut parts = Vec::new();
    if let Some(a) = se.a {
        parts.push(format!("a={a:.3}"));
    }
    if let Some(b) = se.b {
        parts.push(format!("b={b:.3}"));
    }
    if let Some(c) = se.c {
        parts.push(format!("c={c:.3}"));
    }
    if !se.steps.is_empty() {
        parts.push(format!(
            "steps=[{}]",
            se.steps
                .iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    parts.join(" ")
}

fn flag_names(r: &ItemResult) -> String {
    let names: Vec<String> = r
        .flags
        .iter()
        .map(|f| match f {
            Flag::LeftAsIs => "left-as-is".to_string(),
            Flag::AtBound { parameter } => format!("{parameter}-at-bound"),
            Flag::NoStandardError => "no-se".to_string(),
            Flag::MisfitSx2 => "misfit-sx2".to_string(),
            Flag::MisfitPx2 => "misfit-px2".to_string(),
            Flag::MeanSquare => "mean-square".to_string(),
        })
        .collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(",")
    }
}

fn report(bank: &Bank, csv: &Csv, grm: &[bool], cal: &Calibration) -> String {
    let mut out = String::new();
    let skipped: usize = csv.unknown.values().sum();
    let _ = writeln!(
        out,
        "repere calibrate: {} answers from {} persons ({})",
        csv.answers.len(),
        csv.persons,
        csv.source
    );
    for note in &csv.notes {
        let _ = writeln!(out, "{note}");
    }
    if skipped > 0 {
        let ids: Vec<&str> = csv.unknown.keys().map(String::as_str).take(10).collect();
        let more = if csv.unknown.len() > 10 { ", …" } else { "" };
        let _ = writeln!(
            out,
            "skipped {skipped} answer(s) to {} unknown item id(s): {}{more}",
            csv.unknown.len(),
            ids.join(", ")
        );
    }
    let l = &cal.latent;
    let latent = if l.mean_estimated || l.sd_estimated {
        format!(
            "latent N({:.3}, {:.3}²) estimated (SE mean {}, SE sd {})",
            l.mean,
            l.sd,
            l.mean_se.map_or("-".into(), |v| format!("{v:.3}")),
            l.sd_se.map_or("-".into(), |v| format!("{v:.3}"))
        )
    } else if l.mean != 0.0 || l.sd != 1.0 {
        format!("latent N({}, {}²) (--latent)", l.mean, l.sd)
    } else {
        "latent N(0, 1)".to_string()
    };
    let _ = writeln!(
        out,
        "EM (SQUAREM): {} step(s), {} E-step(s), {}, last change {:.2e}, log-likelihood {:.2}; {latent}; {} persons, {} answers in the fit",
        cal.iterations,
        cal.e_steps,
        if cal.converged { "converged" } else { "NOT converged" },
        cal.max_change,
        cal.log_likelihood,
        cal.persons,
        cal.answers
    );
    let _ = writeln!(
        out,
        "{:<24} {:>6}  {:<10} {:<34} {:<34} {:<28} {:>5} {:>6} {:>7} {:>7}  flags",
        "item", "n", "status", "old", "new", "SE", "infit", "outfit", "S-X2 p", "PX2 p"
    );
    let mut left = Vec::new();
    let mut refused_list = Vec::new();
    for (it, r) in bank.items().iter().zip(&cal.items) {
        if r.n == 0 {
            continue;
        }
        let refused = refusal(r);
        if let Some(why) = &refused {
            refused_list.push(format!("{} ({why})", it.id));
        }
        let status = match r.status {
            ItemStatus::Estimated if refused.is_some() => "refused".to_string(),
            ItemStatus::Estimated => "estimated".to_string(),
            ItemStatus::Anchored => "anchor".to_string(),
            ItemStatus::LeftAsIs(_) => "left".to_string(),
        };
        if let ItemStatus::LeftAsIs(reason) = r.status {
            let why = match reason {
                LeftReason::TooFewAnswers { n, min } => format!("{n} answers < {min}"),
                LeftReason::NoVariation { score } => format!("every answer scored {score}"),
                LeftReason::EmptyCategory { category } => format!("nobody scored {category}"),
            };
            left.push(format!("{} ({why})", it.id));
        }
        let new = match (r.status, &r.item) {
            (ItemStatus::Estimated, Some(i)) => format!("{} {}", model_name(i), params(i)),
            _ => "-".into(),
        };
        let fit = r.fit.as_ref();
        let _ = writeln!(
            out,
            "{:<24} {:>6}  {:<10} {:<34} {:<34} {:<28} {:>5} {:>6} {:>7} {:>7}  {}",
            it.id,
            r.n,
            status,
            format!(
                "{} {}",
                model_name(it.engine_item()),
                params(it.engine_item())
            ),
            new,
            ses(r),
            fit.map_or("-".into(), |f| format!("{:.2}", f.infit)),
            fit.map_or("-".into(), |f| format!("{:.2}", f.outfit)),
            fit.and_then(|f| f.sx2)
                .map_or("-".into(), |c| format!("{:.3}", c.p_value)),
            fit.and_then(|f| f.px2)
                .map_or("-".into(), |c| format!("{:.3}", c.p_value)),
            flag_names(r)
        );
    }
    let mut grm_answered: Vec<&str> = csv
        .answers
        .iter()
        .filter(|a| grm[a.item])
        .map(|a| bank.items()[a.item].id.as_str())
        .collect();
    grm_answered.dedup();
    grm_answered.sort_unstable();
    grm_answered.dedup();
    if !grm_answered.is_empty() {
        let _ = writeln!(
            out,
            "not calibrated (GRM items): {}",
            grm_answered.join(", ")
        );
    }
    let unanswered = cal.items.iter().filter(|r| r.n == 0).count();
    if !left.is_empty() {
        let _ = writeln!(
            out,
            "left as they are ({}): {}",
            left.len(),
            left.join("; ")
        );
    }
    if !refused_list.is_empty() {
        let _ = writeln!(
            out,
            "refused, never written (degenerate: SE(b) > {MAX_SE_B}, |b| > {MAX_ABS_B}, \
             a < {MIN_A} or no SE) ({}): {}",
            refused_list.len(),
            refused_list.join("; ")
        );
    }
    if unanswered > 0 {
        let _ = writeln!(
            out,
            "{unanswered} bank item(s) have no answers in {}",
            csv.source
        );
    }
    out
}

/// Largest standard error of a difficulty (`b`, or each GPCM step) that `--write`
/// accepts.
pub const MAX_SE_B: f64 = 0.5;
/// Largest |difficulty| `--write` accepts (the bank targets beginners, b ≤ +1).
pub const MAX_ABS_B: f64 = 4.0;
/// Smallest discrimination `--write` accepts.
pub const MIN_A: f64 = 0.3;

/// Why an estimate is degenerate (the answers cannot pin it down) and must not be
/// written: a missing standard error, SE(b) > 0.5, |b| > 4 or a < 0.3 (for a GPCM
/// item, any step's). `None` for an estimate that may be written.
fn refusal(r: &ItemResult) -> Option<String> {
    let item = match (r.status, &r.item) {
        (ItemStatus::Estimated, Some(item)) => item,
        _ => return None,
    };
    let (a, bs): (f64, Vec<f64>) = match item {
        Item::Logistic(l) => (l.a, vec![l.b]),
        Item::Gpcm(g) => (g.a, g.steps.clone()),
        Item::Grm(g) => (g.a, g.thresholds.clone()),
    };
    let se_bs: Option<Vec<f64>> = r.se.as_ref().and_then(|se| match item {
        Item::Logistic(_) => se.b.map(|b| vec![b]),
        _ => (!se.steps.is_empty() && se.steps.len() == bs.len()).then(|| se.steps.clone()),
    });
    let Some(se_bs) = se_bs else {
        return Some("no standard error".to_string());
    };
    if let Some(se) = se_bs.iter().find(|v| !v.is_finite() || **v > MAX_SE_B) {
        return Some(format!("SE(b) = {se:.2} > {MAX_SE_B}"));
    }
    if let Some(b) = bs.iter().find(|v| v.abs() > MAX_ABS_B) {
        return Some(format!("|b| = {:.2} > {MAX_ABS_B}", b.abs()));
    }
    if a < MIN_A {
        return Some(format!("a = {a:.3} < {MIN_A}"));
    }
    None
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Edits the `[item.irt]` tables of the estimated items; validates; writes.
/// Returns (items, files) written.
fn write_bank(
    args: &CalibrateArgs,
    bank: &Bank,
    cal: &Calibration,
    date: &str,
    note: &str,
    (shifted, expert_note): (&HashMap<String, Item>, &str),
) -> Result<(usize, usize), CliError> {
    let mut new_params: HashMap<&str, (&Item, Option<usize>)> = HashMap::new();
    for (it, r) in bank.items().iter().zip(&cal.items) {
        if let (ItemStatus::Estimated, Some(item), None) = (r.status, &r.item, refusal(r)) {
            new_params.insert(it.id.as_str(), (item, Some(r.n)));
        }
    }
    for (id, item) in shifted {
        new_params.entry(id.as_str()).or_insert((item, None));
    }
    let mut sources =
        repere_items::read_sources(&args.bank).map_err(|e| CliError::Other(e.to_string()))?;
    let mut changed_files = Vec::new();
    let mut count = 0;
    for (rel, text) in sources.iter_mut() {
        if !rel.starts_with(repere_items::BANK_DIR.trim_end_matches('/')) {
            continue;
        }
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| CliError::Other(format!("{rel}: cannot be parsed for editing: {e}")))?;
        let mut changed = false;
        if let Some(array) = doc.get_mut("item").and_then(|i| i.as_array_of_tables_mut()) {
            for table in array.iter_mut() {
                let Some(id) = table.get("id").and_then(|v| v.as_str()).map(str::to_string) else {
                    continue;
                };
                let Some((item, n)) = new_params.get(id.as_str()) else {
                    continue;
                };
                let Some(irt) = table.get_mut("irt").and_then(|v| v.as_table_like_mut()) else {
                    continue;
                };
                match n {
                    Some(n) => edit_irt(irt, item, Some(*n), date, note),
                    None => edit_irt(irt, item, None, date, expert_note),
                }
                changed = true;
                count += 1;
            }
        }
        if changed {
            *text = doc.to_string();
            changed_files.push(rel.clone());
        }
    }
    // Validate the edited bank in memory, as `repere items check` does, except that
    // the `[bank]` targets it now misses (the data placed items elsewhere on the
    // scale) are said, not a reason to keep parameters the data contradict.
    let pictures = args.pictures.clone();
    let reader = move |name: &str| std::fs::read_to_string(pictures.join(name)).ok();
    let coverage = match repere_items::build_calibrated(&sources, Some(&reader)) {
        Ok((_, coverage)) => coverage,
        Err(problems) => {
            let mut msg = String::from("the edited bank would be invalid; nothing was written:");
            for p in problems {
                let _ = write!(msg, "\n  {p}");
            }
            return Err(CliError::Other(msg));
        }
    };
    if !coverage.is_empty() {
        eprintln!(
            "repere calibrate: with the new parameters the bank misses its targets \
             (`repere items check` will fail until items are written for them):"
        );
        for p in &coverage {
            eprintln!("  {p}");
        }
    }
    for rel in &changed_files {
        let Some((_, text)) = sources.iter().find(|(r, _)| r == rel) else {
            continue;
        };
        let path = args.bank.join(rel);
        let tmp = path.with_extension("toml.calibrate-tmp");
        std::fs::write(&tmp, text)
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| CliError::Other(format!("cannot replace {}: {e}", path.display())))?;
    }
    Ok((count, changed_files.len()))
}

/// Writes `item` into `irt`, with the provenance `calibrated` on `n` answers, or
/// `expert` when `n` is `None` (an expert's value moved by `--shift-experts`).
fn edit_irt(
    irt: &mut dyn toml_edit::TableLike,
    item: &Item,
    n: Option<usize>,
    date: &str,
    note: &str,
) {
    let provenance = irt.remove("provenance");
    for k in ["model", "a", "b", "c", "d", "steps", "thresholds"] {
        if !matches!(k, "model" | "a") {
            irt.remove(k);
        }
    }
    let set = |irt: &mut dyn toml_edit::TableLike, k: &str, v: toml_edit::Item| match irt.get_mut(k)
    {
        Some(slot) => *slot = v,
        None => {
            irt.insert(k, v);
        }
    };
    set(irt, "model", toml_edit::value(model_name(item)));
    match item {
        Item::Logistic(l) => {
            set(irt, "a", toml_edit::value(round3(l.a)));
            set(irt, "b", toml_edit::value(round3(l.b)));
            if l.c > 0.0 {
                set(irt, "c", toml_edit::value(round3(l.c).max(0.001)));
            }
        }
        Item::Gpcm(g) => {
            set(irt, "a", toml_edit::value(round3(g.a)));
            let mut arr = toml_edit::Array::new();
            for s in &g.steps {
                arr.push(round3(*s));
            }
            set(irt, "steps", toml_edit::value(arr));
        }
        Item::Grm(_) => {}
    }
    let mut p = toml_edit::InlineTable::new();
    match n {
        Some(n) => {
            p.insert("kind", "calibrated".into());
            p.insert("n", (n.min(i64::MAX as usize) as i64).into());
        }
        None => {
            p.insert("kind", "expert".into());
        }
    }
    // An expert's value keeps the expert's note (band, discrimination), the shift
    // said after it.
    let old_note = provenance
        .as_ref()
        .and_then(|v| v.as_table_like())
        .and_then(|t| t.get("note"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let note = match (n, old_note) {
        (None, Some(old)) => format!("{old} ; {note}"),
        _ => note.to_string(),
    };
    let note = note.as_str();
    p.insert("date", date.into());
    p.insert("note", note.into());
    irt.insert("provenance", toml_edit::value(p));
}
