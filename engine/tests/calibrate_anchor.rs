//! Anchoring keeps the anchors bitwise and puts the new items on their scale;
//! linking recovers a change of scale between two calibrations.

mod calibrate_support;

use calibrate_support::*;
use repere_engine::calibrate::link::{mean_sigma, stocking_lord};
use repere_engine::calibrate::{calibrate, Config, ItemModel, ItemSetup, ItemStatus};
use repere_engine::irt::Item;

#[test]
fn anchors_stay_bitwise_and_the_scale_follows_them() {
    let mut rng = rng(71);
    let items = two_pl_bank(40, &mut rng);
    // The new sample is abler and more spread than the anchors' reference N(0, 1).
    let thetas = thetas(3000, 0.5, 1.2, &mut rng);
    let data = complete(&items, &thetas, &mut rng);
    let setups: Vec<ItemSetup> = items
        .iter()
        .enumerate()
        .map(|(j, it)| {
            if j % 4 == 0 {
                ItemSetup::anchor(it.clone())
            } else {
                // Start far from the truth: expert guesses.
                ItemSetup::with_start(ItemModel::TwoPl, Item::two_pl(1.0, 0.0).unwrap())
            }
        })
        .collect();
    let cal = calibrate(&data, &setups, &Config::default()).unwrap();
    assert!(cal.converged);
    assert!(cal.latent.mean_estimated && cal.latent.sd_estimated);
    eprintln!("latent: {:?}", cal.latent);
    assert!(
        (cal.latent.mean - 0.5).abs() < 0.1,
        "mean {}",
        cal.latent.mean
    );
    assert!((cal.latent.sd - 1.2).abs() < 0.1, "sd {}", cal.latent.sd);
    assert!(cal.latent.mean_se.is_some() && cal.latent.sd_se.is_some());
    let (mut t, mut e) = (vec![], vec![]);
    for (j, (truth, r)) in items.iter().zip(&cal.items).enumerate() {
        if j % 4 == 0 {
            assert_eq!(r.status, ItemStatus::Anchored);
            // Bitwise: the very same f64 values.
            let (Item::Logistic(x), Some(Item::Logistic(y))) = (truth, &r.item) else {
                panic!()
            };
            assert_eq!(x.a.to_bits(), y.a.to_bits());
            assert_eq!(x.b.to_bits(), y.b.to_bits());
            assert!(r.se.is_none());
        } else {
            t.push(abc(truth).1);
            e.push(abc(r.item.as_ref().unwrap()).1);
        }
    }
    let rb = rmse(&t, &e);
    eprintln!("free items on the anchors' scale: RMSE b = {rb:.3}");
    assert!(rb < 0.12, "RMSE b = {rb}");
}

#[test]
fn linking_two_calibrations_recovers_the_change_of_scale() {
    let mut rng = rng(81);
    let items = two_pl_bank(30, &mut rng);
    // Old calibration: sample N(0, 1). New: sample N(0.6, 0.8²), calibrated on its
    // own N(0, 1) scale, so θ_old = 0.8·θ_new + 0.6.
    let old_data = complete(&items, &thetas(2000, 0.0, 1.0, &mut rng), &mut rng);
    let new_data = complete(&items, &thetas(2000, 0.6, 0.8, &mut rng), &mut rng);
    let setups = vec![ItemSetup::free(ItemModel::TwoPl); 30];
    let old = calibrate(&old_data, &setups, &Config::default()).unwrap();
    let new = calibrate(&new_data, &setups, &Config::default()).unwrap();
    let pairs: Vec<(Item, Item)> = old
        .items
        .iter()
        .zip(&new.items)
        .map(|(o, n)| (o.item.clone().unwrap(), n.item.clone().unwrap()))
        .collect();
    let ms = mean_sigma(&pairs).unwrap();
    let sl = stocking_lord(&pairs).unwrap();
    eprintln!("mean/sigma {ms:?}, Stocking-Lord {sl:?}");
    for l in [ms, sl] {
        assert!((l.slope - 0.8).abs() < 0.06, "{l:?}");
        assert!((l.intercept - 0.6).abs() < 0.06, "{l:?}");
    }
    // The linked new parameters are close to the old ones.
    let linked: Vec<f64> = pairs
        .iter()
        .map(|(_, n)| abc(&sl.item(n).unwrap()).1)
        .collect();
    let olds: Vec<f64> = pairs.iter().map(|(o, _)| abc(o).1).collect();
    assert!(rmse(&linked, &olds) < 0.15);
}
