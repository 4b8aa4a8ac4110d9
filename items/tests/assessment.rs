//! The assessment glue on the shipped bank: the production session rules, whole
//! simulated tests from the app's side to the server's replay, tampered logs, the
//! JSON of the log, resuming and ending early.

mod assessment_support;

use assessment_support::{bank, ctx, draw_score, play, respond, Rng, UUID};
use repere_engine::classify::ClassDecision;
use repere_engine::session::SessionConfig;
use repere_engine::start::StartRule;
use repere_engine::stop::Combine;
use repere_items::assessment::{
    assess, seed_from_bytes, AnswerLog, AssessError, Assessor, Mode, MAX_SEED,
};
use repere_items::{Requirement, Response, ScoreError, Status};

fn config_of(a: &Assessor<'_>, pairs: &[(&str, &str)], mode: Mode) -> SessionConfig {
    a.session_config(&ctx(pairs), mode)
}

#[test]
fn the_shipped_rules_make_an_assessor() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let eb = a.engine_bank();
    assert_eq!(eb.len(), bank.live_items().count());
    let domains: Vec<&str> = bank
        .referentiel
        .domains
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(eb.domains(), domains.as_slice());
    for it in eb.items() {
        let source = bank.item(&it.id).expect("same ids");
        assert_eq!(
            it.requires.keyboard,
            source.requires.contains(&Requirement::Keyboard)
        );
        assert_eq!(
            bank.referentiel.skill(&it.skill).map(|s| s.domain.as_str()),
            Some(it.domain.as_str())
        );
    }

    // The production configuration, as written in referentiel.toml.
    let c = config_of(&a, &[], Mode::Kiosk);
    assert!(c.unavailable.keyboard && !c.unavailable.sight);
    assert!(!config_of(&a, &[], Mode::Agent).unavailable.keyboard);
    assert_eq!(c.stop.min_items, 8);
    assert_eq!(c.stop.max_items, Some(20));
    assert_eq!(c.stop.se_below, None);
    assert_eq!(c.stop.min_per_domain, Some(1));
    assert_eq!(c.stop.max_duration_ms, Some(20 * 60_000));
    assert_eq!(c.stop.combine, Combine::All);
    // Stop when the class is clear (1 SE from every cut, SE ≤ 0.45), or near a cut
    // once the SE is 0.35; the cuts are the classes'.
    let classify = c.stop.classify.as_ref().expect("classification stop");
    assert_eq!(classify.cuts, vec![-1.5, -0.5, 0.5]);
    assert_eq!(classify.decision, ClassDecision::Interval { z: 1.0 });
    assert_eq!(classify.clear_se, Some(0.45));
    assert_eq!(classify.borderline_se, 0.35);
    assert_eq!(
        a.profile_config().class_decision,
        Some(ClassDecision::Interval { z: 0.37 })
    );
    assert_eq!(c.select.randomesque, 1);
    assert_eq!(
        c.select.progressive,
        Some(repere_engine::select::Progressive {
            horizon: 13,
            power: 2.0
        })
    );
    let json = serde_json::to_value(&c.select.filters).expect("json");
    assert_eq!(json[0]["filter"], "content_balancing");
    assert_eq!(json[0]["min_per_domain"], 1);
    assert_eq!(json[0]["random_ties"], true);
    assert_eq!(json[1]["filter"], "beginner");
    assert_eq!(json[1]["schedule"][0]["until"], 5);
    assert_eq!(json[1]["schedule"][0]["min_success"], 0.8);
    assert_eq!(json[1]["then"], 0.0);
    assert_eq!(json[1]["caution"], 1.0);
    assert_eq!(json[1]["fallback"], 3);
    // The start: one prior for everyone, whatever the context answers (they choose
    // items and the orientation, not the estimate).
    for context in [
        &[][..],
        &[("equipment", "none"), ("email", "no")][..],
        &[
            ("equipment", "smartphone"),
            ("equipment", "computer"),
            ("email", "yes"),
        ][..],
    ] {
        let c = config_of(&a, context, Mode::Agent);
        assert_eq!(
            c.start,
            StartRule::FixedTheta {
                theta: -1.0,
                sd: 1.0
            }
        );
    }
}

