//! `repere simulate`: runs the engine's CAT simulator on a bank of logistic items and
//! prints the figures (optionally writes the report, the conditional table and two
//! plots into a folder).
//!
//! The bank is a JSON array of `{"a", "b", "c", "d", "domain"}` objects (`c` defaults
//! to 0, `d` to 1, `domain` to `all`). Examinees' θ are drawn from N(0, 1); the first
//! item is chosen at θ = 0. With `--estimate mle`, constant response patterns (all
//! right or all wrong so far) take Dodd's step towards the bank's extreme difficulty,
//! as catsim does, so the two can be compared on the same terms.
//!
//! The rules are either the flags (`--select`, `--estimate`, `--stop-se`,
//! `--max-items`) or a whole session configuration read from a file (`--config`, JSON
//! or TOML, the engine's `SessionConfig`); `--randomesque`, `--min-per-domain` and
//! `--sympson-hetter` apply on top of either.
//!
//! Examinees are split into contiguous chunks run on threads; the engine gives every
//! examinee its own random stream, so the report does not depend on the number of
//! threads.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use repere_engine::bank::{Bank, BankItem, Requirements};
use repere_engine::irt::{Item, ParamError};
use repere_engine::select::{
    Beginner, ContentBalancing, Filter, Ranking, SelectConfig, MAX_RANDOMESQUE,
};
use repere_engine::session::{EstimatorConfig, Plan, SessionConfig};
use repere_engine::simulate::{
    self, Chunk, ExposureCalibration, ExposureOptions, SimError, SimulationConfig, SimulationReport,
};
use repere_engine::start::StartRule;
use repere_engine::stop::{Combine, StopConfig};
use serde_json::{json, Value};

use crate::CliError;

/// Item selection rule of the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SelectArg {
    /// Maximum Fisher information.
    Mfi,
    /// Posterior-weighted Kullback-Leibler information.
    Kl,
    /// The Beginner rule (success-probability floor) with maximum information.
    Beginner,
}

/// Ability estimator of the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EstimateArg {
    /// Maximum likelihood on [−6, 6] (Dodd's step for constant patterns).
    Mle,
    /// Expected a posteriori, N(0, 1) prior, 121 nodes on [−6, 6].
    Eap,
}

/// Arguments of `repere simulate`.
#[derive(Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct SimulateArgs {
    /// Bank: a JSON array of {"a", "b", "c", "d", "domain"} (c, d and domain optional).
    #[arg(long, value_name = "BANK.json")]
    bank: PathBuf,
    /// Number of simulated examinees (θ drawn from N(0, 1)).
    #[arg(long, default_value_t = 1000)]
    examinees: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Item selection rule [default: mfi].
    #[arg(long, value_enum, conflicts_with = "config")]
    select: Option<SelectArg>,
    /// Ability estimator [default: eap].
    #[arg(long, value_enum, conflicts_with = "config")]
    estimate: Option<EstimateArg>,
    /// Stop when the standard error falls below this [default: 0.3].
    #[arg(long, conflicts_with = "config")]
    stop_se: Option<f64>,
    /// Stop after this many items [default: 30].
    #[arg(long, conflicts_with = "config")]
    max_items: Option<usize>,
    /// The session rules from a file instead of the four flags above: the engine's
    /// SessionConfig as JSON (.json) or TOML (.toml); unknown fields are refused.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Randomesque exposure control: draw each item among the K most informative.
    #[arg(long, value_name = "K")]
    randomesque: Option<usize>,
    /// Content balancing: N items of every domain of the bank first, and no stop before
    /// every domain has N (the stop criteria are then combined with "all").
    #[arg(long, value_name = "N")]
    min_per_domain: Option<usize>,
    /// Sympson-Hetter exposure control: calibrate the parameters so that no item goes
    /// to more than this share of examinees, then run the simulation with them.
    #[arg(long, value_name = "R_MAX")]
    sympson_hetter: Option<f64>,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Write report.json, conditional.csv, conditional_se.svg and exposure.svg here
    /// (and sympson_hetter.json with --sympson-hetter).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Threads (default: the available cores).
    #[arg(long)]
    threads: Option<usize>,
}

