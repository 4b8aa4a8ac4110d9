//! `repere validate`: the live test run on simulated persons, as the app and the
//! server run it (`repere_items::validate`), with the figures a psychometrician asks
//! for: length, precision, class and orientation right and stable on a retest,
//! success on the first items, exposure of the bank.
//!
//! ```text
//! repere validate [--mode agent|kiosk|self] [--persons N] [--seed S]
//!                 [--population normal:MEAN,SD | --theta-grid]
//!                 [--context random|none|QUESTION=ANSWER,...] [--style skip|guess]
//!                 [--shift-b X] [--perturb-b SD] [--domain-sd SD]
//!                 [--bank DIR] [--threads N] [--full] [--json] [--out DIR]
//! repere validate --calibrate-exposure R_MAX [--iterations N] [same options]
//! ```
//!
//! Persons run on threads in contiguous chunks; every person draws from random
//! streams of its own, so the figures are the same for any `--threads`.
//! `--full` adds the comparisons the targets need, on the same persons: the θ grid
//! (success on the first five items), two context profiles (no device, no e-mail /
//! a computer and an e-mail), the guess style against the skip style, and the
//! answers of a bank whose difficulties are off by N(0, 0.5²).
//! `--out DIR` writes `report.json` and four plots (`length.svg`, `classes.svg`,
//! `by_theta.svg`, `exposure.svg`). `--calibrate-exposure R_MAX` computes instead
//! the `[session.exposure]` table (Sympson-Hetter) that keeps every item under
//! R_MAX of the tests in agent and kiosk modes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use repere_items::assessment::{Assessor, Mode};
use repere_items::validate::{
    calibrate_exposure, compare, Comparison, ContextMix, Options, PersonResult, Population, Report,
    Style, Validator,
};
use repere_items::Bank;
use serde::Serialize;

use crate::CliError;

/// Where the simulated test is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// A tablet held by an agent (a keyboard).
    Agent,
    /// A public kiosk (no keyboard).
    Kiosk,
    /// The person's own device.
    #[value(name = "self")]
    SelfTest,
}

/// What a person does on an item they do not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StyleArg {
    /// « Je ne sais pas ».
    Skip,
    /// A blind guess.
    Guess,
}

/// Arguments of `repere validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Where the test is taken.
    #[arg(long, value_enum, default_value = "agent")]
    mode: ModeArg,
    /// Simulated persons (each tested twice).
    #[arg(long, default_value_t = 1000)]
    persons: usize,
    /// Seed of the run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Abilities: normal:MEAN,SD.
    #[arg(long, default_value = "normal:-1,1", conflicts_with = "theta_grid")]
    population: String,
    /// Abilities spread evenly on θ = −3, −2.5, …, 1 instead.
    #[arg(long)]
    theta_grid: bool,
    /// Context answers: `random` (a mix that follows θ), `none`, or
    /// QUESTION=ANSWER,... for everyone.
    #[arg(long, default_value = "random")]
    context: String,
    /// What a person does on an item they do not know.
    #[arg(long, value_enum, default_value = "skip")]
    style: StyleArg,
    /// Answers follow difficulties shifted by X logits from the bank's.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    shift_b: f64,
    /// Answers follow difficulties off by a normal draw of this SD per item.
    #[arg(long, default_value_t = 0.0)]
    perturb_b: f64,
    /// SD of each person's domains around their θ (0: one ability).
    #[arg(long, default_value_t = 0.0)]
    domain_sd: f64,
    /// Data folder (referentiel.toml, context.toml, bank/) instead of the bank
    /// built into this binary.
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
    /// Threads (default: the available cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also the θ grid, the context, style and perturbed-bank comparisons.
    #[arg(long)]
    full: bool,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Write report.json and the plots here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Answers follow the item parameters of this data folder (by item id, then
    /// --shift-b and --perturb-b), while the test runs on --bank: a bank calibrated
    /// again, measured against the truth its data came from.
    #[arg(long, value_name = "DIR")]
    truth_bank: Option<PathBuf>,
    /// Write every answer of the run here, as `repere calibrate` reads them
    /// (`person;item;score`, one person per test).
    #[arg(long, value_name = "FILE")]
    answers_csv: Option<PathBuf>,
    /// Write one line per person here (true θ, θ̂, SE, length, classes, modalities).
    #[arg(long, value_name = "FILE")]
    persons_csv: Option<PathBuf>,
    /// Instead of a report: Sympson-Hetter parameters so that no item is shown in
    /// more than R_MAX of the tests, in agent and kiosk modes (prints the
    /// `[session.exposure]` table of referentiel.toml).
    #[arg(long, value_name = "R_MAX")]
    calibrate_exposure: Option<f64>,
    /// Iterations of --calibrate-exposure.
    #[arg(long, default_value_t = 8)]
    iterations: usize,
}

