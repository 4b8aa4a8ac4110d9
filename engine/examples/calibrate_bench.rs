//! Times the 2PL calibration on a complete data set written by
//! `xtask/bench/girth_compare.py` and prints one JSON line:
//! `{"seconds": …, "runs": …, "iterations": …, "rmse_a": …, "rmse_b": …}`.
//!
//! Usage: `calibrate_bench RESPONSES.csv TRUTH.csv [RUNS] [TOLERANCE]`, where RESPONSES.csv has
//! one row per person and one 0/1 column per item (no header), and TRUTH.csv one
//! row `a,b` per item (no header). Only the call to `calibrate` is timed (median of
//! RUNS, default 5), standard errors and item fit included. TOLERANCE (default: the
//! engine's, 1e-4) is the largest parameter change at convergence; girth stops when
//! no discrimination moves by more than 1e-3, so 1e-3 (with the log-likelihood
//! criterion relaxed) is the like-for-like setting.

use std::time::Instant;

use repere_engine::calibrate::{calibrate, Answer, Config, ItemModel, ItemSetup, Responses};
use repere_engine::irt::Item;

fn main() {
    if let Err(e) = run() {
        eprintln!("calibrate_bench: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: calibrate_bench RESPONSES.csv TRUTH.csv [RUNS]".into());
    }
    let runs: usize = args
        .get(3)
        .map_or(Ok(5), |r| r.parse().map_err(|_| format!("bad RUNS `{r}`")))?;
    let text = std::fs::read_to_string(&args[1]).map_err(|e| format!("{}: {e}", args[1]))?;
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
                .map_err(|_| format!("{}:{}: bad score `{v}`", args[1], p + 1))?;
            answers.push(Answer {
                person: p,
                item: j,
                score,
            });
        }
        persons = p + 1;
    }
    let truth_text = std::fs::read_to_string(&args[2]).map_err(|e| format!("{}: {e}", args[2]))?;
    let mut truth = Vec::new();
    for (i, line) in truth_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let v: Vec<f64> = line
            .split(',')
            .map(|x| x.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{}:{}: bad number", args[2], i + 1))?;
        if v.len() != 2 {
            return Err(format!("{}:{}: expected `a,b`", args[2], i + 1));
        }
        truth.push((v[0], v[1]));
    }
    if truth.len() != items {
        return Err(format!(
            "{} items in the answers, {} in the truth",
            items,
            truth.len()
        ));
    }
    let data = Responses::new(persons, items, answers).map_err(|e| e.to_string())?;
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); items];
    let mut config = Config::default();
    if std::env::var_os("CALIBRATE_BENCH_NO_SE").is_some() {
        config.standard_errors = false;
    }
    if let Some(t) = args.get(4) {
        config.tolerance = t.parse().map_err(|_| format!("bad TOLERANCE `{t}`"))?;
        config.loglik_tolerance = 1e9;
    }
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let cal = calibrate(&data, &setups, &config).map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64());
        last = Some(cal);
    }
    times.sort_by(f64::total_cmp);
    let cal = last.ok_or("no run")?;
    let (mut sa, mut sb) = (0.0, 0.0);
    for ((a0, b0), r) in truth.iter().zip(&cal.items) {
        let Some(Item::Logistic(l)) = &r.item else {
            return Err("an item was not estimated".into());
        };
        sa += (l.a - a0).powi(2);
        sb += (l.b - b0).powi(2);
    }
    let n = items as f64;
    println!(
        "{{\"seconds\": {:.6}, \"runs\": {}, \"tolerance\": {}, \"iterations\": {}, \"converged\": {}, \"rmse_a\": {:.5}, \"rmse_b\": {:.5}}}",
        times[times.len() / 2],
        times.len(),
        config.tolerance,
        cal.iterations,
        cal.converged,
        (sa / n).sqrt(),
        (sb / n).sqrt()
    );
    Ok(())
}
