//! Replay: the answer log with the bank, configuration and seed rebuilds a session bit
//! for bit, refuses a tampered log, and survives a serde round trip mid-test.

mod support_session;

use std::collections::BTreeMap;

use repere_engine::bank::Bank;
use repere_engine::select::{Beginner, ContentBalancing, Filter, SelectConfig, SympsonHetter};
use repere_engine::session::{
    AnswerError, EstimatorConfig, LogEntry, ReplayError, Session, SessionConfig, SessionState,
};
use repere_engine::stop::{StopConfig, StopReason};
use support_session::rich_bank;

/// A configuration that exercises every random and stateful part.
fn busy_config() -> SessionConfig {
    let bank = rich_bank();
    let k: BTreeMap<String, f64> = bank
        .items()
        .iter()
        .step_by(3)
        .map(|it| (it.id.clone(), 0.5))
        .collect();
    SessionConfig {
        select: SelectConfig {
            filters: vec![
                Filter::ContentBalancing(ContentBalancing {
                    min_per_domain: 2,
                    ..ContentBalancing::default()
                }),
                Filter::Beginner(Beginner::default()),
            ],
            randomesque: 4,
            exposure: Some(SympsonHetter { k }),
            ..SelectConfig::default()
        },
        stop: StopConfig {
            max_items: Some(25),
            se_below: Some(0.3),
            domain_se_below: Some(0.2),
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    }
}

/// Plays a test with a fixed answer rule; returns the session and, after each answer,
/// the bits of θ and SE.
fn play<'a>(bank: &'a Bank, config: SessionConfig, seed: u64) -> (Session<'a>, Vec<(u64, u64)>) {
    let mut s = Session::new(bank, config, seed).expect("config");
    let mut trace = Vec::new();
    let mut n = 0u64;
    while let Some(item) = s.next_item() {
        let id = item.id.clone();
        let max = item.item.max_score();
        match n % 5 {
            0 => s.skip(&id, 4_000).expect("skip"),
            1 | 3 => s.answer(&id, max, 7_000 + n).expect("answer"),
            2 => s.answer(&id, max.min(1), 9_000).expect("answer"),
            _ => s.answer(&id, 0, 12_000).expect("answer"),
        }
        let e = s.estimate();
        trace.push((e.theta.to_bits(), e.se.to_bits()));
        n += 1;
    }
    (s, trace)
}

#[test]
fn replay_is_bit_identical() {
    let bank = rich_bank();
    for estimator in [
        EstimatorConfig::Eap,
        EstimatorConfig::Mle { range: (-6.0, 6.0) },
    ] {
        let config = SessionConfig {
            estimator,
            ..busy_config()
        };
        let (s, trace) = play(&bank, config.clone(), 42);
        let log = s.log();
        assert!(log.len() >= 10, "a real test: {} items", log.len());
        assert!(log.iter().any(|e| e.skipped));
        let r = Session::replay(&bank, config.clone(), 42, &log).expect("replay");
        assert_eq!(r.log(), log);
        assert_eq!(r.state(), s.state());
        assert_eq!(r.is_finished(), s.is_finished());
        assert_eq!(r.estimate().theta.to_bits(), s.estimate().theta.to_bits());
        assert_eq!(r.estimate().se.to_bits(), s.estimate().se.to_bits());
        assert_eq!(r.domain_estimates(), s.domain_estimates());
        // Every prefix replays to the same numbers as the live session had then.
        for (n, bits) in trace.iter().enumerate() {
            let p = Session::replay(&bank, config.clone(), 42, &log[..=n]).expect("prefix");
            let e = p.estimate();
            assert_eq!((e.theta.to_bits(), e.se.to_bits()), *bits, "after {n}");
        }
        // Another seed gives another test (the seed is really used).
        let (other, _) = play(&bank, config, 43);
        assert_ne!(other.log(), log);
    }
}