/// `--full`: the main report and the comparisons.
#[derive(Debug, Serialize)]
struct Full {
    /// The run as asked.
    main: Report,
    /// The same on the θ grid.
    grid: Report,
    /// No device and no e-mail against a computer and an e-mail.
    context: Comparison,
    /// Guess against skip.
    style: Comparison,
    /// Answers from difficulties off by N(0, 0.5²).
    perturbed: Report,
}

fn input(m: impl Into<String>) -> CliError {
    CliError::Input(m.into())
}

/// The bank of `dir` (or the one built into the binary). A bank calibrated from
/// data may miss its `[bank]` targets (`repere calibrate --write` says which): it is
/// measured as it is, with a note on stderr; any other problem is an error.
fn load(dir: Option<&Path>) -> Result<Bank, CliError> {
    let Some(dir) = dir else {
        return crate::outcome::bank().cloned().map_err(CliError::Other);
    };
    let sources = repere_items::read_sources(dir)
        .map_err(|e| CliError::Input(format!("--bank {}: {e}", dir.display())))?;
    match repere_items::build_calibrated(&sources, None) {
        Ok((bank, missed)) => {
            if !missed.is_empty() {
                eprintln!(
                    "note: --bank {}: {} [bank] target(s) missed (a calibrated bank), measured as it is",
                    dir.display(),
                    missed.len()
                );
            }
            Ok(bank)
        }
        Err(p) => {
            let mut m = format!(
                "--bank {}: {} problem(s); run `repere items check` first",
                dir.display(),
                p.len()
            );
            for x in p.iter().take(5) {
                m.push_str(&format!("\n  {x}"));
            }
            Err(CliError::Input(m))
        }
    }
}

/// Runs a validator and times it.
fn run_one(
    assessor: &Assessor<'_>,
    options: Options,
    threads: usize,
) -> Result<(Report, Vec<PersonResult>), CliError> {
    let v = Validator::new(assessor, options).map_err(|e| input(e.to_string()))?;
    let start = Instant::now();
    let persons = v.run(threads).map_err(|e| CliError::Other(e.to_string()))?;
    let seconds = start.elapsed().as_secs_f64();
    Ok((v.report(&persons, seconds), persons))
}

