//! Degenerate data: nothing diverges, nothing panics, no NaN escapes.

mod calibrate_support;

use calibrate_support::*;
use repere_engine::calibrate::{
    calibrate, Answer, CalibrationError, Config, DataError, Flag, ItemModel, ItemSetup, ItemStatus,
    LeftReason, Responses,
};
use repere_engine::irt::Item;

fn finite(cal: &repere_engine::calibrate::Calibration) {
    assert!(cal.log_likelihood.is_finite());
    for r in &cal.items {
        if let Some(Item::Logistic(l)) = &r.item {
            assert!(l.a.is_finite() && l.b.is_finite() && l.c.is_finite());
        }
    }
}

#[test]
fn items_everyone_got_right_or_wrong_or_too_rare_are_left_and_listed() {
    let mut rng = rng(91);
    let items = two_pl_bank(12, &mut rng);
    let thetas = thetas(600, 0.0, 1.0, &mut rng);
    let mut answers = Vec::new();
    for (p, t) in thetas.iter().enumerate() {
        for (j, it) in items.iter().enumerate() {
            let score = match j {
                0 => 1, // everyone right
                1 => 0, // everyone wrong
                _ => draw(it, *t, &mut rng),
            };
            // Item 2 is answered by the first 50 persons only.
            if j == 2 && p >= 50 {
                continue;
            }
            answers.push(Answer {
                person: p,
                item: j,
                score,
            });
        }
    }
    // A person with a single answer, and a person with none.
    let single = thetas.len();
    answers.push(Answer {
        person: single,
        item: 5,
        score: 1,
    });
    let data = Responses::new(thetas.len() + 2, items.len(), answers).unwrap();
    let mut setups = vec![ItemSetup::free(ItemModel::TwoPl); 12];
    setups[0] = ItemSetup::with_start(ItemModel::TwoPl, Item::two_pl(1.0, -2.5).unwrap());
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    finite(&cal);
    assert!(cal.converged);
    assert_eq!(
        cal.items[0].status,
        ItemStatus::LeftAsIs(LeftReason::NoVariation { score: 1 })
    );
    assert_eq!(
        cal.items[0].item,
        Some(Item::two_pl(1.0, -2.5).unwrap()),
        "kept as given"
    );
    assert!(cal.items[0].flags.contains(&Flag::LeftAsIs));
    assert_eq!(
        cal.items[1].status,
        ItemStatus::LeftAsIs(LeftReason::NoVariation { score: 0 })
    );
    assert_eq!(cal.items[1].item, None, "no start: nothing to keep");
    assert_eq!(
        cal.items[2].status,
        ItemStatus::LeftAsIs(LeftReason::TooFewAnswers { n: 50, min: 100 })
    );
    for r in &cal.items[3..] {
        assert_eq!(r.status, ItemStatus::Estimated);
        assert!(r.se.is_some() && r.fit.is_some());
    }
    assert_eq!(
        cal.persons,
        thetas.len() + 1,
        "the single-answer person counts, the empty one not"
    );
}