#[test]
fn replay_rejects_a_tampered_log() {
    let bank = rich_bank();
    let config = busy_config();
    let (s, _) = play(&bank, config.clone(), 7);
    let log = s.log();

    // Another item at position 3.
    let mut t = log.clone();
    let other = bank
        .items()
        .iter()
        .find(|it| log.iter().all(|e| e.item != it.id))
        .expect("an item not given");
    t[3].item = other.id.clone();
    match Session::replay(&bank, config.clone(), 7, &t) {
        Err(ReplayError::WrongItem {
            position, found, ..
        }) => assert_eq!((position, found.as_str()), (3, other.id.as_str())),
        r => panic!("expected WrongItem, got {r:?}"),
    }
    // Two items swapped.
    let mut t = log.clone();
    t.swap(4, 5);
    assert!(matches!(
        Session::replay(&bank, config.clone(), 7, &t),
        Err(ReplayError::WrongItem { position: 4, .. })
    ));
    // An unknown item.
    let mut t = log.clone();
    t[0].item = "no-such-item".into();
    assert!(matches!(
        Session::replay(&bank, config.clone(), 7, &t),
        Err(ReplayError::WrongItem { position: 0, .. })
    ));
    // A flipped first score changes what comes next.
    let mut t = log.clone();
    t[1].score = 1 - t[1].score.min(1);
    assert!(Session::replay(&bank, config.clone(), 7, &t).is_err());
    // A skipped entry with a score.
    let mut t = log.clone();
    t[0].score = 1;
    assert!(matches!(
        Session::replay(&bank, config.clone(), 7, &t),
        Err(ReplayError::SkippedWithScore {
            position: 0,
            score: 1
        })
    ));
    // A score out of range.
    let mut t = log.clone();
    t[1].score = 9;
    assert!(matches!(
        Session::replay(&bank, config.clone(), 7, &t),
        Err(ReplayError::Answer {
            position: 1,
            source: AnswerError::Score { .. }
        })
    ));
    // Entries after the end.
    let mut t = log.clone();
    t.push(LogEntry {
        item: other.id.clone(),
        score: 0,
        skipped: false,
        elapsed_ms: 0,
    });
    assert!(matches!(
        Session::replay(&bank, config.clone(), 7, &t),
        Err(ReplayError::AfterFinish { .. })
    ));
    // The wrong seed.
    assert!(Session::replay(&bank, config, 8, &log).is_err());
}

#[test]
fn a_mid_test_session_survives_a_serde_round_trip() {
    let bank = rich_bank();
    let config = busy_config();
    let mut live = Session::new(&bank, config, 2024).expect("config");
    for n in 0..6 {
        let item = live.next_item().expect("item");
        let id = item.id.clone();
        live.answer(&id, n % 2, 5_000).expect("answer");
    }
    // The item on screen when the page is reloaded.
    let shown = live.next_item().expect("item").id.clone();
    let json = serde_json::to_string(&live.state()).expect("serialise");
    let state: SessionState = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(state, live.state());
    let mut restored = Session::from_state(&bank, &state).expect("restore");
    assert_eq!(restored.next_item().expect("item").id, shown);
    // Both go on identically to the end.
    let mut n = 0;
    while let Some(item) = live.next_item() {
        let id = item.id.clone();
        let other = restored.next_item().expect("same length").id.clone();
        assert_eq!(id, other);
        live.answer(&id, n % 3 % 2, 3_000).expect("answer");
        restored.answer(&id, n % 3 % 2, 3_000).expect("answer");
        n += 1;
    }
    assert!(restored.next_item().is_none());
    assert_eq!(restored.state(), live.state());

    // A stored state whose estimate was edited is refused.
    let mut forged = state.clone();
    forged.estimate.theta += 0.5;
    assert!(matches!(
        Session::from_state(&bank, &forged),
        Err(ReplayError::EstimateMismatch { .. })
    ));
}

