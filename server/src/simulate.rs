//! `repere simulate`: runs the engine's CAT simulator on a bank of logistic items and
//! prints the figures (optionally writes the report, the conditional table and two
//! plots into a folder).
//!
//! The bank is a JSON array of `{"a", "b", "c", "d"}` objects (`c` defaults to 0, `d`
//! to 1). Examinees' θ are drawn from N(0, 1); the first item is chosen at θ = 0.
//! With `--estimate mle`, constant response patterns (all right or all wrong so far)
//! take Dodd's step towards the bank's extreme difficulty, as catsim does, so the two
//! can be compared on the same terms.
//!
//! Examinees are split into contiguous chunks run on threads; the engine gives every
//! examinee its own random stream, so the report does not depend on the number of
//! threads.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use repere_engine::bank::{Bank, BankItem, Requirements};
use repere_engine::irt::{Item, ParamError};
use repere_engine::select::{Beginner, Filter, Ranking, SelectConfig};
use repere_engine::session::{EstimatorConfig, SessionConfig};
use repere_engine::simulate::{self, SimulationConfig, SimulationReport};
use repere_engine::start::StartRule;
use repere_engine::stop::StopConfig;
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
pub struct SimulateArgs {
    /// Bank: a JSON array of {"a", "b", "c", "d"} (c and d optional).
    #[arg(long, value_name = "BANK.json")]
    bank: PathBuf,
    /// Number of simulated examinees (θ drawn from N(0, 1)).
    #[arg(long, default_value_t = 1000)]
    examinees: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Item selection rule.
    #[arg(long, value_enum, default_value_t = SelectArg::Mfi)]
    select: SelectArg,
    /// Ability estimator.
    #[arg(long, value_enum, default_value_t = EstimateArg::Eap)]
    estimate: EstimateArg,
    /// Stop when the standard error falls below this.
    #[arg(long, default_value_t = 0.3)]
    stop_se: f64,
    /// Stop after this many items.
    #[arg(long, default_value_t = 30)]
    max_items: usize,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Write report.json, conditional.csv, conditional_se.svg and exposure.svg here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Threads (default: the available cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs the subcommand.
pub fn run(args: SimulateArgs) -> Result<(), CliError> {
    if args.examinees == 0 {
        return Err(CliError::Input("--examinees: must be at least 1".into()));
    }
    if !(args.stop_se.is_finite() && args.stop_se > 0.0) {
        return Err(CliError::Input(format!(
            "--stop-se: must be a number > 0 (got {})",
            args.stop_se
        )));
    }
    if args.max_items == 0 {
        return Err(CliError::Input("--max-items: must be at least 1".into()));
    }
    if args.threads == Some(0) {
        return Err(CliError::Input("--threads: must be at least 1".into()));
    }
    let bank = load_bank(&args.bank)?;
    let config = simulation_config(&args);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(args.examinees);

    let started = Instant::now();
    let report = run_threads(&bank, &config, threads)?;
    let seconds = started.elapsed().as_secs_f64();

    if let Some(dir) = &args.out {
        write_outputs(dir, &report)?;
    }
    let summary = summary(&args, &report, seconds, threads);
    if args.json {
        println!("{summary}");
    } else {
        print_text(&summary, &report);
    }
    Ok(())
}

fn simulation_config(args: &SimulateArgs) -> SimulationConfig {
    let select = match args.select {
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
    let estimator = match args.estimate {
        EstimateArg::Mle => EstimatorConfig::Mle { range: (-6.0, 6.0) },
        EstimateArg::Eap => EstimatorConfig::Eap,
    };
    let session = SessionConfig {
        start: StartRule::FixedTheta {
            theta: 0.0,
            sd: 1.0,
        },
        estimator,
        select,
        stop: StopConfig {
            max_items: Some(args.max_items),
            se_below: Some(args.stop_se),
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    };
    SimulationConfig::normal(args.examinees, session, args.seed)
}

/// Splits the examinees into `threads` contiguous chunks run in parallel.
fn run_threads(
    bank: &Bank,
    config: &SimulationConfig,
    threads: usize,
) -> Result<SimulationReport, CliError> {
    let plan = simulate::plan(bank, config).map_err(|e| CliError::Input(e.to_string()))?;
    let n = config.population.count();
    let threads = threads.max(1);
    let per = n.div_ceil(threads);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let plan = &plan;
                scope.spawn(move || simulate::run_chunk(bank, plan, config, t * per..(t + 1) * per))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut chunks = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(Ok(chunk)) => chunks.push(chunk),
            Ok(Err(e)) => return Err(CliError::Other(format!("simulation failed: {e}"))),
            Err(_) => return Err(CliError::Other("a simulation thread panicked".into())),
        }
    }
    Ok(simulate::report(bank, config, chunks))
}

fn summary(args: &SimulateArgs, r: &SimulationReport, seconds: f64, threads: usize) -> Value {
    json!({
        "examinees": r.examinees,
        "bank_items": r.bank_items,
        "select": format!("{:?}", args.select).to_lowercase(),
        "estimate": format!("{:?}", args.estimate).to_lowercase(),
        "stop_se": args.stop_se,
        "max_items": args.max_items,
        "seed": args.seed,
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
    })
}

fn print_text(summary: &Value, r: &SimulationReport) {
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

fn write_outputs(dir: &Path, r: &SimulationReport) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Other(format!("{}: cannot create: {e}", dir.display())))?;
    let json =
        serde_json::to_string_pretty(r).map_err(|e| CliError::Other(format!("report: {e}")))?;
    let files = [
        ("report.json", json + "\n"),
        ("conditional.csv", r.conditional_csv()),
        ("conditional_se.svg", r.conditional_se_svg()),
        ("exposure.svg", r.exposure_svg()),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(())
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
        let item =
            parse_item(entry).map_err(|m| CliError::Input(format!("{name}: item {i}: {m}")))?;
        items.push(BankItem {
            id: i.to_string(),
            item,
            domain: "all".into(),
            skill: "all".into(),
            requires: Requirements::NONE,
            enemies: Vec::new(),
        });
    }
    Bank::new(items).map_err(|e| CliError::Input(format!("{name}: {e}")))
}

fn parse_item(entry: &Value) -> Result<Item, String> {
    let Value::Object(map) = entry else {
        return Err("expected an object {\"a\", \"b\", \"c\", \"d\"}".into());
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["a", "b", "c", "d"].contains(&k.as_str()))
    {
        return Err(format!("unknown field `{k}` (expected a, b, c, d)"));
    }
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
    Item::logistic(a, b, c, d).map_err(|e| match e {
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
    })
}