const AFTER_HELP: &str = "\
Rules: without --config, maximum information (or --select), EAP (or --estimate), start at
θ = 0, stop at SE < --stop-se or --max-items. With --config FILE, the file gives every
rule (start, estimator, grid, selection filters and ranking, stopping); for example
rules.toml:

    [estimator]
    method = \"mle\"

    [select]
    ranking = \"kullback_leibler\"
    randomesque = 3
    filters = [{ filter = \"beginner\", schedule = [{ until = 5, min_success = 0.8 }], then = 0.65 }]

    [stop]
    max_items = 25
    se_below = 0.3

A mistake in the file stops with FILE:LINE:COLUMN, the field and what is wrong (exit 2).

--sympson-hetter R_MAX calibrates the exposure parameters by simulation on N(0, 1) with
--examinees per run and seeds SEED+1, SEED+2, ... (10 classic iterations, then 10 with
pooled counts, to R_MAX minus a margin for the sampling noise of a run of --examinees;
verified on a seed no iteration used), then runs the simulation with SEED. Both largest
exposures are printed: the calibration's verification and the simulation's.";

/// The threads to use: the option, else the available cores, at most one per examinee.
fn thread_count(args: &SimulateArgs) -> usize {
    args.threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(args.examinees)
        .max(1)
}

/// Runs the subcommand.
pub fn run(args: SimulateArgs) -> Result<(), CliError> {
    if args.examinees == 0 {
        return Err(CliError::Input("--examinees: must be at least 1".into()));
    }
    if let Some(se) = args.stop_se {
        if !(se.is_finite() && se > 0.0) {
            return Err(CliError::Input(format!(
                "--stop-se: must be a number > 0 (got {se})"
            )));
        }
    }
    if args.max_items == Some(0) {
        return Err(CliError::Input("--max-items: must be at least 1".into()));
    }
    if args.threads == Some(0) {
        return Err(CliError::Input("--threads: must be at least 1".into()));
    }
    if let Some(k) = args.randomesque {
        if !(1..=MAX_RANDOMESQUE).contains(&k) {
            return Err(CliError::Input(format!(
                "--randomesque: must be between 1 and {MAX_RANDOMESQUE} (got {k})"
            )));
        }
    }
    if args.min_per_domain == Some(0) {
        return Err(CliError::Input(
            "--min-per-domain: must be at least 1".into(),
        ));
    }
    if let Some(r) = args.sympson_hetter {
        if !(r > 0.0 && r <= 1.0) {
            return Err(CliError::Input(format!(
                "--sympson-hetter: R_MAX must be in (0, 1] (got {r})"
            )));
        }
    }
    let bank = load_bank(&args.bank)?;
    let session = match &args.config {
        Some(path) => load_config(path)?,
        None => flag_session(&args),
    };
    let mut config =
        SimulationConfig::normal(args.examinees, with_flags(session, &args), args.seed);
    // A configuration that does not fit the bank (an unknown domain or item id) is the
    // file's fault, or the flags'.
    simulate::plan(&bank, &config).map_err(|e| {
        let source = args
            .config
            .as_ref()
            .map_or_else(|| "arguments".to_string(), |p| p.display().to_string());
        CliError::Input(format!("{source}: {e}"))
    })?;
    let threads = thread_count(&args);

    let calibration = match args.sympson_hetter {
        Some(r_max) => {
            let started = Instant::now();
            let options = ExposureOptions::new(r_max);
            let cal = simulate::calibrate_sympson_hetter_with(&bank, &config, &options, |p, c| {
                run_chunks(&bank, p, c, threads)
            })
            .map_err(|e| match e {
                SimError::Exposure(m) => CliError::Input(format!("--sympson-hetter: {m}")),
                e => CliError::Other(format!("calibration failed: {e}")),
            })?;
            config.session.select.exposure = Some(cal.parameters.clone());
            Some((cal, started.elapsed().as_secs_f64()))
        }
        None => None,
    };

    let started = Instant::now();
    let report = run_threads(&bank, &config, threads)?;
    let seconds = started.elapsed().as_secs_f64();

    if let Some(dir) = &args.out {
        write_outputs(dir, &report, calibration.as_ref().map(|(c, _)| c))?;
    }
    let summary = summary(&config, &report, seconds, threads, calibration.as_ref());
    if args.json {
        println!("{summary}");
    } else {
        print_text(&summary, &report, calibration.as_ref().map(|(c, _)| c));
    }
    Ok(())
}

/// The session rules given by the flags (the defaults of the issue: start at 0, MFI,
/// EAP, SE < 0.3 or 30 items).
fn flag_session(args: &SimulateArgs) -> SessionConfig {
    let select = match args.select.unwrap_or(SelectArg::Mfi) {
        SelectArg::Mfi => SelectConfig::default(),
        SelectArg::Kl => SelectConfig {
            ranking: Ranking::KullbackLeibler,
            ..SelectConfig::default()
        },
        SelectArg::Beginner => SelectConfig {
            filters: vec![Filter::Beginner(Beginner::default())],
            ..SelectConfig::default()
        },
    };
    let estimator = match args.estimate.unwrap_or(EstimateArg::Eap) {
        EstimateArg::Mle => EstimatorConfig::Mle { range: (-6.0, 6.0) },
        EstimateArg::Eap => EstimatorConfig::Eap,
    };
    SessionConfig {
        start: StartRule::FixedTheta {
            theta: 0.0,
            sd: 1.0,
        },
        estimator,
        select,
        stop: StopConfig {
            max_items: Some(args.max_items.unwrap_or(30)),
            se_below: Some(args.stop_se.unwrap_or(0.3)),
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    }
}

/// `--randomesque` and `--min-per-domain` on top of the rules.
fn with_flags(mut session: SessionConfig, args: &SimulateArgs) -> SessionConfig {
    if let Some(k) = args.randomesque {
        session.select.randomesque = k;
    }
    if let Some(n) = args.min_per_domain {
        session.select.filters.insert(
            0,
            Filter::ContentBalancing(ContentBalancing {
                min_per_domain: n,
                ..ContentBalancing::default()
            }),
        );
        session.stop.min_per_domain = Some(n);
        session.stop.combine = Combine::All;
    }
    session
}

/// The session rules of a file: TOML if its name ends in `.toml`, else JSON. Every
/// mistake is one message `FILE:LINE:COLUMN: FIELD: what`.
fn load_config(path: &Path) -> Result<SessionConfig, CliError> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{name}: cannot read: {e}")))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let field = |p: &serde_path_to_error::Path| {
        let p = p.to_string();
        if p == "." {
            "top level".to_string()
        } else {
            format!("field {p}")
        }
    };
    if is_toml {
        let de = toml::Deserializer::parse(&text).map_err(|e| {
            let (line, col) = line_col(&text, e.span().map_or(0, |s| s.start));
            CliError::Input(format!(
                "{name}:{line}:{col}: not valid TOML: {}",
                e.message().trim()
            ))
        })?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let (line, col) = line_col(&text, e.inner().span().map_or(0, |s| s.start));
            CliError::Input(format!(
                "{name}:{line}:{col}: {}: {}",
                field(e.path()),
                e.inner().message().trim()
            ))
        })
    } else {
        let mut de = serde_json::Deserializer::from_str(&text);
        let config: SessionConfig = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let inner = e.inner();
            let what = if inner.is_syntax() || inner.is_eof() {
                "not valid JSON".to_string()
            } else {
                field(e.path())
            };
            CliError::Input(format!(
                "{name}:{}:{}: {what}: {}",
                inner.line(),
                inner.column(),
                json_message(inner)
            ))
        })?;
        de.end().map_err(|e| {
            CliError::Input(format!(
                "{name}:{}:{}: not valid JSON: {}",
                e.line(),
                e.column(),
                json_message(&e)
            ))
        })?;
        Ok(config)
    }
}

