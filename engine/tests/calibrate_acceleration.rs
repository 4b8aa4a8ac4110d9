//! SQUAREM reaches the fixed point plain EM reaches, in fewer E-steps, for every
//! model and with the latent moments estimated.

mod calibrate_support;

use calibrate_support::*;
use rand::Rng;
use repere_engine::calibrate::{
    calibrate, Acceleration, Calibration, Config, ItemModel, ItemSetup, Responses,
};
use repere_engine::irt::Item;

/// Tight convergence, so both runs stop near the same maximum.
fn tight(acceleration: Acceleration) -> Config {
    Config {
        acceleration,
        tolerance: 1e-7,
        loglik_tolerance: 1e-8,
        max_iterations: 5000,
        standard_errors: false,
        item_fit: false,
        ..Config::default()
    }
}

/// Largest difference of any reported parameter (and the latent moments).
fn largest_difference(x: &Calibration, y: &Calibration) -> f64 {
    let mut d: f64 = (x.latent.mean - y.latent.mean)
        .abs()
        .max((x.latent.sd - y.latent.sd).abs());
    for (a, b) in x.items.iter().zip(&y.items) {
        match (&a.item, &b.item) {
            (Some(Item::Logistic(p)), Some(Item::Logistic(q))) => {
                d = d
                    .max((p.a - q.a).abs())
                    .max((p.b - q.b).abs())
                    .max((p.c - q.c).abs());
            }
            (Some(Item::Gpcm(p)), Some(Item::Gpcm(q))) => {
                d = d.max((p.a - q.a).abs());
                for (s, t) in p.steps.iter().zip(&q.steps) {
                    d = d.max((s - t).abs());
                }
            }
            (None, None) => {}
            _ => panic!("different item kinds"),
        }
    }
    d
}

fn compare(name: &str, data: &Responses, setups: &[ItemSetup]) -> (Calibration, Calibration) {
    let plain = calibrate(data, setups, &tight(Acceleration::None)).unwrap();
    let fast = calibrate(data, setups, &tight(Acceleration::Squarem)).unwrap();
    let d = largest_difference(&plain, &fast);
    eprintln!(
        "{name}: plain EM {} E-steps, SQUAREM {} E-steps ({} EM steps); largest difference {d:.2e}; \
         log-likelihood {:.6} vs {:.6}",
        plain.e_steps, fast.e_steps, fast.iterations, plain.log_likelihood, fast.log_likelihood
    );
    assert!(plain.converged && fast.converged, "{name}");
    assert!(d < 1e-4, "{name}: estimates differ by {d}");
    // SQUAREM stops no lower on the likelihood (up to the stopping rule).
    assert!(
        fast.log_likelihood >= plain.log_likelihood - 1e-5,
        "{name}: {} < {}",
        fast.log_likelihood,
        plain.log_likelihood
    );
    assert!(
        fast.e_steps < plain.e_steps,
        "{name}: {} E-steps with SQUAREM, {} without",
        fast.e_steps,
        plain.e_steps
    );
    (plain, fast)
}

#[test]
fn two_pl_sparse_design_same_estimates_in_fewer_e_steps() {
    let mut rng = rng(17);
    let items = two_pl_bank(40, &mut rng);
    let thetas = thetas(4000, 0.0, 1.0, &mut rng);
    let data = adaptive_design(&items, &thetas, 10, &mut rng);
    let (plain, fast) = compare(
        "2PL adaptive",
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 40],
    );
    // Sparse designs are where EM crawls: expect at least a halving.
    assert!(
        2 * fast.e_steps <= plain.e_steps,
        "{} vs {}",
        fast.e_steps,
        plain.e_steps
    );
}

#[test]
fn anchors_latent_moments_three_pl_gpcm_and_rasch_agree_with_plain_em() {
    let mut rng = rng(23);
    // 2PL with anchors: mean and SD estimated.
    let items = two_pl_bank(20, &mut rng);
    let thetas_a = thetas(1500, 0.4, 1.2, &mut rng);
    let data = complete(&items, &thetas_a, &mut rng);
    let setups: Vec<ItemSetup> = items
        .iter()
        .enumerate()
        .map(|(j, it)| {
            if j % 5 == 0 {
                ItemSetup::anchor(it.clone())
            } else {
                ItemSetup::free(ItemModel::TwoPl)
            }
        })
        .collect();
    let (_, fast) = compare("2PL with anchors", &data, &setups);
    assert!(fast.latent.mean_estimated && fast.latent.sd_estimated);

    // 3PL (Beta prior on c: the penalised likelihood is what EM climbs).
    let items: Vec<Item> = (0..15)
        .map(|_| {
            let a = 0.9 + rng.random::<f64>();
            let b = -1.0 + 2.0 * rng.random::<f64>();
            Item::three_pl(a, b, 0.2).unwrap()
        })
        .collect();
    let thetas_c = thetas(1500, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas_c, &mut rng);
    compare("3PL", &data, &vec![ItemSetup::free(ItemModel::ThreePl); 15]);

    // GPCM with dichotomous items.
    let mut items: Vec<Item> = (0..6)
        .map(|_| {
            let a = 0.8 + rng.random::<f64>();
            let b0 = -1.5 + rng.random::<f64>();
            Item::gpcm(a, vec![b0, b0 + 1.0, b0 + 2.0]).unwrap()
        })
        .collect();
    items.extend(two_pl_bank(8, &mut rng));
    let thetas_g = thetas(1500, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas_g, &mut rng);
    let setups: Vec<ItemSetup> = (0..14)
        .map(|j| {
            ItemSetup::free(if j < 6 {
                ItemModel::Gpcm { steps: 3 }
            } else {
                ItemModel::TwoPl
            })
        })
        .collect();
    compare("GPCM + 2PL", &data, &setups);

    // Rasch: the latent SD is estimated.
    let items: Vec<Item> = (0..15)
        .map(|_| Item::two_pl(1.0, -2.0 + 4.0 * rng.random::<f64>()).unwrap())
        .collect();
    let thetas_r = thetas(1500, 0.0, 1.4, &mut rng);
    let data = complete(&items, &thetas_r, &mut rng);
    let (_, fast) = compare("Rasch", &data, &vec![ItemSetup::free(ItemModel::Rasch); 15]);
    assert!(fast.latent.sd_estimated);
}

#[test]
fn squarem_is_deterministic_and_stops_within_max_iterations() {
    let mut rng = rng(29);
    let items = two_pl_bank(12, &mut rng);
    let thetas = thetas(800, 0.0, 1.0, &mut rng);
    let data = random_design(&items, &thetas, 6, &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 12];
    let a = calibrate(&data, &setups, &Config::default()).unwrap();
    let b = calibrate(&data, &setups, &Config::default()).unwrap();
    assert_eq!(a, b);
    let capped = Config {
        max_iterations: 5,
        ..Config::default()
    };
    let c = calibrate(&data, &setups, &capped).unwrap();
    assert!(!c.converged);
    assert!(c.iterations <= 5, "{} EM steps", c.iterations);
}
