//! The classification-aware stop, the Beginner rule's fallback and the random order
//! of domains: each does what it says, on simulated tests.

mod support_session;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::bank::Bank;
use repere_engine::classify::{class_index, ClassDecision};
use repere_engine::irt::Item;
use repere_engine::select::{Beginner, BeginnerStep, ContentBalancing, Filter, SelectConfig};
use repere_engine::session::{Session, SessionConfig};
use repere_engine::start::StartRule;
use repere_engine::stop::{ClassifyStop, Combine, StopConfig, StopReason};
use support_session::{bank, one_skill_bank};

const CUTS: [f64; 3] = [-1.5, -0.5, 0.5];

fn classify_config(decision: ClassDecision) -> SessionConfig {
    SessionConfig {
        start: StartRule::FixedTheta {
            theta: -1.0,
            sd: 1.0,
        },
        stop: StopConfig {
            min_items: 5,
            max_items: Some(40),
            se_below: None,
            classify: Some(ClassifyStop {
                cuts: CUTS.to_vec(),
                decision,
                clear_se: Some(0.6),
                borderline_se: 0.3,
            }),
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    }
}

/// Runs a test of a person at θ with seeded answers drawn from the model.
fn run<'b>(bank: &'b Bank, config: &SessionConfig, theta: f64, seed: u64) -> Session<'b> {
    let mut s = Session::new(bank, config.clone(), seed).expect("config");
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1000);
    while let Some(item) = s.next_item() {
        let p = item.item.success_prob(theta);
        let score = usize::from(rng.random::<f64>() < p);
        let id = item.id.clone();
        s.answer(&id, score, 1000).expect("answer");
    }
    s
}

