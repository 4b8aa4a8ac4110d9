//! Times the calibration and prints one JSON line.
//!
//! `calibrate_bench RESPONSES.csv TRUTH.csv [RUNS] [TOLERANCE]` fits a 2PL to a
//! complete data set written by `xtask/bench/girth_compare.py` (RESPONSES.csv: one
//! row per person, one 0/1 column per item, no header; TRUTH.csv: one row `a,b` per
//! item). Only calls to `calibrate` are timed, each figure the median of RUNS
//! (default 5):
//!
//! - `seconds`: the estimates alone (no standard errors, no item fit), the job
//!   girth's `twopl_mml` does;
//! - `seconds_se`: with the standard errors;
//! - `seconds_full`: with the standard errors and the item fit (the default
//!   configuration, what `repere calibrate` runs).
//!
//! TOLERANCE (default: the engine's 1e-4, with the log-likelihood criterion 1e-3)
//! is the largest parameter change of the last EM step; girth stops when no
//! discrimination moves by more than 1e-3 between its cycles, so `1e-3` (and the
//! log-likelihood criterion off) is the like-for-like setting.
//!
//! `calibrate_bench --adaptive [RUNS]` times the sparse adaptive design of the
//! recovery test (20,000 persons × 15 of 150 items) instead.
//!
//! Environment: `CALIBRATE_BENCH_THREADS=n` (default 1: girth uses one core),
//! `CALIBRATE_BENCH_PLAIN=1` for plain EM (no SQUAREM),
//! `CALIBRATE_BENCH_HEADLINE_ONLY=1` to time the estimates alone (for profiling),
//! `CALIBRATE_BENCH_POINTS=n` for `n` rectangular nodes on ±6 instead of the
//! default grid, `CALIBRATE_BENCH_DUMP=FILE` to write the estimates `a,b`.

#[path = "../tests/calibrate_support/mod.rs"]
mod calibrate_support;

use std::time::Instant;

use repere_engine::calibrate::{
    calibrate, Acceleration, Answer, Calibration, Config, ItemModel, ItemSetup, ItemStatus,
    Quadrature, Responses,
};
use repere_engine::irt::Item;

fn main() {
    if let Err(e) = run() {
        eprintln!("calibrate_bench: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (data, truth, runs, tolerance) = if args.get(1).map(String::as_str) == Some("--adaptive") {
        let runs = parse_runs(args.get(2))?;
        let (data, truth) = adaptive();
        (data, truth, runs, None)
    } else {
        if args.len() < 3 {
            return Err(
                "usage: calibrate_bench RESPONSES.csv TRUTH.csv [RUNS] [TOLERANCE] | --adaptive [RUNS]"
                    .into(),
            );
        }
        let (data, truth) = read(&args[1], &args[2])?;
        let tolerance = match args.get(4) {
            Some(t) => Some(
                t.parse::<f64>()
                    .map_err(|_| format!("bad TOLERANCE `{t}`"))?,
            ),
            None => None,
        };
        (data, truth, parse_runs(args.get(3))?, tolerance)
    };
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); data.items()];
    let threads = match std::env::var("CALIBRATE_BENCH_THREADS") {
        Ok(t) => t.parse().map_err(|_| format!("bad threads `{t}`"))?,
        Err(_) => 1,
    };
    let mut config = Config {
        threads: Some(threads),
        ..Config::default()
    };
    if std::env::var_os("CALIBRATE_BENCH_PLAIN").is_some() {
        config.acceleration = Acceleration::None;
    }
    if let Ok(points) = std::env::var("CALIBRATE_BENCH_POINTS") {
        config.quadrature = Quadrature::Rectangular {
            points: points
                .parse()
                .map_err(|_| format!("bad points `{points}`"))?,
            bound: 6.0,
        };
    }
    if let Some(t) = tolerance {
        config.tolerance = t;
        config.loglik_tolerance = 1e9;
    }
    let time = |standard_errors: bool, item_fit: bool| -> Result<(f64, Calibration), String> {
        let config = Config {
            standard_errors,
            item_fit,
            ..config.clone()
        };
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            let cal = calibrate(&data, &setups, &config).map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64());
            last = Some(cal);
        }
        times.sort_by(f64::total_cmp);
        Ok((times[times.len() / 2], last.ok_or("no run")?))
    };
    let (seconds, cal) = time(false, false)?;
    if let Some(path) = std::env::var_os("CALIBRATE_BENCH_DUMP") {
        let mut out = String::new();
        for r in &cal.items {
            if let Some(Item::Logistic(l)) = &r.item {
                out.push_str(&format!("{:.12},{:.12}\n", l.a, l.b));
            }
        }
        std::fs::write(&path, out).map_err(|e| e.to_string())?;
    }
    if std::env::var_os("CALIBRATE_BENCH_HEADLINE_ONLY").is_some() {
        println!(
            "{{\"seconds\": {seconds:.6}, \"e_steps\": {}}}",
            cal.e_steps
        );
        return Ok(());
    }
    let (seconds_se, with_se) = time(true, false)?;
    let (seconds_full, full) = time(true, true)?;
    // The SE and fit passes run after the iterations: the estimates are the same.
    for (x, y) in cal
        .items
        .iter()
        .zip(with_se.items.iter().chain(&full.items))
    {
        if x.item != y.item {
            return Err("estimates differ with standard errors or fit on".into());
        }
    }
    let (rmse_a, rmse_b, estimated) = rmse(&truth, &cal)?;
    println!(
        "{{\"seconds\": {seconds:.6}, \"seconds_se\": {seconds_se:.6}, \"seconds_full\": {seconds_full:.6}, \
         \"runs\": {runs}, \"threads\": {}, \"acceleration\": \"{:?}\", \"tolerance\": {}, \
         \"loglik_tolerance\": {}, \"iterations\": {}, \"e_steps\": {}, \"converged\": {}, \
         \"persons\": {}, \"items\": {}, \"answers\": {}, \"estimated\": {estimated}, \
         \"rmse_a\": {rmse_a:.5}, \"rmse_b\": {rmse_b:.5}}}",
        config.threads.unwrap_or(1),
        config.acceleration,
        config.tolerance,
        config.loglik_tolerance,
        cal.iterations,
        cal.e_steps,
        cal.converged,
        data.persons(),
        data.items(),
        data.len(),
    );
    Ok(())
}