#[test]
fn simulated_tests_give_a_profile_with_every_domain() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let levels: Vec<&str> = bank
        .referentiel
        .levels
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    let mut mean_theta = Vec::new();
    for theta in [-2.0, -0.5, 1.0] {
        let mut sum = 0.0;
        for seed in 0..8u64 {
            let mut rng = Rng(seed * 1_000 + 17);
            let (log, outcome) = play(&a, seed, Mode::Kiosk, vec![], |it| {
                Some(draw_score(it, theta, &mut rng))
            });
            let n = log.answers.len();
            assert!((8..=20).contains(&n), "{n} items");
            assert!(outcome.stop.is_some());
            assert_eq!(outcome.answers.len(), n);
            // Kiosk: never an item that needs a keyboard.
            for ans in &log.answers {
                let item = bank.item(&ans.item).expect("known");
                assert!(
                    !item.requires.contains(&Requirement::Keyboard),
                    "{}",
                    item.id
                );
                assert_eq!(item.status, Status::Live);
            }
            let p = &outcome.profile;
            assert_eq!(p.domains.len(), 5);
            assert_eq!(p.skills.len(), bank.referentiel.skills.len());
            for d in &p.domains {
                assert!(levels.contains(&d.level.as_str()));
                assert!(d.answers >= 1, "{}: {} answers", d.domain, d.answers);
                assert!(d.estimate.se < 1.0);
            }
            assert!(!p.summary.orientation_sentence.is_empty());
            assert_eq!(p.referentiel.version, bank.version());
            assert_eq!(p.engine_version, repere_engine::ENGINE_VERSION);
            // The server replays the JSON the app sends and finds the same outcome.
            let json = serde_json::to_string(&log).expect("json");
            let received: AnswerLog = serde_json::from_str(&json).expect("parse");
            assert_eq!(assess(&bank, &received).expect("assess"), outcome);
            sum += outcome.estimate.theta;
        }
        mean_theta.push(sum / 8.0);
    }
    // Ability is recovered in order, and roughly in place.
    assert!(mean_theta[0] < mean_theta[1] && mean_theta[1] < mean_theta[2]);
    assert!((mean_theta[0] + 2.0).abs() < 0.7, "{mean_theta:?}");
    assert!((mean_theta[1] + 0.5).abs() < 0.7, "{mean_theta:?}");
}

/// A finished kiosk test with mixed answers, and its outcome.
fn sample() -> (AnswerLog, repere_items::assessment::Outcome) {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let mut rng = Rng(99);
    play(&a, 3, Mode::Kiosk, ctx(&[("goal", "demarches")]), |it| {
        Some(draw_score(it, -0.5, &mut rng))
    })
}

fn refused(log: &AnswerLog) -> AssessError {
    match assess(&bank(), log) {
        Err(e) => e,
        Ok(_) => panic!("a tampered log was accepted"),
    }
}

#[test]
fn a_changed_item_is_refused_naming_the_answer_and_the_item() {
    let (log, _) = sample();
    let bank = bank();
    let other = bank
        .live_items()
        .find(|it| {
            !log.answers.iter().any(|a| a.item == it.id)
                && !it.requires.contains(&Requirement::Keyboard)
        })
        .expect("an unused item");
    let mut t = log.clone();
    t.answers[3].item = other.id.clone();
    t.answers[3].response = respond(other, 0);
    assert_eq!(
        refused(&t),
        AssessError::NotChosen {
            index: 3,
            item: other.id.clone(),
            expected: log.answers[3].item.clone(),
        }
    );
    assert_eq!(
        refused(&t).to_string(),
        format!(
            "`answers[3]`: item `{}` is not the item the test chooses here (`{}`)",
            other.id, log.answers[3].item
        )
    );
    // Two answers swapped.
    let mut t = log.clone();
    t.answers.swap(1, 2);
    assert!(matches!(
        refused(&t),
        AssessError::NotChosen { index: 1, .. }
    ));
    // Another seed.
    let mut t = log.clone();
    t.seed += 1;
    assert!(matches!(refused(&t), AssessError::NotChosen { .. }));
    // An answer after the end.
    let mut t = log.clone();
    t.answers.push(t.answers[0].clone());
    let n = log.answers.len();
    assert!(matches!(refused(&t), AssessError::AfterEnd { index, .. } if index == n));
}

