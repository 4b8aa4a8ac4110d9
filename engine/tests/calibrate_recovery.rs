//! Parameter recovery of the calibration on data simulated from known parameters.

mod calibrate_support;

use calibrate_support::*;
use repere_engine::calibrate::{calibrate, Config, ItemModel, ItemSetup, ItemStatus};

#[test]
fn two_pl_complete_design_recovers_a_and_b() {
    let mut rng = rng(20240601);
    let items = two_pl_bank(60, &mut rng);
    let thetas = thetas(2000, 0.0, 1.0, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 60];
    let t = std::time::Instant::now();
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    eprintln!("fit: {:?}, {} iterations", t.elapsed(), cal.iterations);
    assert!(
        cal.converged,
        "did not converge in {} cycles",
        cal.iterations
    );
    let (mut ta, mut tb, mut ea, mut eb) = (vec![], vec![], vec![], vec![]);
    for (truth, r) in items.iter().zip(&cal.items) {
        assert_eq!(r.status, ItemStatus::Estimated);
        let (a0, b0, _) = abc(truth);
        let (a1, b1, _) = abc(r.item.as_ref().unwrap());
        ta.push(a0);
        tb.push(b0);
        ea.push(a1);
        eb.push(b1);
    }
    let (ra, rb) = (rmse(&ta, &ea), rmse(&tb, &eb));
    eprintln!("RMSE a = {ra:.4}, b = {rb:.4}");
    assert!(ra <= 0.10, "RMSE of a = {ra}");
    assert!(rb <= 0.10, "RMSE of b = {rb}");
}

#[test]
fn two_pl_sparse_adaptive_design_recovers_b() {
    let mut rng = rng(7);
    let items = two_pl_bank(150, &mut rng);
    let thetas = thetas(20_000, 0.0, 1.0, &mut rng);
    let data = adaptive_design(&items, &thetas, 15, &mut rng);
    assert_eq!(data.len(), 300_000);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 150];
    let t = std::time::Instant::now();
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    eprintln!("adaptive: {:?}, {} iterations", t.elapsed(), cal.iterations);
    assert!(cal.converged);
    let (rb, n) = rmse_b_estimated(&items, &cal.items);
    eprintln!("adaptive design: RMSE b = {rb:.4} over {n} items");
    assert!(n >= 140, "only {n} items estimated");
    assert!(rb <= 0.15, "RMSE of b = {rb}");
}

#[test]
fn two_pl_sparse_random_design_recovers_b() {
    let mut rng = rng(8);
    let items = two_pl_bank(150, &mut rng);
    let thetas = thetas(20_000, 0.0, 1.0, &mut rng);
    let data = random_design(&items, &thetas, 15, &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 150];
    let t = std::time::Instant::now();
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    eprintln!("random: {:?}, {} iterations", t.elapsed(), cal.iterations);
    assert!(cal.converged);
    let (rb, n) = rmse_b_estimated(&items, &cal.items);
    eprintln!("random design: RMSE b = {rb:.4} over {n} items");
    assert_eq!(n, 150);
    assert!(rb <= 0.15, "RMSE of b = {rb}");
}
