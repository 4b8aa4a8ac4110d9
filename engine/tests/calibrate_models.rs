//! Recovery for the other models: 3PL with its prior on c, GPCM, Rasch; standard
//! errors against the spread of the estimates.

mod calibrate_support;

use calibrate_support::*;
use rand::Rng;
use repere_engine::calibrate::{calibrate, Config, ItemModel, ItemSetup, ItemStatus, LatentMode};
use repere_engine::irt::Item;

#[test]
fn three_pl_with_beta_prior_keeps_c_inside_0_and_half() {
    let mut rng = rng(31);
    let items: Vec<Item> = (0..40)
        .map(|_| {
            let a = 0.9 + rng.random::<f64>();
            let b = -1.5 + 3.0 * rng.random::<f64>();
            let c = 0.1 + 0.15 * rng.random::<f64>();
            Item::three_pl(a, b, c).unwrap()
        })
        .collect();
    let thetas = thetas(3000, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::ThreePl); 40];
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    let (mut tb, mut eb, mut tc, mut ec) = (vec![], vec![], vec![], vec![]);
    for (truth, r) in items.iter().zip(&cal.items) {
        let (_, b, c) = abc(r.item.as_ref().unwrap());
        assert!(c > 0.0 && c < 0.5, "c = {c}");
        let (_, b0, c0) = abc(truth);
        tb.push(b0);
        eb.push(b);
        tc.push(c0);
        ec.push(c);
    }
    let (rb, rc) = (rmse(&tb, &eb), rmse(&tc, &ec));
    eprintln!(
        "3PL: RMSE b = {rb:.3}, c = {rc:.3}, {} cycles",
        cal.iterations
    );
    assert!(rb < 0.25, "RMSE b = {rb}");
    assert!(rc < 0.08, "RMSE c = {rc}");

    // 3PL fitted to 2PL data (true c = 0): the prior keeps c small and positive.
    let items2 = two_pl_bank(30, &mut rng);
    let thetas2 = calibrate_support::thetas(1500, 0.0, 1.0, &mut rng);
    let data2 = complete(&items2, &thetas2, &mut rng);
    let cal2 = calibrate(
        &data2,
        &vec![ItemSetup::free(ItemModel::ThreePl); 30],
        &Config::default(),
    )
    .unwrap();
    for r in &cal2.items {
        let (_, _, c) = abc(r.item.as_ref().unwrap());
        assert!(c > 0.0 && c < 0.5, "c = {c}");
    }
}

#[test]
fn gpcm_items_with_dichotomous_ones_are_recovered() {
    let mut rng = rng(41);
    let mut items = two_pl_bank(20, &mut rng);
    let mut setups = vec![ItemSetup::free(ItemModel::TwoPl); 20];
    for _ in 0..8 {
        let a = 0.8 + 0.8 * rng.random::<f64>();
        let mid = -1.0 + 2.0 * rng.random::<f64>();
        items.push(Item::gpcm(a, vec![mid - 0.8, mid, mid + 0.9]).unwrap());
        setups.push(ItemSetup::free(ItemModel::Gpcm { steps: 3 }));
    }
    let thetas = thetas(2000, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    assert!(cal.converged);
    let (mut ta, mut ea, mut ts, mut es) = (vec![], vec![], vec![], vec![]);
    for (truth, r) in items.iter().zip(&cal.items).skip(20) {
        assert_eq!(r.status, ItemStatus::Estimated);
        let (Item::Gpcm(t), Some(Item::Gpcm(e))) = (truth, &r.item) else {
            panic!("not GPCM: {:?}", r.item);
        };
        ta.push(t.a);
        ea.push(e.a);
        ts.extend(&t.steps);
        es.extend(&e.steps);
        let se = r.se.as_ref().unwrap();
        assert_eq!(se.steps.len(), 3);
    }
    let (ra, rs) = (rmse(&ta, &ea), rmse(&ts, &es));
    eprintln!("GPCM: RMSE a = {ra:.3}, steps = {rs:.3}");
    assert!(ra < 0.12, "RMSE a = {ra}");
    assert!(rs < 0.15, "RMSE steps = {rs}");
}

#[test]
fn rasch_estimates_the_latent_sd() {
    let mut rng = rng(51);
    let items: Vec<Item> = (0..30)
        .map(|i| Item::rasch(-2.0 + 4.0 * i as f64 / 29.0).unwrap())
        .collect();
    let thetas = thetas(2000, 0.0, 1.4, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::Rasch); 30],
        &Config::default(),
    )
    .unwrap();
    assert!(cal.latent.sd_estimated && !cal.latent.mean_estimated);
    assert!((cal.latent.sd - 1.4).abs() < 0.1, "sd = {}", cal.latent.sd);
    let t: Vec<f64> = items.iter().map(|i| abc(i).1).collect();
    let e: Vec<f64> = cal
        .items
        .iter()
        .map(|r| abc(r.item.as_ref().unwrap()).1)
        .collect();
    let rb = rmse(&t, &e);
    assert!(rb < 0.1, "RMSE b = {rb}");
    for r in &cal.items {
        let (a, _, _) = abc(r.item.as_ref().unwrap());
        assert_eq!(a, 1.0);
        assert!(r.se.as_ref().unwrap().a.is_none());
    }
    // With the latent fixed at N(0, 1), the same data gives shrunk difficulties.
    let config = Config {
        latent: LatentMode::Standard,
        ..Config::default()
    };
    let fixed = calibrate(&data, &vec![ItemSetup::free(ItemModel::Rasch); 30], &config).unwrap();
    assert_eq!(fixed.latent.sd, 1.0);
}

#[test]
fn standard_errors_match_the_spread_of_the_estimates() {
    // Over items, the mean squared error should be close to the mean squared SE.
    let mut rng = rng(61);
    let items = two_pl_bank(40, &mut rng);
    let thetas = thetas(1000, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 40],
        &Config::default(),
    )
    .unwrap();
    let (mut mse_a, mut mse_b, mut se2_a, mut se2_b) = (0.0, 0.0, 0.0, 0.0);
    for (truth, r) in items.iter().zip(&cal.items) {
        let (a0, b0, _) = abc(truth);
        let (a1, b1, _) = abc(r.item.as_ref().unwrap());
        let se = r.se.as_ref().unwrap();
        mse_a += (a1 - a0).powi(2);
        mse_b += (b1 - b0).powi(2);
        se2_a += se.a.unwrap().powi(2);
        se2_b += se.b.unwrap().powi(2);
    }
    let ra = (mse_a / se2_a).sqrt();
    let rb = (mse_b / se2_b).sqrt();
    eprintln!("RMSE/RMS(SE): a {ra:.3}, b {rb:.3}");
    assert!((0.7..1.4).contains(&ra), "a: {ra}");
    assert!((0.7..1.4).contains(&rb), "b: {rb}");
}