#[test]
fn a_changed_response_kind_or_value_is_refused() {
    let (log, _) = sample();
    let mut t = log.clone();
    let wrong_kind = match &t.answers[2].response {
        Response::Order(_) => Response::Choice(0),
        _ => Response::Order(vec![]),
    };
    t.answers[2].response = wrong_kind;
    match refused(&t) {
        AssessError::Response {
            index: 2,
            item,
            source: ScoreError::WrongKind { .. },
        } => assert_eq!(item, log.answers[2].item),
        e => panic!("{e:?}"),
    }
    // A choice the renderer cannot produce.
    let bank = bank();
    let single = log
        .answers
        .iter()
        .position(|a| matches!(a.response, Response::Choice(_)))
        .expect("a single-choice item in the sample");
    let mut t = log.clone();
    t.answers[single].response = Response::Choice(99);
    let e = refused(&t);
    assert!(
        matches!(e, AssessError::Response { index, source: ScoreError::OutOfRange { index: 99, .. }, .. } if index == single),
        "{e:?}"
    );
    assert!(bank.item(&log.answers[single].item).is_some());
}

#[test]
fn unknown_and_draft_items_are_refused() {
    let (log, _) = sample();
    let mut t = log.clone();
    t.answers[4].item = "mail.attach.99".into();
    assert_eq!(
        refused(&t),
        AssessError::UnknownItem {
            index: 4,
            item: "mail.attach.99".into()
        }
    );
    // The same log against a bank where its first item became a draft.
    let item = &log.answers[0].item;
    let skill = bank().item(item).expect("known").skill.clone();
    let mut sources = repere_items::embedded_sources();
    let file = sources
        .iter_mut()
        .find(|(p, _)| *p == format!("bank/{skill}.toml"))
        .expect("the skill's file");
    let at = file.1.find(&format!("id = \"{item}\"")).expect("the item");
    let status = at + file.1[at..].find("status = \"live\"").expect("its status");
    file.1
        .replace_range(status..status + 15, "status = \"draft\"");
    // One live item fewer may take its skill under the `[bank]` targets, which are
    // not what this test is about.
    let referentiel = sources
        .iter_mut()
        .find(|(p, _)| p == "referentiel.toml")
        .expect("the référentiel");
    let targets = referentiel.1.find("\n[bank]\n").expect("a [bank] table");
    let end = referentiel.1[targets + 1..]
        .find("\n[")
        .map_or(referentiel.1.len(), |e| targets + 1 + e);
    referentiel.1.replace_range(targets..end, "");
    let drafted = repere_items::build(&sources, None).expect("still a valid bank");
    assert_eq!(drafted.item(item).map(|i| i.status), Some(Status::Draft));
    assert_eq!(
        assess(&drafted, &log),
        Err(AssessError::NotLive {
            index: 0,
            item: item.clone()
        })
    );
}

#[test]
fn a_client_cannot_send_a_profile_or_a_score() {
    let (log, _) = sample();
    let mut v = serde_json::to_value(&log).expect("json");
    v["profile"] = serde_json::json!({ "class": "autonome" });
    let e = serde_json::from_value::<AnswerLog>(v).expect_err("refused");
    assert!(e.to_string().contains("unknown field `profile`"), "{e}");

    let mut v = serde_json::to_value(&log).expect("json");
    v["answers"][0]["score"] = serde_json::json!(1);
    let e = serde_json::from_value::<AnswerLog>(v).expect_err("refused");
    assert!(e.to_string().contains("unknown field `score`"), "{e}");

    let mut v = serde_json::to_value(&log).expect("json");
    v["theta"] = serde_json::json!(2.5);
    assert!(serde_json::from_value::<AnswerLog>(v).is_err());
}