/// serde_json's message without its own " at line L column C" (given in front).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Runs the population of `config` with `plan` in `threads` contiguous chunks.
fn run_chunks(
    bank: &Bank,
    plan: &Plan,
    config: &SimulationConfig,
    threads: usize,
) -> Result<Vec<Chunk>, SimError> {
    let n = config.population.count();
    let threads = threads.clamp(1, n.max(1));
    let per = n.div_ceil(threads);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || simulate::run_chunk(bank, plan, config, t * per..(t + 1) * per))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut chunks = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(chunk) => chunks.push(chunk?),
            Err(_) => return Err(SimError::Population("a simulation thread panicked".into())),
        }
    }
    Ok(chunks)
}

/// Splits the examinees into `threads` contiguous chunks run in parallel.
fn run_threads(
    bank: &Bank,
    config: &SimulationConfig,
    threads: usize,
) -> Result<SimulationReport, CliError> {
    let plan = simulate::plan(bank, config).map_err(|e| CliError::Input(e.to_string()))?;
    let chunks = run_chunks(bank, &plan, config, threads)
        .map_err(|e| CliError::Other(format!("simulation failed: {e}")))?;
    Ok(simulate::report(bank, config, chunks))
}

/// A short name of the selection rule: `mfi`, `kl` or `beginner` as the flags say,
/// else the ranking with `+` and the filters (`mfi+content+beginner`).
fn select_name(select: &SelectConfig) -> String {
    let mut name = match select.ranking {
        Ranking::MaxInfo => "mfi",
        Ranking::KullbackLeibler => "kl",
    }
    .to_string();
    let beginner_only =
        matches!(select.filters.as_slice(), [Filter::Beginner(b)] if *b == Beginner::default());
    if beginner_only && select.ranking == Ranking::MaxInfo {
        return "beginner".into();
    }
    for f in &select.filters {
        name.push_str(match f {
            Filter::ContentBalancing(_) => "+content",
            Filter::Beginner(_) => "+beginner",
        });
    }
    name
}