#[test]
fn a_clear_class_stops_early_and_a_person_at_a_cut_stops_as_borderline() {
    let bank = bank(400, 3);
    let config = classify_config(ClassDecision::Interval { z: 1.0 });
    let (mut far, mut near) = (Vec::new(), Vec::new());
    for seed in 0..60 {
        // θ = −2.5 is a logit below the lowest cut; θ = 0.5 sits on a cut.
        far.push(run(&bank, &config, -2.5, seed));
        near.push(run(&bank, &config, 0.5, seed));
    }
    let reasons =
        |v: &[Session<'_>], r: StopReason| v.iter().filter(|s| s.is_finished() == Some(r)).count();
    let mean_len = |v: &[Session<'_>]| v.iter().map(Session::len).sum::<usize>() as f64 / 60.0;
    // Every test ends by the classification rule (never at the 40-item cap here).
    assert_eq!(
        reasons(&far, StopReason::Classified) + reasons(&far, StopReason::Borderline),
        60
    );
    assert_eq!(
        reasons(&near, StopReason::Classified) + reasons(&near, StopReason::Borderline),
        60
    );
    // On a cut, the class is often not clear: the test goes on to SE ≤ 0.3. Far
    // from every cut, it rarely is not.
    let (b_near, b_far) = (
        reasons(&near, StopReason::Borderline),
        reasons(&far, StopReason::Borderline),
    );
    assert!(
        b_near >= 15 && b_far <= 8,
        "borderline: {b_near} on a cut, {b_far} between"
    );
    for s in near
        .iter()
        .filter(|s| s.is_finished() == Some(StopReason::Borderline))
    {
        assert!(s.estimate().se <= 0.3 + 1e-12);
    }
    // A clear result has θ̂ at least 1 SE from every cut, with SE ≤ 0.6.
    for s in far.iter().chain(&near) {
        if s.is_finished() == Some(StopReason::Classified) {
            let e = s.estimate();
            assert!(e.se <= 0.6 + 1e-12);
            assert!(CUTS.iter().all(|c| (e.theta - c).abs() >= e.se));
        }
    }
    // Far from the cuts, tests are shorter than on a cut.
    assert!(
        mean_len(&far) + 2.0 < mean_len(&near),
        "{} vs {}",
        mean_len(&far),
        mean_len(&near)
    );
}

#[test]
fn the_sprt_stops_when_the_likelihood_ratio_crosses_its_bounds() {
    let bank = bank(400, 4);
    let decision = ClassDecision::Sprt {
        delta: 0.3,
        alpha: 0.1,
    };
    let config = classify_config(decision);
    let mut right = 0;
    for seed in 0..50 {
        let theta = -2.5;
        let s = run(&bank, &config, theta, seed);
        if s.is_finished() == Some(StopReason::Classified) {
            // Decided: the log-likelihood ratio at the lowest cut is below −ln 9.
            let ll = |t: f64| -> f64 {
                s.log()
                    .iter()
                    .map(|e| {
                        let i = bank.index_of(&e.item).expect("item");
                        bank.get(i)
                            .expect("item")
                            .item
                            .log_likelihood(t, e.score)
                            .expect("score")
                    })
                    .sum()
            };
            let llr = ll(-1.5 + 0.3) - ll(-1.5 - 0.3);
            assert!(llr <= -(9f64.ln()) + 1e-9, "{llr}");
        }
        if class_index(&CUTS, s.estimate().theta) == 0 {
            right += 1;
        }
    }
    // A person 1 logit below the lowest cut is put below it almost always.
    assert!(right >= 47, "{right}/50");
}

#[test]
fn a_bad_classification_rule_is_refused() {
    let mut c = classify_config(ClassDecision::Interval { z: 1.0 });
    if let Some(k) = c.stop.classify.as_mut() {
        k.cuts = vec![0.5, -0.5];
    }
    assert!(Session::new(&bank(50, 1), c, 1).is_err());
    let c = classify_config(ClassDecision::Sprt {
        delta: 0.3,
        alpha: 0.7,
    });
    assert!(Session::new(&bank(50, 1), c, 1).is_err());
}

#[test]
fn the_beginner_fallback_keeps_the_easiest_few() {
    // Every item is too hard for the 0.9 target at θ = −3: the fallback decides.
    let items = [0.0, 0.5, 1.0, -0.5, 1.5, -1.0]
        .into_iter()
        .map(|b| Item::two_pl(1.0, b).expect("item"));
    let bank = one_skill_bank("i", items);
    let rule = |fallback| Beginner {
        schedule: vec![BeginnerStep {
            until: 10,
            min_success: 0.9,
        }],
        then: 0.0,
        caution: 0.0,
        fallback,
    };
    let probs = |i: usize| bank.get(i).map_or(0.0, |it| it.item.success_prob(-3.0));
    let mut one: Vec<u32> = (0..6).collect();
    rule(1).filter_with(0, &mut one, probs);
    assert_eq!(one, vec![5], "the easiest alone (b = −1)");
    let mut three: Vec<u32> = (0..6).collect();
    rule(3).filter_with(0, &mut three, probs);
    assert_eq!(three, vec![5, 3, 0], "the three easiest, easiest first");
    // With qualifying items, the fallback plays no part.
    let mut some: Vec<u32> = (0..6).collect();
    rule(3).filter_with(0, &mut some, |i| if i == 4 { 0.95 } else { 0.1 });
    assert_eq!(some, vec![4]);
}

#[test]
fn random_ties_spread_the_first_domain_and_replay_the_same() {
    let bank = bank(200, 7);
    let config = |random_ties| SessionConfig {
        select: SelectConfig {
            filters: vec![Filter::ContentBalancing(ContentBalancing {
                min_per_domain: 2,
                random_ties,
                ..ContentBalancing::default()
            })],
            ..SelectConfig::default()
        },
        stop: StopConfig {
            max_items: Some(10),
            se_below: None,
            min_per_domain: Some(2),
            combine: Combine::All,
            ..StopConfig::default()
        },
        ..SessionConfig::default()
    };
    let first_domains = |random_ties| {
        let mut seen = [0usize; 5];
        for seed in 0..100 {
            let mut s = Session::new(&bank, config(random_ties), seed).expect("config");
            let i = s.next_index().expect("an item") as usize;
            seen[bank.domain_of(i)] += 1;
        }
        seen
    };
    assert_eq!(first_domains(false), [100, 0, 0, 0, 0], "bank order");
    let spread = first_domains(true);
    assert!(spread.iter().all(|&n| n >= 8), "{spread:?}");
    // Still one domain per step until every domain has its two items, and a
    // session replays to the same items.
    let s = run(&bank, &config(true), 0.0, 5);
    let mut per = [0usize; 5];
    for e in s.log().iter().take(10) {
        per[bank.domain_of(bank.index_of(&e.item).expect("item"))] += 1;
    }
    assert_eq!(per, [2, 2, 2, 2, 2]);
    let again = Session::replay(&bank, config(true), 5, &s.log()).expect("replay");
    assert_eq!(again.log(), s.log());
}