#[test]
fn header_fields_are_checked_one_by_one() {
    let (log, _) = sample();
    let field = |f: &dyn Fn(&mut AnswerLog)| {
        let mut t = log.clone();
        f(&mut t);
        refused(&t)
    };
    assert!(matches!(
        field(&|t| t.id = "not-a-uuid".into()),
        AssessError::Field { field: "id", .. }
    ));
    assert!(matches!(
        field(&|t| t.engine_version = "9.9.9".into()),
        AssessError::Version {
            field: "engine_version",
            ..
        }
    ));
    assert!(matches!(
        field(&|t| t.referentiel.version = "0.9.0".into()),
        AssessError::Version {
            field: "referentiel.version",
            ..
        }
    ));
    assert!(matches!(
        field(&|t| t.referentiel.id = "other".into()),
        AssessError::Version {
            field: "referentiel.id",
            ..
        }
    ));
    assert!(matches!(
        field(&|t| t.bank_version = "0.0.1".into()),
        AssessError::Version {
            field: "bank_version",
            ..
        }
    ));
    assert!(matches!(
        field(&|t| t.seed = MAX_SEED + 1),
        AssessError::Field { field: "seed", .. }
    ));
    assert!(matches!(
        field(&|t| t.finished_at = None),
        AssessError::Field {
            field: "finished_at",
            ..
        }
    ));
    assert!(matches!(
        field(&|t| t.finished_at = Some(t.started_at - 1)),
        AssessError::Field {
            field: "finished_at",
            ..
        }
    ));
    assert_eq!(field(&|t| t.answers.clear()), AssessError::NoAnswers);
    // Context answers.
    let ctx_err = |pairs: &[(&str, &str)]| field(&|t| t.context = ctx(pairs));
    assert!(matches!(
        ctx_err(&[("shoe", "size")]),
        AssessError::Context { index: 0, .. }
    ));
    assert!(matches!(
        ctx_err(&[("email", "yes"), ("email", "no")]),
        AssessError::Context { index: 1, .. }
    ));
    assert!(matches!(
        ctx_err(&[("equipment", "smartphone"), ("equipment", "none")]),
        AssessError::Context { index: 1, .. }
    ));
    assert!(matches!(
        ctx_err(&[("goal", "voyage")]),
        AssessError::Context { index: 0, .. }
    ));
    let e = ctx_err(&[("goal", "emploi"), ("goal", "emploi")]);
    assert_eq!(e.to_string(), "`context[1]` (`goal:emploi`): given twice");
    // Several answers to a multiple-answer question are fine.
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let many = ctx(&[
        ("goal", "demarches"),
        ("goal", "emploi"),
        ("equipment", "smartphone"),
        ("equipment", "tablet"),
    ]);
    assert_eq!(a.check_context(&many), Ok(()));
}

#[test]
fn the_answer_log_round_trips_through_json() {
    let (log, _) = sample();
    let json = serde_json::to_string_pretty(&log).expect("json");
    let back: AnswerLog = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, log);

    // The documented shape, written by hand.
    let text = r#"{
      "id": "0B7C4F2E-8D1A-4C3B-9E5F-2A6D7C8B9E01",
      "referentiel": { "id": "repere-gd", "version": "1.0.0" },
      "bank_version": "1.0.0",
      "engine_version": "0.1.0",
      "seed": 9007199254740991,
      "context": [ { "question": "equipment", "answer": "smartphone" } ],
      "answers": [
        { "item": "device.touch.01", "response": { "choice": 1 }, "elapsed_ms": 8200 },
        { "item": "web.search.03", "response": "skip", "elapsed_ms": 4100 },
        { "item": "device.wifi.02", "response": { "point": { "x": 120.5, "y": 300 } }, "elapsed_ms": 3000 }
      ],
      "started_at": 1767225600000,
      "finished_at": 1767226080000,
      "mode": "self"
    }"#;
    let parsed: AnswerLog = serde_json::from_str(text).expect("the documented JSON parses");
    assert_eq!(parsed.mode, Mode::SelfTest);
    assert_eq!(parsed.seed, MAX_SEED);
    assert_eq!(parsed.answers[1].response, Response::Skip);
    assert_eq!(
        parsed.answers[2].response,
        Response::Point { x: 120.5, y: 300.0 }
    );
    assert_eq!(parsed.context[0].answer, "smartphone");
    let again: AnswerLog =
        serde_json::from_str(&serde_json::to_string(&parsed).expect("json")).expect("parse");
    assert_eq!(again, parsed);
    // The mode names.
    for (m, name) in [
        (Mode::Kiosk, "kiosk"),
        (Mode::Agent, "agent"),
        (Mode::SelfTest, "self"),
    ] {
        assert_eq!(serde_json::to_value(m).expect("json"), name);
        assert_eq!(m.name(), name);
    }
    // Seeds from random bytes stay exact in JavaScript.
    assert!(seed_from_bytes([0xff; 8]) <= MAX_SEED);
    assert_eq!(seed_from_bytes([1, 0, 0, 0, 0, 0, 0, 0]), 1);
}