fn summary(
    config: &SimulationConfig,
    r: &SimulationReport,
    seconds: f64,
    threads: usize,
    calibration: Option<&(ExposureCalibration, f64)>,
) -> Value {
    let session = &config.session;
    let mut v = json!({
        "examinees": r.examinees,
        "bank_items": r.bank_items,
        "select": select_name(&session.select),
        "estimate": session.estimator.name(),
        "stop_se": session.stop.se_below,
        "max_items": session.stop.max_items,
        "randomesque": session.select.randomesque,
        "seed": config.seed,
        "rmse": r.rmse,
        "bias": r.bias,
        "mean_se": r.mean_se,
        "correlation": r.correlation,
        "mean_length": r.mean_length,
        "p95_length": r.p95_length,
        "max_exposure": r.max_exposure,
        "never_used": r.never_used,
        "overlap": r.overlap,
        "first_five_success": r.first_five_success,
        "stop_reasons": r.stop_reasons,
        "seconds": seconds,
        "threads": threads,
        "us_per_examinee": seconds * 1e6 / r.examinees.max(1) as f64,
    });
    if let Some((cal, cal_seconds)) = calibration {
        v["sympson_hetter"] = json!({
            "r_max": cal.r_max,
            "margin": cal.margin,
            "target": cal.target,
            "calibration_max_exposure": cal.verification.last(),
            "admissible": cal.admissible,
            "controlled_items": cal.parameters.k.len(),
            "calibration_examinees": cal.examinees,
            "calibration_seconds": cal_seconds,
        });
    }
    v
}

fn print_text(summary: &Value, r: &SimulationReport, calibration: Option<&ExposureCalibration>) {
    println!(
        "{} examinees, {} items: RMSE {:.4}, bias {:+.4}, mean SE {:.4}, r = {:.4}",
        r.examinees, r.bank_items, r.rmse, r.bias, r.mean_se, r.correlation
    );
    println!(
        "test length: mean {:.2}, 95th percentile {}, range {}..{}",
        r.mean_length, r.p95_length, r.min_length, r.max_length
    );
    println!(
        "exposure: max {:.3}, never used {:.1} % of the bank, overlap {:.3}",
        r.max_exposure,
        100.0 * r.never_used,
        r.overlap
    );
    if let Some(cal) = calibration {
        println!(
            "sympson-hetter: r_max {}, calibrated to {:.4} (margin {:.4}) on {} examinees; \
             largest exposure {:.3} in the calibration's check, {:.3} in this simulation{}",
            cal.r_max,
            cal.target,
            cal.margin,
            cal.examinees,
            cal.verification.last().copied().unwrap_or(f64::NAN),
            r.max_exposure,
            if cal.admissible {
                ""
            } else {
                " (the cap could not be held: see the bank size and test length)"
            }
        );
    }
    println!(
        "success on the first five items: {:.3}",
        r.first_five_success
    );
    println!(
        "time: {:.3} s ({:.1} µs per examinee, {} threads)",
        summary["seconds"].as_f64().unwrap_or(0.0),
        summary["us_per_examinee"].as_f64().unwrap_or(0.0),
        summary["threads"]
    );
}

