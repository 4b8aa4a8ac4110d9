//! Estimator semantics that the catR fixtures do not reach: the global maximum when a
//! 3PL likelihood has two peaks, the two input forms, the incremental EAP with
//! polytomous items. Deterministic: run natively and on wasm32.

use repere_engine::estimate::{
    AbilityEstimator, Eap, EapPosterior, Grid, Map, Mle, Prior, Response, Wle,
};
use repere_engine::irt::Item;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn three_pl(a: f64, b: f64, c: f64) -> Item {
    Item::three_pl(a, b, c).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn mle_takes_the_global_maximum_over_the_range() {
    // Wrong on an easy item, right on three harder ones with guessing: the likelihood
    // has a local maximum near θ = 0.14 (ln L ≈ −7.31) but is higher at the lower
    // bound (ln L(−4) ≈ −5.42), because guessing keeps the right answers likely there.
    // catR's ML (uniroot on the score after its sign test) returns the interior root;
    // the bounded maximum likelihood estimate is the bound.
    let items = [
        three_pl(2.3, 2.0, 0.25),
        three_pl(1.5, 2.1, 0.2),
        three_pl(2.3, -0.2, 0.2),
        three_pl(1.3, -3.0, 0.25),
        three_pl(1.8, 0.9, 0.25),
    ];
    let scores = [0, 1, 1, 0, 1];
    let est = Mle::catr()
        .estimate(&items, &scores)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(est.theta, -4.0);
    let ll = |t: f64| -> f64 {
        items
            .iter()
            .zip(&scores)
            .map(|(it, &s)| it.log_likelihood(t, s).unwrap_or(f64::NAN))
            .sum()
    };
    assert!(ll(-4.0) > ll(0.14) + 1.8, "{} vs {}", ll(-4.0), ll(0.14));
    // On a range where the interior peak is the highest point, it is found.
    let est = Mle { range: (0.0, 4.0) }
        .estimate(&items, &scores)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!((est.theta - 0.14).abs() < 0.05, "{est:?}");
    let score: f64 = items
        .iter()
        .zip(&scores)
        .map(|(it, &s)| {
            it.log_likelihood_derivatives(est.theta, s)
                .map(|d| d.first)
                .unwrap_or(f64::NAN)
        })
        .sum();
    assert!(score.abs() < 1e-10, "score {score} at {est:?}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn both_input_forms_and_the_incremental_eap_agree() {
    let items = [
        Item::two_pl(1.1, -0.3),
        Item::gpcm(0.9, vec![-0.5, 0.7]),
        Item::grm(1.4, vec![-1.0, 0.2, 1.1]),
        Item::logistic(1.3, 0.8, 0.15, 0.97),
    ]
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .unwrap_or_else(|e| panic!("{e}"));
    let scores = [1usize, 2, 1, 0];
    let responses: Vec<Response<'_>> = items
        .iter()
        .zip(&scores)
        .map(|(item, &score)| Response { item, score })
        .collect();
    let estimators: [&dyn AbilityEstimator; 5] = [
        &Eap::default(),
        &Eap::catr(),
        &Map::default(),
        &Mle::default(),
        &Wle::default(),
    ];
    for est in estimators {
        let a = est
            .estimate(&items, &scores)
            .unwrap_or_else(|e| panic!("{e}"));
        let b = est
            .estimate_responses(&responses)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b, "{}", est.name());
        assert!(a.theta.is_finite() && a.se.is_finite() && a.se > 0.0);
    }
    let eap = Eap {
        grid: Grid::new(-5.0, 5.0, 201).unwrap_or_else(|e| panic!("{e}")),
        prior: Prior::Normal { mean: 0.3, sd: 1.2 },
    };
    let mut post = EapPosterior::new(&eap).unwrap_or_else(|e| panic!("{e}"));
    for (k, (item, &score)) in items.iter().zip(&scores).enumerate() {
        post.update(item, score).unwrap_or_else(|e| panic!("{e}"));
        let batch = eap
            .estimate(&items[..=k], &scores[..=k])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(post.estimate(), batch, "after {} answers", k + 1);
    }
    assert_eq!(post.responses(), 4);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn map_shrinks_towards_the_prior() {
    let items = [
        Item::two_pl(1.2, -1.0),
        Item::two_pl(1.0, 0.0),
        Item::two_pl(1.5, 1.0),
    ]
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .unwrap_or_else(|e| panic!("{e}"));
    let scores = [1, 1, 0];
    let mle = Mle::default()
        .estimate(&items, &scores)
        .unwrap_or_else(|e| panic!("{e}"));
    let map = Map::default()
        .estimate(&items, &scores)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(0.0 < map.theta && map.theta < mle.theta, "{map:?} {mle:?}");
    assert!(map.se < mle.se);
}