#[test]
fn a_live_test_resumes_from_its_log() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let context = ctx(&[("email", "yes")]);
    let mut test = a
        .start(UUID.into(), 12, Mode::Agent, context.clone(), 1_000)
        .expect("start");
    let mut rng = Rng(5);
    for k in 0..6 {
        let item = test.next_item().expect("an item");
        let s = draw_score(item, 0.0, &mut rng);
        test.answer(&item.id.clone(), respond(item, s), 5_000 + k)
            .expect("answer");
    }
    // The page reloads: the stored log resumes the same test.
    let stored = serde_json::to_string(test.log()).expect("json");
    let mut resumed = a
        .resume(serde_json::from_str(&stored).expect("parse"))
        .expect("resume");
    assert_eq!(resumed.answered(), 6);
    assert_eq!(resumed.estimate(), test.estimate());
    let mut rng2 = Rng(77);
    loop {
        let (x, y) = (test.next_item(), resumed.next_item());
        assert_eq!(x.map(|i| &i.id), y.map(|i| &i.id));
        let Some(item) = x else { break };
        let s = draw_score(item, 0.0, &mut rng2);
        let r = respond(item, s);
        test.answer(&item.id, r.clone(), 4_000).expect("answer");
        resumed.answer(&item.id, r, 4_000).expect("answer");
    }
    let (_, o1) = test.finish(900_000).expect("finish");
    let (_, o2) = resumed.finish(900_000).expect("finish");
    assert_eq!(o1, o2);
}

#[test]
fn a_live_test_refuses_an_item_it_did_not_show_and_records_nothing() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let mut test = a
        .start(UUID.into(), 1, Mode::Kiosk, vec![], 0)
        .expect("start");
    let shown = test.next_item().expect("item").id.clone();
    let other = bank
        .live_items()
        .find(|it| it.id != shown)
        .expect("another item");
    let e = test
        .answer(&other.id, respond(other, 0), 1_000)
        .expect_err("refused");
    assert!(
        matches!(e, AssessError::NotChosen { index: 0, ref expected, .. } if *expected == shown),
        "{e:?}"
    );
    assert_eq!(test.answered(), 0);
    // A response the item cannot take is refused too.
    let e = test
        .answer(&shown, Response::Text("x".repeat(10)), 1_000)
        .expect_err("refused");
    assert!(matches!(e, AssessError::Response { index: 0, .. }), "{e:?}");
    assert_eq!(test.answered(), 0);
    assert_eq!(test.max_items(), 20);
    // Unknown context answers cannot start a test.
    assert!(matches!(
        a.start(
            UUID.into(),
            1,
            Mode::Kiosk,
            ctx(&[("email", "peut-etre")]),
            0
        ),
        Err(AssessError::Context { .. })
    ));
    assert!(matches!(
        a.start("42".into(), 1, Mode::Kiosk, vec![], 0),
        Err(AssessError::Field { field: "id", .. })
    ));
}

#[test]
fn a_person_may_end_the_test_early_and_still_gets_a_cautious_profile() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let mut test = a
        .start(UUID.into(), 8, Mode::Kiosk, vec![], 0)
        .expect("start");
    for _ in 0..4 {
        let item = test.next_item().expect("item");
        test.answer(&item.id.clone(), respond(item, item.max_score()), 9_000)
            .expect("answer");
    }
    assert_eq!(test.finished(), None);
    let (log, outcome) = test.finish(60_000).expect("finish");
    assert_eq!(outcome.stop, None);
    assert_eq!(log.answers.len(), 4);
    assert_eq!(outcome.duration_ms, 36_000);
    // Four answers over five domains: at least one domain has fewer than two.
    assert!(outcome.profile.domains.iter().any(|d| d.not_enough_answers));
    // Skips are logged as "skip" and scored 0.
    let mut test = a
        .start(UUID.into(), 8, Mode::Kiosk, vec![], 0)
        .expect("start");
    let item = test.next_item().expect("item").id.clone();
    assert_eq!(test.answer(&item, Response::Skip, 2_000), Ok(0));
    let (log, outcome) = test.finish(10_000).expect("finish");
    assert_eq!(log.answers[0].response, Response::Skip);
    assert!(outcome.answers[0].skipped);
    assert_eq!(outcome.answers[0].score, 0);
}

