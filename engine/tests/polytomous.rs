//! GPCM and GRM: probabilities sum to 1, GPCM information equals a²·Var(X), GRM
//! information and every analytic derivative agree with finite differences, and a few
//! values computed by hand.
//!
//! These are deterministic checks, run natively and on wasm32.

use repere_engine::irt::Item;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn items() -> Vec<Item> {
    let built = [
        Item::gpcm(1.0, vec![0.0, 1.0]),
        Item::gpcm(1.7, vec![-1.5, 0.3, 0.2, 2.0]),
        Item::gpcm(0.6, vec![1.0, -1.0]),
        Item::gpcm(3.5, vec![-0.5]),
        Item::grm(1.5, vec![-1.0, 1.0]),
        Item::grm(2.2, vec![-2.0, -0.4, 0.1, 1.8]),
        Item::grm(0.8, vec![0.5]),
        Item::grm(4.0, vec![-1.0, -0.95, 3.0]),
    ];
    built
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("test item: {e}"))
}

fn thetas() -> impl Iterator<Item = f64> {
    (-40..=40).map(|i| f64::from(i) * 0.25)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn probabilities_sum_to_one_and_expected_score_matches() {
    for item in items() {
        for t in thetas() {
            let p = item.category_probs(t);
            assert_eq!(p.len(), item.max_score() + 1);
            let sum: f64 = p.iter().sum();
            assert!((sum - 1.0).abs() < 1e-14, "{item:?} θ={t}: Σp = {sum}");
            assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)));
            let mean: f64 = p.iter().enumerate().map(|(k, &x)| k as f64 * x).sum();
            let e = item.expected_score(t);
            assert!((mean - e).abs() < 1e-13, "{item:?} θ={t}: {mean} vs {e}");
            let sp = item.success_prob(t);
            assert!((sp - e / item.max_score() as f64).abs() < 1e-15);
            assert_eq!(item.prob(t, item.max_score() + 1), 0.0);
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn gpcm_information_is_a_squared_variance_of_the_score() {
    for item in items() {
        let Item::Gpcm(g) = &item else { continue };
        for t in thetas() {
            let p = item.category_probs(t);
            let mean: f64 = p.iter().enumerate().map(|(k, &x)| k as f64 * x).sum();
            let var: f64 = p
                .iter()
                .enumerate()
                .map(|(k, &x)| (k as f64 - mean).powi(2) * x)
                .sum();
            let info = item.information(t);
            let want = g.a * g.a * var;
            assert!(
                (info - want).abs() <= 1e-13 * (1.0 + want),
                "θ={t}: {info} vs {want}"
            );
        }
    }
}

/// Central difference of `f` at `t`.
fn diff(f: impl Fn(f64) -> f64, t: f64, h: f64) -> f64 {
    (f(t + h) - f(t - h)) / (2.0 * h)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn information_and_derivatives_agree_with_finite_differences() {
    let h = 1e-5;
    for item in items() {
        for t in thetas() {
            let mut fisher = 0.0;
            let mut j = 0.0;
            for k in 0..=item.max_score() {
                let pd = item.prob_derivatives(t, k);
                let d1 = diff(|x| item.prob(x, k), t, h);
                let d2 = diff(|x| item.prob_derivatives(x, k).d1, t, h);
                assert!(
                    (pd.d1 - d1).abs() < 1e-8,
                    "{item:?} θ={t} k={k}: P' {} vs {d1}",
                    pd.d1
                );
                assert!(
                    (pd.d2 - d2).abs() < 1e-7,
                    "{item:?} θ={t} k={k}: P'' {} vs {d2}",
                    pd.d2
                );
                let ll = item
                    .log_likelihood_derivatives(t, k)
                    .unwrap_or_else(|e| panic!("{e}"));
                let s = diff(|x| item.log_likelihood(x, k).unwrap_or(f64::NAN), t, h);
                assert!(
                    (ll.first - s).abs() < 1e-7 * (1.0 + s.abs()),
                    "{item:?} θ={t} k={k}: score {} vs {s}",
                    ll.first
                );
                // Σ P'²/P and Σ P'P''/P from numerical derivatives of the probabilities.
                let p = item.prob(t, k);
                if p > 1e-300 {
                    fisher += d1 * d1 / p;
                    j += d1 * d2 / p;
                }
            }
            let info = item.information(t);
            assert!(
                (info - fisher).abs() < 1e-7 * (1.0 + info),
                "{item:?} θ={t}: I {info} vs {fisher}"
            );
            let jj = item.j(t);
            assert!(
                (jj - j).abs() < 1e-6 * (1.0 + jj.abs()),
                "{item:?} θ={t}: J {jj} vs {j}"
            );
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn hand_computed_values() {
    let close = |x: f64, y: f64| (x - y).abs() < 1e-15;

    // GPCM a = 1, steps (0, 1) at θ = 0: s = (0, 0, −1), so P ∝ (1, 1, e⁻¹).
    let g = Item::gpcm(1.0, vec![0.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
    let e1 = (-1.0f64).exp();
    let z = 2.0 + e1;
    assert!(close(g.prob(0.0, 0), 1.0 / z));
    assert!(close(g.prob(0.0, 1), 1.0 / z));
    assert!(close(g.prob(0.0, 2), e1 / z));
    let mean = (1.0 + 2.0 * e1) / z;
    assert!(close(g.expected_score(0.0), mean));
    let var = (1.0 + 4.0 * e1) / z - mean * mean;
    assert!(close(g.information(0.0), var));
    // log-likelihood of score 2: −1 − ln(2 + e⁻¹); its derivative a(2 − E[X]).
    assert!(close(
        g.log_likelihood(0.0, 2).unwrap_or(0.0),
        -1.0 - z.ln()
    ));
    let d = g
        .log_likelihood_derivatives(0.0, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(close(d.first, 2.0 - mean));
    assert!(close(d.second, -var));

    // GRM a = 1.5, thresholds (−1, 1) at θ = 0: P*₁ = σ(1.5), P*₂ = σ(−1.5).
    let r = Item::grm(1.5, vec![-1.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
    let s = 1.0 / (1.0 + (-1.5f64).exp());
    assert!(close(r.prob(0.0, 0), 1.0 - s));
    assert!(close(r.prob(0.0, 1), s - (1.0 - s)));
    assert!(close(r.prob(0.0, 2), 1.0 - s));
    assert!(close(r.expected_score(0.0), 1.0));
    // I = Σ P'²/P: P₀' = −a w, P₁' = 0, P₂' = a w with w = σ(1.5)σ(−1.5).
    let w = s * (1.0 - s);
    let want = 2.0 * (1.5 * w).powi(2) / (1.0 - s);
    assert!(
        (r.information(0.0) - want).abs() < 1e-15,
        "{} vs {want}",
        r.information(0.0)
    );
    // Symmetric item at its centre: J = 0.
    assert!(r.j(0.0).abs() < 1e-15);

    // 2PL a = 1, b = 0 at θ = 0: P = 1/2, I = 1/4, J = 0, ln-likelihood −ln 2.
    let l = Item::two_pl(1.0, 0.0).unwrap_or_else(|e| panic!("{e}"));
    assert!(close(l.prob(0.0, 1), 0.5));
    assert!(close(l.information(0.0), 0.25));
    assert!(close(l.j(0.0), 0.0));
    assert!(close(
        l.log_likelihood(0.0, 0).unwrap_or(0.0),
        -(2.0f64.ln())
    ));
}