fn write_outputs(
    dir: &Path,
    r: &SimulationReport,
    calibration: Option<&ExposureCalibration>,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Other(format!("{}: cannot create: {e}", dir.display())))?;
    let mut files = vec![
        ("report.json", pretty(r)?),
        ("conditional.csv", r.conditional_csv()),
        ("conditional_se.svg", r.conditional_se_svg()),
        ("exposure.svg", r.exposure_svg()),
    ];
    if let Some(cal) = calibration {
        files.push(("sympson_hetter.json", pretty(cal)?));
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(())
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Other(format!("report: {e}")))
}

/// Reads and checks the bank; every problem is one message naming the file, the item
/// (0-based position in the array) and the field.
fn load_bank(path: &Path) -> Result<Bank, CliError> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{name}: cannot read: {e}")))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!(
            "{name}: not valid JSON: line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Array(entries) = value else {
        return Err(CliError::Input(format!(
            "{name}: expected a JSON array of items {{\"a\", \"b\", \"c\", \"d\"}}"
        )));
    };
    if entries.is_empty() {
        return Err(CliError::Input(format!("{name}: the bank has no item")));
    }
    let mut items = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let (item, domain) =
            parse_item(entry).map_err(|m| CliError::Input(format!("{name}: item {i}: {m}")))?;
        items.push(BankItem {
            id: i.to_string(),
            item,
            domain,
            skill: "all".into(),
            requires: Requirements::NONE,
            enemies: Vec::new(),
        });
    }
    Bank::new(items).map_err(|e| CliError::Input(format!("{name}: {e}")))
}

/// One item of the bank and its domain (`all` when not given).
fn parse_item(entry: &Value) -> Result<(Item, String), String> {
    let Value::Object(map) = entry else {
        return Err("expected an object {\"a\", \"b\", \"c\", \"d\", \"domain\"}".into());
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["a", "b", "c", "d", "domain"].contains(&k.as_str()))
    {
        return Err(format!("unknown field `{k}` (expected a, b, c, d, domain)"));
    }
    let domain = match map.get("domain") {
        None => "all".to_string(),
        Some(Value::String(d)) if !d.trim().is_empty() => d.clone(),
        Some(v) => {
            return Err(format!(
                "field domain: must be a non-empty string (got {v})"
            ))
        }
    };
    let field = |k: &str, default: Option<f64>| -> Result<f64, String> {
        match map.get(k) {
            None => default.ok_or_else(|| format!("field {k}: missing")),
            Some(v) => v
                .as_f64()
                .ok_or_else(|| format!("field {k}: must be a number (got {v})")),
        }
    };
    let a = field("a", None)?;
    let b = field("b", None)?;
    let c = field("c", Some(0.0))?;
    let d = field("d", Some(1.0))?;
    let item = Item::logistic(a, b, c, d).map_err(|e| match e {
        ParamError::NotFinite { name } => format!("field {name}: must be a finite number"),
        ParamError::NonPositiveDiscrimination(v) => {
            format!("field a: discrimination must be > 0 (got {v})")
        }
        ParamError::GuessingOutOfRange(v) => {
            format!("field c: lower asymptote must be in [0, 1) (got {v})")
        }
        ParamError::UpperOutOfRange(v) => {
            format!("field d: upper asymptote must be in (0, 1] (got {v})")
        }
        ParamError::AsymptotesCrossed { c, d } => {
            format!("fields c, d: lower asymptote {c} must be below upper asymptote {d}")
        }
        other => other.to_string(),
    })?;
    Ok((item, domain))
}