fn parse_runs(arg: Option<&String>) -> Result<usize, String> {
    arg.map_or(Ok(5), |r| r.parse().map_err(|_| format!("bad RUNS `{r}`")))
        .map(|r: usize| r.max(1))
}

/// RMSE of a and b over the estimated items, and their number.
fn rmse(truth: &[(f64, f64)], cal: &Calibration) -> Result<(f64, f64, usize), String> {
    let (mut sa, mut sb, mut n) = (0.0, 0.0, 0);
    for ((a0, b0), r) in truth.iter().zip(&cal.items) {
        if r.status != ItemStatus::Estimated {
            continue;
        }
        let Some(Item::Logistic(l)) = &r.item else {
            return Err("an estimated item is not logistic".into());
        };
        sa += (l.a - a0).powi(2);
        sb += (l.b - b0).powi(2);
        n += 1;
    }
    let m = n.max(1) as f64;
    Ok(((sa / m).sqrt(), (sb / m).sqrt(), n))
}

/// The sparse adaptive design of `calibrate_recovery.rs` (same seed).
fn adaptive() -> (Responses, Vec<(f64, f64)>) {
    use calibrate_support::*;
    let mut rng = rng(7);
    let items = two_pl_bank(150, &mut rng);
    let thetas = thetas(20_000, 0.0, 1.0, &mut rng);
    let data = adaptive_design(&items, &thetas, 15, &mut rng);
    let truth = items
        .iter()
        .map(|it| {
            let (a, b, _) = abc(it);
            (a, b)
        })
        .collect();
    (data, truth)
}

fn read(responses: &str, truth: &str) -> Result<(Responses, Vec<(f64, f64)>), String> {
    let text = std::fs::read_to_string(responses).map_err(|e| format!("{responses}: {e}"))?;
    let mut answers = Vec::new();
    let mut persons = 0;
    let mut items = 0;
    for (p, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let row: Vec<&str> = line.split(',').collect();
        items = row.len();
        for (j, v) in row.iter().enumerate() {
            let score: usize = v
                .trim()
                .parse()
                .map_err(|_| format!("{responses}:{}: bad score `{v}`", p + 1))?;
            answers.push(Answer {
                person: p,
                item: j,
                score,
            });
        }
        persons = p + 1;
    }
    let truth_text = std::fs::read_to_string(truth).map_err(|e| format!("{truth}: {e}"))?;
    let mut pairs = Vec::new();
    for (i, line) in truth_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let v: Vec<f64> = line
            .split(',')
            .map(|x| x.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{truth}:{}: bad number", i + 1))?;
        if v.len() != 2 {
            return Err(format!("{truth}:{}: expected `a,b`", i + 1));
        }
        pairs.push((v[0], v[1]));
    }
    if pairs.len() != items {
        return Err(format!(
            "{items} items in the answers, {} in the truth",
            pairs.len()
        ));
    }
    let data = Responses::new(persons, items, answers).map_err(|e| e.to_string())?;
    Ok((data, pairs))
}