#[test]
fn answers_are_checked() {
    let bank = rich_bank();
    let config = SessionConfig {
        stop: StopConfig {
            max_items: Some(2),
            se_below: None,
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    };
    let mut s = Session::new(&bank, config, 1).expect("config");
    let next = s.next_item().expect("item").clone();
    let other = bank
        .items()
        .iter()
        .find(|it| it.id != next.id)
        .expect("other");
    assert!(matches!(
        s.answer(&other.id, 1, 0),
        Err(AnswerError::NotTheNextItem { .. })
    ));
    assert!(matches!(
        s.answer("nope", 1, 0),
        Err(AnswerError::UnknownItem(_))
    ));
    assert!(matches!(
        s.answer(&next.id, 7, 0),
        Err(AnswerError::Score { .. })
    ));
    assert!(s.is_empty(), "refused answers leave no trace");
    s.answer(&next.id, 1, 0).expect("answer");
    let second = s.next_item().expect("item").id.clone();
    s.skip(&second, 0).expect("skip");
    assert_eq!(s.is_finished(), Some(StopReason::MaxItems));
    assert!(s.next_item().is_none());
    assert!(matches!(
        s.answer(&second, 1, 0),
        Err(AnswerError::Finished(StopReason::MaxItems))
    ));
    let log = s.log();
    assert!(log[1].skipped && log[1].score == 0);
}

#[test]
fn mle_uses_dodds_step_for_constant_patterns() {
    let bank = support_session::bank(200, 6);
    let (b_min, b_max) = bank.difficulty_range();
    let config = SessionConfig {
        estimator: EstimatorConfig::Mle { range: (-6.0, 6.0) },
        ..SessionConfig::default()
    };
    let mut s = Session::new(&bank, config.clone(), 0).expect("config");
    let mut theta = 0.0;
    for _ in 0..3 {
        let id = s.next_item().expect("item").id.clone();
        s.answer(&id, 1, 0).expect("answer");
        theta += (b_max - theta) / 2.0;
        assert!((s.estimate().theta - theta).abs() < 1e-12);
    }
    // A first wrong answer: now a real maximum likelihood estimate inside the range.
    let id = s.next_item().expect("item").id.clone();
    s.answer(&id, 0, 0).expect("answer");
    let e = s.estimate().theta;
    assert!(e > b_min && e < 6.0 && e != theta, "{e}");
    let mut s = Session::new(&bank, config, 0).expect("config");
    let id = s.next_item().expect("item").id.clone();
    s.answer(&id, 0, 0).expect("answer");
    assert!((s.estimate().theta - b_min / 2.0).abs() < 1e-12);
}

#[test]
fn the_session_mle_is_the_bounded_mle() {
    use repere_engine::estimate::{AbilityEstimator, Mle};
    use repere_engine::irt::Item;
    let bank = rich_bank();
    let mle = Mle { range: (-6.0, 6.0) };
    let mut compared = 0;
    for seed in 0..30u64 {
        let config = SessionConfig {
            estimator: EstimatorConfig::Mle { range: (-6.0, 6.0) },
            stop: StopConfig {
                max_items: Some(20),
                se_below: None,
                ..StopConfig::default()
            },
            ..SessionConfig::default()
        };
        let mut s = Session::new(&bank, config, seed).expect("config");
        let mut n = 0u64;
        let (mut items, mut scores): (Vec<Item>, Vec<usize>) = (Vec::new(), Vec::new());
        while let Some(item) = s.next_item() {
            let id = item.id.clone();
            let score = usize::from(!(seed + n * 7).is_multiple_of(3)).min(item.item.max_score());
            items.push(item.item.clone());
            scores.push(score);
            s.answer(&id, score, 0).expect("answer");
            n += 1;
            let constant = scores.iter().all(|&x| x == 0)
                || scores
                    .iter()
                    .zip(&items)
                    .all(|(&x, it)| x == it.max_score());
            if !constant {
                let batch = mle.estimate(&items, &scores).expect("mle");
                let e = s.estimate();
                assert!(
                    (e.theta - batch.theta).abs() < 1e-6,
                    "{} vs {}",
                    e.theta,
                    batch.theta
                );
                assert!((e.se - batch.se).abs() < 1e-6 * batch.se.max(1.0));
                compared += 1;
            }
        }
    }
    assert!(compared > 300, "{compared}");
}

#[test]
fn the_session_eap_is_the_batch_eap_bit_for_bit() {
    use repere_engine::estimate::{AbilityEstimator, Eap, Grid, Prior};
    use repere_engine::irt::Item;
    let bank = rich_bank();
    let eap = Eap {
        grid: Grid::new(-6.0, 6.0, 121).expect("grid"),
        prior: Prior::Normal { mean: 0.0, sd: 1.0 },
    };
    let mut compared = 0;
    for (seed, config) in [(3u64, busy_config()), (4, SessionConfig::default())] {
        let mut s = Session::new(&bank, config, seed).expect("config");
        let (mut items, mut scores): (Vec<Item>, Vec<usize>) = (Vec::new(), Vec::new());
        let mut n = 0;
        while let Some(item) = s.next_item() {
            let id = item.id.clone();
            let score = (n * 5 + 1) % 3 % (item.item.max_score() + 1);
            items.push(item.item.clone());
            scores.push(score);
            s.answer(&id, score, 0).expect("answer");
            let batch = eap.estimate(&items, &scores).expect("eap");
            let e = s.estimate();
            assert_eq!(e.theta.to_bits(), batch.theta.to_bits(), "after {n}");
            assert_eq!(e.se.to_bits(), batch.se.to_bits(), "after {n}");
            compared += 1;
            n += 1;
        }
    }
    assert!(compared >= 20, "{compared}");
    assert!(bank.items().iter().any(|it| it.item.max_score() > 1));
}

/// A configuration file using every rule and option: it reads back as written, and a
/// session run by it survives a round trip of its state.
#[test]
fn every_configuration_part_survives_a_serde_round_trip() {
    use repere_engine::select::{BeginnerStep, Ranking};
    use repere_engine::session::GridConfig;
    use repere_engine::start::{ContextAnswer, ContextLookup, ContextPrior, ContextRow, StartRule};
    use repere_engine::stop::Combine;

    let bank = rich_bank();
    let answer = |q: &str, a: &str| ContextAnswer {
        question: q.into(),
        answer: a.into(),
    };
    let mut config = busy_config();
    config.start = StartRule::ContextPrior(ContextPrior {
        mean: 0.1,
        sd: 1.1,
        rows: vec![ContextRow {
            question: "smartphone".into(),
            answer: "no".into(),
            mean_shift: -0.9,
            sd: Some(0.9),
        }],
        lookup: vec![ContextLookup {
            answers: vec![answer("smartphone", "no"), answer("email", "never")],
            mean: -1.7,
            sd: 0.8,
        }],
    });
    config.context = vec![answer("smartphone", "no")];
    config.unavailable.hearing = true;
    config.grid = GridConfig {
        lo: -5.0,
        hi: 5.0,
        points: 101,
    };
    config.select.ranking = Ranking::KullbackLeibler;
    config
        .select
        .filters
        .push(Filter::ContentBalancing(ContentBalancing {
            minimum: BTreeMap::from([(bank.domains()[0].clone(), 3)]),
            targets: BTreeMap::from([(bank.domains()[1].clone(), 0.5)]),
            ..ContentBalancing::default()
        }));
    config.select.filters.push(Filter::Beginner(Beginner {
        schedule: vec![
            BeginnerStep {
                until: 3,
                min_success: 0.85,
            },
            BeginnerStep {
                until: 6,
                min_success: 0.75,
            },
        ],
        then: 0.6,
        caution: 0.25,
        fallback: 1,
    }));
    config.stop = StopConfig {
        min_items: 4,
        max_items: Some(18),
        max_duration_ms: Some(600_000),
        se_below: Some(0.35),
        domain_se_below: Some(0.5),
        min_per_domain: Some(1),
        classify: None,
        combine: Combine::All,
    };
    for estimator in [
        EstimatorConfig::Eap,
        EstimatorConfig::Map { range: (-4.0, 4.0) },
        EstimatorConfig::Mle { range: (-5.0, 5.0) },
        EstimatorConfig::Wle { range: (-4.5, 4.5) },
    ] {
        config.estimator = estimator;
        let json = serde_json::to_string_pretty(&config).expect("serialise");
        let back: SessionConfig = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, config, "{json}");

        let (live, _) = play(&bank, config.clone(), 31);
        assert!(live.len() >= 4, "{} items", live.len());
        let json = serde_json::to_string(&live.state()).expect("serialise");
        let state: SessionState = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(state, live.state());
        let restored = Session::from_state(&bank, &state).expect("restore");
        assert_eq!(restored.state(), live.state());
    }
}