/// Runs the subcommand.
pub fn run(args: ValidateArgs) -> Result<(), CliError> {
    if args.persons == 0 {
        return Err(input("--persons: must be at least 1"));
    }
    if args.threads == Some(0) {
        return Err(input("--threads: must be at least 1"));
    }
    let population = if args.theta_grid {
        Population::theta_grid()
    } else {
        Population::parse(&args.population).map_err(|e| input(format!("--population: {e}")))?
    };
    let context = ContextMix::parse(&args.context).map_err(|e| input(format!("--context: {e}")))?;
    let options = Options {
        mode: match args.mode {
            ModeArg::Agent => Mode::Agent,
            ModeArg::Kiosk => Mode::Kiosk,
            ModeArg::SelfTest => Mode::SelfTest,
        },
        persons: args.persons,
        seed: args.seed,
        population,
        context,
        style: match args.style {
            StyleArg::Skip => Style::Skip,
            StyleArg::Guess => Style::Guess,
        },
        shift_b: args.shift_b,
        perturb_b: args.perturb_b,
        domain_sd: args.domain_sd,
        truth: None,
    };
    let bank = load(args.bank.as_deref())?;
    let options = match &args.truth_bank {
        None => options,
        Some(dir) => {
            let truth = load(Some(dir)).map_err(|e| match e {
                CliError::Input(m) => input(m.replacen("--bank", "--truth-bank", 1)),
                e => e,
            })?;
            let items = truth
                .items()
                .iter()
                .map(|it| (it.id.clone(), it.engine_item().clone()))
                .collect();
            Options {
                truth: Some(std::sync::Arc::new(items)),
                ..options
            }
        }
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if let Some(r_max) = args.calibrate_exposure {
        let runs: Vec<Options> = [Mode::Agent, Mode::Kiosk]
            .into_iter()
            .map(|mode| Options {
                mode,
                ..options.clone()
            })
            .collect();
        let cal = calibrate_exposure(&bank, &runs, r_max, args.iterations, threads)
            .map_err(|e| input(e.to_string()))?;
        if args.json {
            let text =
                serde_json::to_string_pretty(&cal).map_err(|e| CliError::Other(e.to_string()))?;
            println!("{text}");
        } else {
            println!(
                "# repere validate --calibrate-exposure {r_max}: target {:.3}, largest exposure \
                 by iteration {}; check {:.3}",
                cal.target,
                cal.max_exposure
                    .iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                cal.check_max_exposure
            );
            println!("[session.exposure]");
            for (id, k) in &cal.k {
                println!("\"{id}\" = {k}");
            }
        }
        return Ok(());
    }
    let assessor = Assessor::new(&bank)
        .map_err(|e| CliError::Other(format!("the bank cannot run tests: {e}")))?;
    let (main, persons) = run_one(&assessor, options.clone(), threads)?;
    if args.answers_csv.is_some() || args.persons_csv.is_some() {
        let v = Validator::new(&assessor, options.clone()).map_err(|e| input(e.to_string()))?;
        for (file, text) in [
            (&args.answers_csv, v.answers_csv(&persons)),
            (&args.persons_csv, v.persons_csv(&persons)),
        ] {
            if let Some(file) = file {
                std::fs::write(file, text)
                    .map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
            }
        }
    }
    let full = if args.full {
        let grid = run_one(
            &assessor,
            Options {
                population: Population::theta_grid(),
                ..options.clone()
            },
            threads,
        )?
        .0;
        let with = |context: &str| -> Result<Vec<PersonResult>, CliError> {
            let context = ContextMix::parse(context).map_err(|e| input(e.to_string()))?;
            Ok(run_one(
                &assessor,
                Options {
                    context,
                    ..options.clone()
                },
                threads,
            )?
            .1)
        };
        let none = with("equipment=none,email=no")?;
        let computer = with("equipment=computer,email=yes")?;
        let other_style = match options.style {
            Style::Skip => Style::Guess,
            Style::Guess => Style::Skip,
        };
        let styled = run_one(
            &assessor,
            Options {
                style: other_style,
                ..options.clone()
            },
            threads,
        )?
        .1;
        let (skip, guess) = match options.style {
            Style::Skip => (&persons, &styled),
            Style::Guess => (&styled, &persons),
        };
        let perturbed = run_one(
            &assessor,
            Options {
                perturb_b: 0.5,
                ..options.clone()
            },
            threads,
        )?
        .0;
        Some(Full {
            main: main.clone(),
            grid,
            context: compare(&none, &computer),
            style: compare(skip, guess),
            perturbed,
        })
    } else {
        None
    };
    if let Some(dir) = &args.out {
        write_out(dir, &main, full.as_ref())?;
    }
    if args.json {
        let text = match &full {
            Some(f) => serde_json::to_string_pretty(f),
            None => serde_json::to_string_pretty(&main),
        }
        .map_err(|e| CliError::Other(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", table(&main, full.as_ref()));
    }
    Ok(())
}

fn write_out(dir: &Path, main: &Report, full: Option<&Full>) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Other(format!("--out {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let json = match full {
        Some(f) => serde_json::to_string_pretty(f),
        None => serde_json::to_string_pretty(main),
    }
    .map_err(|e| CliError::Other(e.to_string()))?;
    let files = [
        ("report.json", json + "\n"),
        ("length.svg", main.length_svg()),
        ("classes.svg", main.confusion_svg()),
        (
            "by_theta.svg",
            full.map_or_else(|| main.by_theta_svg(), |f| f.grid.by_theta_svg()),
        ),
        ("exposure.svg", main.exposure_svg()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).map_err(io)?;
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn range(map: &std::collections::BTreeMap<String, f64>) -> String {
    let lo = map.values().copied().fold(f64::INFINITY, f64::min);
    let hi = map.values().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() {
        format!("{lo:.2}–{hi:.2}")
    } else {
        "–".to_string()
    }
}

/// The measures of the issue, one per line.
fn table(r: &Report, full: Option<&Full>) -> String {
    let mut out = format!(
        "repere validate: {} persons x 2 tests, mode {}, {}, context {}, style {}, \
         shift-b {}, perturb-b {}, seed {}, référentiel {} ({:.1} s)\n",
        r.persons,
        r.mode,
        r.population,
        r.context,
        r.style,
        r.shift_b,
        r.perturb_b,
        r.seed,
        r.referentiel_version,
        r.seconds
    );
    let mut row = |name: &str, value: String| out.push_str(&format!("  {name:<44} {value}\n"));
    row("tests that stop at the cap", pct(r.cap_share));
    row(
        "length: median / p90 / mean",
        format!(
            "{} / {} / {:.1}",
            r.median_length, r.p90_length, r.mean_length
        ),
    );
    row(
        "RMSE / bias of θ̂",
        format!("{:.3} / {:+.3}", r.rmse, r.bias),
    );
    row(
        "class right (not borderline / all)",
        format!("{:.3} / {:.3}", r.class_accuracy, r.class_accuracy_all),
    );
    row("borderline share", pct(r.borderline_share));
    row(
        "same class on a retest (κ)",
        format!("{:.3} ({:.3})", r.class_retest_agreement, r.class_kappa),
    );
    row(
        "modality right / same on a retest",
        format!(
            "{:.3} / {:.3}",
            r.modality_accuracy, r.modality_retest_agreement
        ),
    );
    let first5 = |rep: &Report| {
        rep.first5_success
            .iter()
            .filter(|t| t.theta <= -1.99)
            .map(|t| format!("{:.2}", t.rate))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    row(
        "success on the first 5 items at θ = −3/−2.5/−2",
        first5(full.map_or(r, |f| &f.grid)),
    );
    row(
        "most exposed item / bank never used",
        format!("{:.2} / {}", r.exposure_max, pct(r.never_used_share)),
    );
    row(
        "domain level right / same on a retest",
        format!(
            "{} / {}",
            range(&r.domain_level_accuracy),
            range(&r.domain_level_retest_agreement)
        ),
    );
    row(
        "domain level right where enough answers",
        range(&r.domain_level_accuracy_enough),
    );
    row(
        "skill status right",
        format!("{:.3}", r.skill_status_accuracy),
    );
    if let Some(f) = full {
        row(
            "context (none/no vs computer/yes): Δθ̂",
            format!(
                "{:+.3} (mean |Δ| {:.3}), classes changed {}",
                f.context.mean_theta_change,
                f.context.mean_abs_theta_change,
                pct(f.context.class_change_share)
            ),
        );
        row(
            "guess vs skip: orientations changed",
            format!(
                "{} (classes {})",
                pct(f.style.modality_change_share),
                pct(f.style.class_change_share)
            ),
        );
        row(
            "perturb-b 0.5: modality / class right",
            format!(
                "{:.3} / {:.3}",
                f.perturbed.modality_accuracy, f.perturbed.class_accuracy
            ),
        );
    }
    out
}
