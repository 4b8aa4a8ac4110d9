//! Invalid parameters, responses and estimator settings give typed errors, never a
//! panic. Deterministic: run natively and on wasm32.

use repere_engine::estimate::{
    AbilityEstimator, Eap, EapPosterior, EstimateError, Grid, Map, Mle, Prior, Response, Wle,
};
use repere_engine::irt::{Item, ParamError, ResponseError};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn item(a: f64, b: f64) -> Item {
    Item::two_pl(a, b).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn invalid_item_parameters() {
    use ParamError::*;
    assert_eq!(
        Item::logistic(0.0, 0.0, 0.0, 1.0),
        Err(NonPositiveDiscrimination(0.0))
    );
    assert_eq!(
        Item::logistic(-1.0, 0.0, 0.0, 1.0),
        Err(NonPositiveDiscrimination(-1.0))
    );
    assert_eq!(
        Item::logistic(1.0, 0.0, 0.5, 0.5),
        Err(AsymptotesCrossed { c: 0.5, d: 0.5 })
    );
    assert_eq!(
        Item::logistic(1.0, 0.0, 0.6, 0.5),
        Err(AsymptotesCrossed { c: 0.6, d: 0.5 })
    );
    assert_eq!(
        Item::logistic(1.0, 0.0, -0.1, 1.0),
        Err(GuessingOutOfRange(-0.1))
    );
    assert_eq!(
        Item::logistic(1.0, 0.0, 0.0, 1.2),
        Err(UpperOutOfRange(1.2))
    );
    assert_eq!(
        Item::logistic(1.0, 0.0, 0.0, 0.0),
        Err(UpperOutOfRange(0.0))
    );
    assert_eq!(
        Item::logistic(f64::NAN, 0.0, 0.0, 1.0),
        Err(NotFinite { name: "a" })
    );
    assert_eq!(
        Item::logistic(1.0, f64::NAN, 0.0, 1.0),
        Err(NotFinite { name: "b" })
    );
    assert_eq!(
        Item::logistic(1.0, f64::INFINITY, 0.0, 1.0),
        Err(NotFinite { name: "b" })
    );
    assert_eq!(
        Item::three_pl(1.0, 0.0, f64::NAN),
        Err(NotFinite { name: "c" })
    );
    assert_eq!(Item::gpcm(1.0, vec![]), Err(NoSteps));
    assert_eq!(
        Item::gpcm(0.0, vec![1.0]),
        Err(NonPositiveDiscrimination(0.0))
    );
    assert_eq!(
        Item::gpcm(1.0, vec![0.0, f64::NAN]),
        Err(NotFinite { name: "step" })
    );
    assert_eq!(Item::grm(1.0, vec![]), Err(NoSteps));
    assert_eq!(
        Item::grm(1.0, vec![-1.0, 1.0, 0.5]),
        Err(UnorderedThresholds {
            index: 2,
            value: 0.5,
            previous: 1.0
        })
    );
    assert_eq!(
        Item::grm(1.0, vec![0.0, 0.0]),
        Err(UnorderedThresholds {
            index: 1,
            value: 0.0,
            previous: 0.0
        })
    );
    // Deserialisation goes through the same checks.
    let bad: Result<Item, _> =
        serde_json::from_str(r#"{"model":"logistic","a":-1,"b":0,"c":0,"d":1}"#);
    assert!(bad.is_err());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn responses_outside_the_categories() {
    let d = item(1.0, 0.0);
    let out = ResponseError::ScoreOutOfRange { score: 2, max: 1 };
    assert_eq!(d.log_likelihood(0.0, 2), Err(out));
    assert_eq!(d.log_likelihood_derivatives(0.0, 2).map(|_| ()), Err(out));
    assert_eq!(d.response_terms(0.0, 2).map(|_| ()), Err(out));
    assert_eq!(d.prob(0.0, 2), 0.0);
    assert_eq!(d.prob_derivatives(0.0, 7).p, 0.0);
    let g = Item::gpcm(1.0, vec![0.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        g.log_likelihood(0.0, 3),
        Err(ResponseError::ScoreOutOfRange { score: 3, max: 2 })
    );
    let r = Item::grm(1.0, vec![0.0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.log_likelihood(0.0, usize::MAX),
        Err(ResponseError::ScoreOutOfRange {
            score: usize::MAX,
            max: 1
        })
    );

    let items = [d.clone(), g.clone()];
    for est in estimators() {
        assert_eq!(
            est.estimate(&items, &[1, 3]),
            Err(EstimateError::Response {
                index: 1,
                source: ResponseError::ScoreOutOfRange { score: 3, max: 2 }
            }),
            "{}",
            est.name()
        );
        let responses = [Response { item: &d, score: 5 }];
        assert!(matches!(
            est.estimate_responses(&responses),
            Err(EstimateError::Response { index: 0, .. })
        ));
    }
    let mut post = EapPosterior::new(&Eap::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(post.update(&d, 2), Err(out));
    assert_eq!(post.responses(), 0);
}

fn estimators() -> Vec<Box<dyn AbilityEstimator>> {
    vec![
        Box::new(Eap::default()),
        Box::new(Map::default()),
        Box::new(Mle::default()),
        Box::new(Wle::default()),
    ]
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn lengths_that_differ_and_empty_patterns() {
    let items = [item(1.0, 0.0), item(1.2, 0.5)];
    for est in estimators() {
        assert_eq!(
            est.estimate(&items, &[1]),
            Err(EstimateError::LengthMismatch {
                items: 2,
                scores: 1
            })
        );
    }
    assert_eq!(
        Mle::default().estimate(&[], &[]),
        Err(EstimateError::EmptyPattern { method: "mle" })
    );
    assert_eq!(
        Wle::default().estimate(&[], &[]),
        Err(EstimateError::EmptyPattern { method: "wle" })
    );
    // With a prior, an empty pattern is the prior.
    let eap = Eap::default()
        .estimate(&[], &[])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        eap.theta.abs() < 1e-12 && (eap.se - 1.0).abs() < 1e-6,
        "{eap:?}"
    );
    let map = Map {
        prior_mean: 0.5,
        prior_sd: 2.0,
        range: (-6.0, 6.0),
    }
    .estimate(&[], &[])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        (map.theta - 0.5).abs() < 1e-12 && (map.se - 2.0).abs() < 1e-12,
        "{map:?}"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn bad_grids_priors_and_ranges() {
    assert_eq!(
        Grid::new(-4.0, 4.0, 1),
        Err(EstimateError::GridPoints { points: 1 })
    );
    assert_eq!(
        Grid::new(-4.0, 4.0, 0),
        Err(EstimateError::GridPoints { points: 0 })
    );
    assert!(matches!(
        Grid::new(-4.0, 4.0, 10_000_000),
        Err(EstimateError::GridPoints { .. })
    ));
    assert!(matches!(
        Grid::new(4.0, -4.0, 33),
        Err(EstimateError::GridBounds { .. })
    ));
    assert!(matches!(
        Grid::new(f64::NAN, 4.0, 33),
        Err(EstimateError::GridBounds { .. })
    ));
    assert!(matches!(
        Grid::new(0.0, f64::INFINITY, 33),
        Err(EstimateError::GridBounds { .. })
    ));

    let items = [item(1.0, 0.0)];
    let eap = |prior| Eap {
        grid: Grid::catr(),
        prior,
    };
    assert_eq!(
        eap(Prior::Normal { mean: 0.0, sd: 0.0 }).estimate(&items, &[1]),
        Err(EstimateError::PriorSd(0.0))
    );
    assert_eq!(
        eap(Prior::Normal {
            mean: 0.0,
            sd: -1.0
        })
        .estimate(&items, &[1]),
        Err(EstimateError::PriorSd(-1.0))
    );
    assert!(matches!(
        eap(Prior::Normal {
            mean: 0.0,
            sd: f64::NAN
        })
        .estimate(&items, &[1]),
        Err(EstimateError::PriorSd(_))
    ));
    assert!(matches!(
        eap(Prior::Normal {
            mean: f64::NAN,
            sd: 1.0
        })
        .estimate(&items, &[1]),
        Err(EstimateError::PriorMean(_))
    ));
    assert_eq!(
        eap(Prior::Weights(vec![1.0; 3])).estimate(&items, &[1]),
        Err(EstimateError::PriorWeightsLength {
            expected: 33,
            got: 3
        })
    );
    let mut w = vec![1.0; 33];
    w[4] = -1.0;
    assert_eq!(
        eap(Prior::Weights(w)).estimate(&items, &[1]),
        Err(EstimateError::PriorWeight {
            index: 4,
            value: -1.0
        })
    );
    assert_eq!(
        eap(Prior::Weights(vec![0.0; 33])).estimate(&items, &[1]),
        Err(EstimateError::PriorWeightsAllZero)
    );
    assert!(EapPosterior::new(&eap(Prior::Normal { mean: 0.0, sd: 0.0 })).is_err());

    let map = Map {
        prior_mean: 0.0,
        prior_sd: 0.0,
        range: (-4.0, 4.0),
    };
    assert_eq!(map.estimate(&items, &[1]), Err(EstimateError::PriorSd(0.0)));
    for range in [
        (4.0, -4.0),
        (1.0, 1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        assert!(matches!(
            Mle { range }.estimate(&items, &[1]),
            Err(EstimateError::Range { .. })
        ));
        assert!(matches!(
            Wle { range }.estimate(&items, &[1]),
            Err(EstimateError::Range { .. })
        ));
        let map = Map {
            range,
            ..Map::default()
        };
        assert!(matches!(
            map.estimate(&items, &[1]),
            Err(EstimateError::Range { .. })
        ));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn extreme_patterns_return_the_range_bound() {
    // catR (good bank, run 1, step 2): items 27 and 38 both wrong give θ = −4 and the
    // SE at −4, 50.47676113257274.
    let bank = [
        [
            1.8719872490037233,
            0.04273782833479345,
            0.03898864185903221,
            0.956596681731753,
        ],
        [
            1.9882256262935698,
            -0.8967778889928013,
            0.03704132633283734,
            0.937559937662445,
        ],
    ];
    let two: Vec<Item> = bank
        .iter()
        .map(|&[a, b, c, d]| Item::logistic(a, b, c, d).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let est = Mle::catr()
        .estimate(&two, &[0, 0])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(est.theta, -4.0);
    assert!((est.se - 50.47676113257274).abs() < 1e-9, "{est:?}");

    let items = [item(1.0, -1.0), item(1.5, 0.0), item(0.8, 1.0)];
    let g = Item::gpcm(1.2, vec![-0.5, 0.5]).unwrap_or_else(|e| panic!("{e}"));
    let r = Item::grm(1.1, vec![-1.0, 0.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
    let mixed = [items[0].clone(), g, r];
    for (range, lo, hi) in [((-4.0, 4.0), -4.0, 4.0), ((-6.0, 6.0), -6.0, 6.0)] {
        let mle = Mle { range };
        let at = |items: &[Item], scores: &[usize]| {
            mle.estimate(items, scores)
                .unwrap_or_else(|e| panic!("{e}"))
                .theta
        };
        assert_eq!(at(&items, &[1, 1, 1]), hi);
        assert_eq!(at(&items, &[0, 0, 0]), lo);
        assert_eq!(at(&mixed, &[1, 2, 3]), hi, "all maximal");
        assert_eq!(at(&mixed, &[0, 0, 0]), lo, "all zero");
    }
    // WLE: 2PL all-correct patterns get a finite estimate inside the range.
    let wle = Wle::default()
        .estimate(&items, &[1, 1, 1])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(wle.theta > 0.5 && wle.theta < 6.0, "{wle:?}");
    assert!(wle.se.is_finite());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn answer_rows_stay_on_their_grid() {
    let catr = EapPosterior::new(&Eap::catr()).unwrap_or_else(|e| panic!("{e}"));
    let mut default = EapPosterior::new(&Eap::default()).unwrap_or_else(|e| panic!("{e}"));
    let row = catr
        .log_likelihood_row(&item(1.0, 0.0), 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let before = default.clone();
    assert_eq!(
        default.add_log_likelihood(&row),
        Err(EstimateError::GridMismatch {
            row: 33,
            posterior: 401
        })
    );
    assert_eq!(default, before, "a refused row changes nothing");
    assert_eq!(
        catr.log_likelihood_row(&item(1.0, 0.0), 2),
        Err(ResponseError::ScoreOutOfRange { score: 2, max: 1 })
    );
}