#[test]
fn empty_and_invalid_data_are_typed_errors() {
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 3];
    let empty = Responses::new(10, 3, Vec::new()).unwrap();
    assert_eq!(
        calibrate(&empty, &setups, &Config::default()),
        Err(CalibrationError::NoAnswers)
    );
    let no_one = Responses::new(0, 3, Vec::new()).unwrap();
    assert_eq!(
        calibrate(&no_one, &setups, &Config::default()),
        Err(CalibrationError::NoAnswers)
    );
    let one = Responses::new(
        1,
        3,
        vec![Answer {
            person: 0,
            item: 0,
            score: 2,
        }],
    )
    .unwrap();
    assert!(matches!(
        calibrate(&one, &setups, &Config::default()),
        Err(CalibrationError::ScoreOutOfRange {
            score: 2,
            max: 1,
            ..
        })
    ));
    assert!(matches!(
        calibrate(&one, &setups[..2], &Config::default()),
        Err(CalibrationError::ItemCount { .. })
    ));
    assert!(matches!(
        Responses::new(
            1,
            3,
            vec![Answer {
                person: 0,
                item: 3,
                score: 0
            }]
        ),
        Err(DataError::ItemOutOfRange { .. })
    ));
    assert!(matches!(
        Responses::new(
            1,
            3,
            vec![Answer {
                person: 1,
                item: 0,
                score: 0
            }]
        ),
        Err(DataError::PersonOutOfRange { .. })
    ));
    assert!(matches!(
        Responses::new(
            1,
            3,
            vec![
                Answer {
                    person: 0,
                    item: 1,
                    score: 0
                },
                Answer {
                    person: 0,
                    item: 1,
                    score: 1
                }
            ]
        ),
        Err(DataError::Duplicate { person: 0, item: 1 })
    ));
    let anchored_without = ItemSetup {
        model: ItemModel::TwoPl,
        start: None,
        anchored: true,
    };
    assert!(matches!(
        calibrate(
            &one,
            &[anchored_without, setups[0].clone(), setups[0].clone()],
            &Config::default()
        ),
        Err(CalibrationError::AnchorWithoutParameters(0))
    ));
    let mismatch = ItemSetup::with_start(ItemModel::TwoPl, Item::gpcm(1.0, vec![0.0]).unwrap());
    assert!(matches!(
        calibrate(
            &one,
            &[mismatch, setups[0].clone(), setups[0].clone()],
            &Config::default()
        ),
        Err(CalibrationError::StartMismatch { item: 0, .. })
    ));
    let bad = Config {
        tolerance: f64::NAN,
        ..Config::default()
    };
    assert!(matches!(
        calibrate(&one, &setups, &bad),
        Err(CalibrationError::Config(_))
    ));
}

#[test]
fn too_little_data_everywhere_gives_a_report_not_an_error() {
    let answers = vec![
        Answer {
            person: 0,
            item: 0,
            score: 1,
        },
        Answer {
            person: 1,
            item: 0,
            score: 0,
        },
    ];
    let data = Responses::new(2, 2, answers).unwrap();
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 2],
        &Config::default(),
    )
    .unwrap();
    assert_eq!(cal.iterations, 0);
    assert!(!cal.converged);
    assert!(cal
        .items
        .iter()
        .all(|r| matches!(r.status, ItemStatus::LeftAsIs(_))));
}

#[test]
fn near_perfect_separation_stays_finite() {
    // A tiny sample where one item is answered right by exactly the ablest persons.
    let mut rng = rng(101);
    let items = two_pl_bank(10, &mut rng);
    let thetas = thetas(150, 0.0, 1.0, &mut rng);
    let mut answers = Vec::new();
    for (p, t) in thetas.iter().enumerate() {
        for (j, it) in items.iter().enumerate() {
            let score = if j == 0 {
                usize::from(*t > 0.0)
            } else {
                draw(it, *t, &mut rng)
            };
            answers.push(Answer {
                person: p,
                item: j,
                score,
            });
        }
    }
    let data = Responses::new(thetas.len(), items.len(), answers).unwrap();
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 10],
        &Config::default(),
    )
    .unwrap();
    finite(&cal);
    let (a, _, _) = abc(cal.items[0].item.as_ref().unwrap());
    assert!(a > 2.0, "a steep item, a = {a}");
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let mut rng = rng(111);
    let items = two_pl_bank(20, &mut rng);
    let thetas = thetas(3000, 0.0, 1.0, &mut rng);
    let data = random_design(&items, &thetas, 8, &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 20];
    let one = calibrate(
        &data,
        &setups,
        &Config {
            threads: Some(1),
            ..Config::default()
        },
    )
    .unwrap();
    let two = calibrate(
        &data,
        &setups,
        &Config {
            threads: Some(2),
            ..Config::default()
        },
    )
    .unwrap();
    let four = calibrate(
        &data,
        &setups,
        &Config {
            threads: Some(4),
            ..Config::default()
        },
    )
    .unwrap();
    assert_eq!(one, two);
    assert_eq!(one, four);
}
