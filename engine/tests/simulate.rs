//! The simulator: exposure control after calibration, reproducibility, chunking, and
//! the report's figures and text forms.

mod support_session;

use repere_engine::bank::Bank;
use repere_engine::select::{Beginner, Filter, SelectConfig, SympsonHetter};
use repere_engine::session::{EstimatorConfig, SessionConfig};
use repere_engine::simulate::{
    self, calibrate_sympson_hetter, ExposureCalibration, ExposureOptions, Population, SimError,
    SimulationConfig,
};
use repere_engine::start::StartRule;
use repere_engine::stop::StopConfig;
use support_session::{bank, beginner_bank};

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

/// The calibration population (seeds 101, 102, … for its runs) and options: 10 classic
/// and 10 pooled iterations of 2,500 examinees, a margin for a check run of 5,000.
fn calibrate(bank: &Bank, session: SessionConfig, r_max: f64) -> ExposureCalibration {
    let calibration_run = SimulationConfig::normal(2500, session, 100);
    let options = ExposureOptions {
        check_examinees: 5000,
        ..ExposureOptions::new(r_max)
    };
    calibrate_sympson_hetter(bank, &calibration_run, &options).expect("calibrate")
}

fn with_exposure(session: SessionConfig, sh: &SympsonHetter) -> SessionConfig {
    SessionConfig {
        select: SelectConfig {
            exposure: Some(sh.clone()),
            ..session.select
        },
        ..session
    }
}

#[test]
fn sympson_hetter_keeps_exposure_at_or_under_its_cap() {
    let bank = bank(300, 12);
    let r_max = 0.2;
    let cal = calibrate(&bank, cat_config(), r_max);
    // The margin covers the sampling noise of a 5,000-examinee check and of the
    // parameters pooled over 25,000 examinees, at 3.5 standard errors.
    let margin = 3.5 * (0.2f64 * 0.8 * (1.0 / 5000.0 + 1.0 / 25_000.0)).sqrt();
    assert!((cal.margin - margin).abs() < 1e-12, "{}", cal.margin);
    assert!(cal.target <= r_max - margin + 1e-12);
    assert!(cal.admissible, "{cal:?}");
    assert!(cal.verification.iter().last().is_some_and(|&v| v <= r_max));
    assert_eq!(cal.max_exposure.len(), 20 * cal.verification.len());
    assert_eq!(cal.max_exposure[0], 1.0, "uncontrolled at first");
    assert!(cal.parameters.k.values().all(|&k| k > 0.0 && k < 1.0));

    // A check run on new examinees: seed 5 was used by no calibration run.
    let uncontrolled =
        simulate::simulate(&bank, &SimulationConfig::normal(5000, cat_config(), 5)).expect("sim");
    let controlled_config = with_exposure(cat_config(), &cal.parameters);
    let controlled =
        simulate::simulate(&bank, &SimulationConfig::normal(5000, controlled_config, 5))
            .expect("sim");
    assert!(
        uncontrolled.max_exposure > 0.5,
        "{}",
        uncontrolled.max_exposure
    );
    assert!(
        controlled.max_exposure <= r_max,
        "max exposure {} (calibration: {cal:?})",
        controlled.max_exposure
    );
    // Not bought by over-restriction: the busiest items reach the target.
    assert!(
        controlled.max_exposure > cal.target,
        "{} vs target {}",
        controlled.max_exposure,
        cal.target
    );
    // Exposure control spreads the bank at a small cost in precision.
    assert!(controlled.never_used < uncontrolled.never_used);
    assert!(controlled.overlap < uncontrolled.overlap);
    assert!(controlled.rmse < uncontrolled.rmse + 0.05);
}

#[test]
fn sympson_hetter_holds_its_cap_under_the_beginner_rule() {
    // When the Beginner rule finds no item easy enough it keeps the easiest one only; a
    // refused item must then send the step back through the filter on the items left,
    // not be given anyway (that would leave the easiest items at about 0.5 here).
    let bank = beginner_bank();
    let session = SessionConfig {
        start: StartRule::FixedTheta {
            theta: -1.0,
            sd: 1.0,
        },
        select: SelectConfig {
            filters: vec![Filter::Beginner(Beginner::default())],
            ..SelectConfig::default()
        },
        ..cat_config()
    };
    let beginners = |count, session, seed| SimulationConfig {
        population: Population::Uniform {
            lo: -3.0,
            hi: 1.0,
            count,
        },
        ..SimulationConfig::normal(count, session, seed)
    };
    // Smaller runs than above (this rule's steps cost more): a check of 4,000.
    let r_max = 0.2;
    let options = ExposureOptions {
        check_examinees: 4000,
        ..ExposureOptions::new(r_max)
    };
    let cal = calibrate_sympson_hetter(&bank, &beginners(1500, session.clone(), 100), &options)
        .expect("calibrate");
    assert!(cal.admissible, "{cal:?}");
    let controlled = simulate::simulate(
        &bank,
        &beginners(4000, with_exposure(session, &cal.parameters), 5),
    )
    .expect("sim");
    assert!(
        controlled.max_exposure <= r_max,
        "max exposure {} (calibration: {cal:?})",
        controlled.max_exposure
    );
    // The rule still does its job.
    assert!(
        controlled.first_five_success >= 0.75,
        "{}",
        controlled.first_five_success
    );
}

#[test]
fn an_impossible_cap_is_reported_not_hidden() {
    // 40 items and tests of 20: the exposure rates sum to 20, so some item is given to
    // at least half of the examinees whatever the parameters.
    let bank = bank(40, 2);
    let session = SessionConfig {
        stop: StopConfig {
            max_items: Some(20),
            se_below: None,
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    };
    let config = SimulationConfig::normal(400, session, 3);
    let options = ExposureOptions {
        iterations: 3,
        pooled_iterations: 3,
        rounds: 2,
        ..ExposureOptions::new(0.2)
    };
    let cal = calibrate_sympson_hetter(&bank, &config, &options).expect("calibrate");
    assert!(!cal.admissible);
    // The excess (over 0.3) is more than the target: no lower target can help.
    assert_eq!(cal.verification.len(), 1, "{cal:?}");
    assert!(cal.verification[0] >= 0.5, "{cal:?}");
    assert_eq!(cal.examinees, 400 * 7);
    // Reproducible.
    assert_eq!(
        calibrate_sympson_hetter(&bank, &config, &options).expect("calibrate"),
        cal
    );
    // Options that cannot work are typed errors.
    let bad = |options: ExposureOptions| calibrate_sympson_hetter(&bank, &config, &options);
    assert_eq!(bad(ExposureOptions::new(0.0)), Err(SimError::RMax(0.0)));
    assert_eq!(bad(ExposureOptions::new(1.5)), Err(SimError::RMax(1.5)));
    // 400 examinees cannot show a 0.01 cap: the margin (0.018) is larger than the cap.
    let err = bad(ExposureOptions::new(0.01)).expect_err("too few examinees");
    assert!(err.to_string().contains("simulate more examinees"), "{err}");
    let err = bad(ExposureOptions {
        rounds: 0,
        ..ExposureOptions::new(0.5)
    });
    assert!(matches!(err, Err(SimError::Exposure(_))), "{err:?}");
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