#[test]
fn rules_that_cannot_run_are_refused_when_the_assessor_is_built() {
    let mut bank = bank();
    if let Some(s) = bank.referentiel.session.as_mut() {
        s.stop.se_below = Some(-1.0);
    }
    let e = Assessor::new(&bank).expect_err("refused");
    assert!(!e.is_client_error());
    assert!(e.to_string().contains("se_below"), "{e}");
    let mut bank = self::bank();
    bank.referentiel.session = None;
    assert_eq!(
        Assessor::new(&bank).map(|_| ()),
        Err(AssessError::Rules(
            "referentiel.toml: `[session]` is missing".into()
        ))
    );
    let mut bank = self::bank();
    bank.referentiel.profile.estimation = None;
    assert!(
        matches!(Assessor::new(&bank), Err(AssessError::Rules(m)) if m.contains("profile.estimation"))
    );
}

#[test]
fn a_person_who_sees_badly_is_never_shown_an_item_that_needs_sight() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let needs_sight = |id: &str| {
        bank.item(id)
            .is_some_and(|it| it.requires.contains(&Requirement::Sight))
    };
    // The answer « Non, je vois mal » adds sight to what the mode cannot offer.
    for mode in [Mode::Kiosk, Mode::Agent, Mode::SelfTest] {
        let seen = config_of(&a, &[("sight", "yes")], mode);
        let badly = config_of(&a, &[("sight", "no")], mode);
        assert!(!seen.unavailable.sight, "{mode:?}");
        assert!(badly.unavailable.sight, "{mode:?}");
        assert_eq!(badly.unavailable.keyboard, seen.unavailable.keyboard);
        // Nothing else changes: same start, same selection and stopping rules.
        assert_eq!(badly.start, seen.start);
        assert_eq!(badly.stop, seen.stop);
    }

    let mut sight_items_otherwise = 0;
    for seed in 0..12u64 {
        let theta = -2.0 + 0.3 * seed as f64;
        let mut rng = Rng(seed * 31 + 5);
        let (log, outcome) = play(&a, seed, Mode::Agent, ctx(&[("sight", "no")]), |it| {
            Some(draw_score(it, theta, &mut rng))
        });
        for ans in &log.answers {
            assert!(!needs_sight(&ans.item), "seed {seed}: {}", ans.item);
        }
        assert_eq!(outcome.profile.domains.len(), 5);
        for d in &outcome.profile.domains {
            assert!(d.answers >= 1, "seed {seed}, {}: {}", d.domain, d.answers);
        }
        // The server's replay applies the same exclusion.
        assert_eq!(assess(&bank, &log).expect("replay"), outcome);

        // The same person without that answer does meet such items (so the check
        // above can fail).
        let mut rng = Rng(seed * 31 + 5);
        let (other, _) = play(&a, seed, Mode::Agent, ctx(&[("sight", "yes")]), |it| {
            Some(draw_score(it, theta, &mut rng))
        });
        sight_items_otherwise += other
            .answers
            .iter()
            .filter(|x| needs_sight(&x.item))
            .count();
    }
    assert!(
        sight_items_otherwise > 0,
        "no item needing sight was ever chosen"
    );
}

#[test]
fn a_log_that_adds_the_sight_answer_afterwards_is_refused() {
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    // A test with an item that needs sight, then « Non, je vois mal » slipped in.
    let (mut log, _) = (0..40u64)
        .map(|seed| {
            let mut rng = Rng(seed + 1);
            play(&a, seed, Mode::Agent, vec![], |it| {
                Some(draw_score(it, 0.0, &mut rng))
            })
        })
        .find(|(log, _)| {
            log.answers.iter().any(|x| {
                bank.item(&x.item)
                    .is_some_and(|it| it.requires.contains(&Requirement::Sight))
            })
        })
        .expect("a test with an item that needs sight");
    log.context = ctx(&[("sight", "no")]);
    let e = refused(&log);
    assert!(e.is_client_error(), "{e}");
    assert!(
        matches!(
            e,
            AssessError::NotChosen { .. } | AssessError::AfterEnd { .. }
        ),
        "{e}"
    );
}

#[test]
fn context_answers_that_would_leave_a_domain_without_items_are_refused() {
    let mut bank = bank();
    let answer = bank
        .context
        .questions
        .iter_mut()
        .find(|q| q.id == "sight")
        .and_then(|q| q.answers.iter_mut().find(|x| x.id == "no"))
        .expect("sight:no in context.toml");
    answer.unavailable = vec![
        Requirement::Sight,
        Requirement::Touch,
        Requirement::Keyboard,
        Requirement::Hearing,
    ];
    // Every live item needs the screen to be touched or pointed at: nothing is left.
    let e = Assessor::new(&bank).expect_err("refused");
    assert!(!e.is_client_error());
    let message = e.to_string();
    assert!(
        message.contains("without the items some context answers exclude")
            && message.contains("fewer than `min_per_domain` = 1"),
        "{message}"
    );
}

