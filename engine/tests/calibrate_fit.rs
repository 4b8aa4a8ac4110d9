//! Item fit: a misfitting item is flagged, well-fitting ones mostly not.

mod calibrate_support;

use calibrate_support::*;
use rand::Rng;
use repere_engine::calibrate::{calibrate, Answer, Config, Flag, ItemModel, ItemSetup, Responses};
use repere_engine::irt::Item;

/// Answers where item 0 follows a non-logistic curve: easy for the weakest and the
/// ablest, hard in the middle (a badly written item), the rest are 2PL.
fn data_with_bad_item(persons: usize, sparse: Option<usize>, seed: u64) -> (Vec<Item>, Responses) {
    let mut rng = rng(seed);
    let items = two_pl_bank(40, &mut rng);
    let thetas = thetas(persons, 0.0, 1.0, &mut rng);
    let bad = |t: f64| if t.abs() < 0.7 { 0.25 } else { 0.85 };
    let mut answers = Vec::new();
    let mut pool: Vec<usize> = (0..40).collect();
    for (p, t) in thetas.iter().enumerate() {
        // Sparse: each person answers k items drawn at random.
        let k = sparse.unwrap_or(40);
        for i in 0..k {
            let s = rng.random_range(i..40);
            pool.swap(i, s);
        }
        let mut chosen = pool[..k].to_vec();
        chosen.sort_unstable();
        for j in chosen {
            let it = &items[j];
            let score = if j == 0 {
                usize::from(rng.random::<f64>() < bad(*t))
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
    (items, Responses::new(persons, 40, answers).unwrap())
}

#[test]
fn s_x2_and_px2_flag_a_misfitting_item_in_a_complete_design() {
    let (_, data) = data_with_bad_item(2000, None, 121);
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 40],
        &Config::default(),
    )
    .unwrap();
    let bad = cal.items[0].fit.as_ref().unwrap();
    eprintln!("bad item: {bad:?}");
    assert!(bad.sx2.unwrap().p_value < 1e-6);
    assert!(bad.px2.unwrap().p_value < 1e-6);
    assert!(cal.items[0].flags.contains(&Flag::MisfitSx2));
    assert!(cal.items[0].flags.contains(&Flag::MisfitPx2));
    let good = &cal.items[1..];
    let sx2_flags = good
        .iter()
        .filter(|r| r.flags.contains(&Flag::MisfitSx2))
        .count();
    let px2_flags = good
        .iter()
        .filter(|r| r.flags.contains(&Flag::MisfitPx2))
        .count();
    eprintln!("false alarms out of 39: S-X2 {sx2_flags}, PX2 {px2_flags}");
    assert!(sx2_flags <= 3 && px2_flags <= 3);
    for r in good {
        let f = r.fit.as_ref().unwrap();
        assert!((0.8..1.2).contains(&f.infit), "infit {}", f.infit);
    }
}

#[test]
fn px2_flags_a_misfitting_item_in_a_sparse_design_where_s_x2_is_undefined() {
    let (_, data) = data_with_bad_item(12_000, Some(10), 131);
    let cal = calibrate(
        &data,
        &vec![ItemSetup::free(ItemModel::TwoPl); 40],
        &Config::default(),
    )
    .unwrap();
    let bad = cal.items[0].fit.as_ref().unwrap();
    eprintln!("bad item (sparse): {bad:?}");
    assert!(bad.sx2.is_none(), "S-X2 needs a complete design");
    assert!(bad.px2.unwrap().p_value < 1e-6);
    let good = &cal.items[1..];
    let px2_flags = good
        .iter()
        .filter(|r| r.flags.contains(&Flag::MisfitPx2))
        .count();
    let flagged: Vec<usize> = (1..40)
        .filter(|j| cal.items[*j].flags.contains(&Flag::MisfitPx2))
        .collect();
    eprintln!("false alarms out of 39: PX2 {px2_flags}: {flagged:?}");
    assert!(px2_flags <= 3);
}
