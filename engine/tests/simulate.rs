//! The simulator: exposure control after calibration, reproducibility, chunking, and
//! the report's figures and text forms.

mod support_session;

use repere_engine::select::SelectConfig;
use repere_engine::session::{EstimatorConfig, SessionConfig};
use repere_engine::simulate::{self, calibrate_sympson_hetter, Population, SimulationConfig};
use repere_engine::stop::StopConfig;
use support_session::bank;

fn cat_config() -> SessionConfig {
    SessionConfig {
        stop: StopConfig {
            max_items: Some(20),
            se_below: Some(0.3),
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    }
}

/// Tolerance on the exposure cap: the check run uses a fresh seed, so its exposure
/// rates carry sampling noise (SD √(r(1−r)/N) ≈ 0.006 at r = 0.2, N = 5,000) on top
/// of the calibration's own.
const EXPOSURE_TOLERANCE: f64 = 0.03;

#[test]
fn sympson_hetter_keeps_exposure_under_its_cap() {
    let bank = bank(300, 12);
    let r_max = 0.2;
    let calibration_run = SimulationConfig::normal(1000, cat_config(), 100);
    let cal = calibrate_sympson_hetter(&bank, &calibration_run, r_max, 10).expect("calibrate");
    assert!(!cal.parameters.k.is_empty());
    let uncontrolled =
        simulate::simulate(&bank, &SimulationConfig::normal(5000, cat_config(), 5)).expect("sim");
    let controlled_config = SessionConfig {
        select: SelectConfig {
            exposure: Some(cal.parameters.clone()),
            ..SelectConfig::default()
        },
        ..cat_config()
    };
    let controlled =
        simulate::simulate(&bank, &SimulationConfig::normal(5000, controlled_config, 5))
            .expect("sim");
    assert!(
        uncontrolled.max_exposure > 0.5,
        "{}",
        uncontrolled.max_exposure
    );
    assert!(
        controlled.max_exposure <= r_max + EXPOSURE_TOLERANCE,
        "max exposure {} (calibration: {:?})",
        controlled.max_exposure,
        cal.max_exposure
    );
    // Exposure control spreads the bank at a small cost in precision.
    assert!(controlled.never_used < uncontrolled.never_used);
    assert!(controlled.overlap < uncontrolled.overlap);
    assert!(controlled.rmse < uncontrolled.rmse + 0.05);
}

#[test]
fn a_seeded_simulation_is_reproducible_and_independent_of_chunking() {
    let bank = bank(200, 3);
    let mut config = SimulationConfig::normal(400, cat_config(), 77);
    config.autonomy_cuts = vec![-1.0, 0.0, 1.0];
    let a = simulate::simulate(&bank, &config).expect("sim");
    let b = simulate::simulate(&bank, &config).expect("sim");
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
    // Any split, in any order, gives the same report (threads in the CLI).
    let plan = simulate::plan(&bank, &config).expect("plan");
    let chunks = vec![
        simulate::run_chunk(&bank, &plan, &config, 250..400).expect("chunk"),
        simulate::run_chunk(&bank, &plan, &config, 0..13).expect("chunk"),
        simulate::run_chunk(&bank, &plan, &config, 13..250).expect("chunk"),
    ];
    assert_eq!(simulate::report(&bank, &config, chunks), a);
    // Another seed, another simulation.
    config.seed = 78;
    assert_ne!(simulate::simulate(&bank, &config).expect("sim"), a);
}

#[test]
fn the_report_figures_are_consistent() {
    let bank = bank(250, 8);
    let mut config = SimulationConfig::normal(1000, cat_config(), 1);
    config.autonomy_cuts = vec![-1.0, 1.0];
    let r = simulate::simulate(&bank, &config).expect("sim");
    assert_eq!(r.examinees, 1000);
    assert!(r.bias.abs() < 0.1, "bias {}", r.bias);
    assert!(r.rmse > 0.2 && r.rmse < 0.45, "rmse {}", r.rmse);
    assert!(r.correlation > 0.9);
    assert!(r.mean_length >= r.min_length as f64 && r.mean_length <= r.max_length as f64);
    assert!(r.p95_length <= 20 && r.p95_length >= r.mean_length as usize);
    let total: f64 = r.exposure.iter().sum();
    assert!(
        (total - r.mean_length).abs() < 1e-9,
        "Σ exposure = mean length"
    );
    assert!(r.max_exposure <= 1.0 && r.never_used > 0.0 && r.never_used < 1.0);
    // Overlap from exposure rates: between L/N (perfectly even) and 1.
    assert!(r.overlap > r.mean_length / 250.0 && r.overlap < 1.0);
    assert_eq!(r.stop_reasons.values().sum::<usize>(), 1000);
    assert_eq!(
        r.conditional.iter().map(|b| b.examinees).sum::<usize>(),
        1000
    );
    assert_eq!(r.classes.len(), 3);
    assert!(r.class_accuracy.is_some_and(|a| a > 0.7 && a <= 1.0));
    // The middle bins measure better than the tails.
    let mid = &r.conditional[6];
    assert!(mid.examinees > 50 && mid.rmse < 0.4);

    let csv = r.conditional_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("theta_lo,theta_hi,examinees,"));
    assert!(lines.iter().all(|l| l.split(',').count() == 10));
    for svg in [r.conditional_se_svg(), r.exposure_svg()] {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}

#[test]
fn given_thetas_and_mle_work() {
    let bank = bank(300, 4);
    let config = SimulationConfig {
        population: Population::Thetas {
            thetas: [-2.0, -1.0, 0.0, 1.0, 2.0].repeat(60),
        },
        ..SimulationConfig::normal(
            0,
            SessionConfig {
                estimator: EstimatorConfig::Mle { range: (-6.0, 6.0) },
                ..cat_config()
            },
            9,
        )
    };
    let r = simulate::simulate(&bank, &config).expect("sim");
    assert_eq!(r.examinees, 300);
    assert!(r.rmse < 0.5, "{}", r.rmse);
    let bad = SimulationConfig {
        population: Population::Normal {
            mean: 0.0,
            sd: -1.0,
            count: 10,
        },
        ..config
    };
    assert!(simulate::simulate(&bank, &bad).is_err());
}