#[test]
fn the_phone_question_is_asked_only_when_it_makes_sense() {
    let bank = bank();
    let c = &bank.context;
    let phone = c
        .questions
        .iter()
        .find(|q| q.id == "phone")
        .expect("the phone question");
    assert_eq!(phone.when_any, ["equipment:smartphone"]);
    // Right after « Quels appareils ? », where it belongs.
    let order: Vec<&str> = c.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(order, ["equipment", "phone", "email", "goal", "sight"]);
    let asked = |answers: &[&str]| c.is_asked(phone, answers);
    assert!(asked(&["equipment:smartphone"]));
    assert!(asked(&["equipment:computer", "equipment:smartphone"]));
    // Devices not answered: the person may still have one.
    assert!(asked(&[]));
    assert!(asked(&["email:yes"]));
    // No smartphone among the answers: not asked.
    assert!(!asked(&["equipment:none"]));
    assert!(!asked(&["equipment:computer", "equipment:tablet"]));
    assert_eq!(c.asked(&["equipment:none"]).len(), 4);
    assert_eq!(c.asked(&[]).len(), 5);
    // A change of mind on the devices drops the phone answer, nothing else.
    let keys = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        c.keep_asked(&keys(&["equipment:none", "phone:iphone", "email:yes"])),
        keys(&["equipment:none", "email:yes"])
    );
    let kept = keys(&["equipment:smartphone", "phone:iphone", "email:yes"]);
    assert_eq!(c.keep_asked(&kept), kept);
    assert_eq!(
        c.keep_asked(&keys(&["phone:android"])),
        keys(&["phone:android"])
    );

    // A log with an answer to a question the app would not have asked is refused.
    let a = Assessor::new(&bank).expect("assessor");
    assert_eq!(
        a.check_context(&ctx(&[("equipment", "smartphone"), ("phone", "iphone")])),
        Ok(())
    );
    assert_eq!(a.check_context(&ctx(&[("phone", "android")])), Ok(()));
    let e = a
        .check_context(&ctx(&[("equipment", "none"), ("phone", "android")]))
        .expect_err("not asked without a smartphone");
    assert_eq!(
        e.to_string(),
        "`context[1]` (`phone:android`): this question is not asked with the other answers"
    );
    assert!(a
        .check_context(&ctx(&[("phone", "android"), ("phone", "iphone")]))
        .is_err());
}

#[test]
fn the_phone_answer_changes_the_look_only_never_the_result() {
    // The same person, the same seed, the same answers: with each phone answer
    // (or none) the test shows the same items and gives the same result.
    let bank = bank();
    let a = Assessor::new(&bank).expect("assessor");
    let play_with = |phone: Option<&str>, seed: u64, theta: f64| {
        let mut pairs = vec![("equipment", "smartphone"), ("goal", "emploi")];
        if let Some(p) = phone {
            pairs.insert(1, ("phone", p));
        }
        let mut rng = Rng(seed);
        play(&a, seed, Mode::Kiosk, ctx(&pairs), |item| {
            Some(draw_score(item, theta, &mut rng))
        })
    };
    for (seed, theta) in [(3, -2.5), (11, -1.0), (29, 0.4), (41, 1.6)] {
        let (log, base) = play_with(None, seed, theta);
        for phone in ["android", "iphone", "unknown", "none"] {
            let (other_log, other) = play_with(Some(phone), seed, theta);
            let ids = |l: &AnswerLog| l.answers.iter().map(|x| x.item.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&other_log), ids(&log), "{phone}, seed {seed}");
            assert_eq!(
                other.profile.overall, base.profile.overall,
                "{phone}, seed {seed}"
            );
            assert_eq!(
                other.profile.class, base.profile.class,
                "{phone}, seed {seed}"
            );
            assert_eq!(
                other.profile.domains, base.profile.domains,
                "{phone}, seed {seed}"
            );
            assert_eq!(
                other.profile.skills, base.profile.skills,
                "{phone}, seed {seed}"
            );
            assert_eq!(
                other.profile.orientation, base.profile.orientation,
                "{phone}, seed {seed}"
            );
            // The answer is kept in the log, like the other context answers.
            assert!(other_log
                .context
                .iter()
                .any(|c| c.question == "phone" && c.answer == phone));
        }
    }
}
