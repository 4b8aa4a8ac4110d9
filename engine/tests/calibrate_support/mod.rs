//! Simulation helpers shared by the calibration tests (seeded, portable).

#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::calibrate::{Answer, Responses};
use repere_engine::irt::Item;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A score drawn from the item's category probabilities at θ.
pub fn draw(item: &Item, theta: f64, rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random::<f64>();
    let mut acc = 0.0;
    let max = item.max_score();
    for k in 0..max {
        acc += item.prob(theta, k);
        if u < acc {
            return k;
        }
    }
    max
}

/// Every person answers every item.
pub fn complete(items: &[Item], thetas: &[f64], rng: &mut ChaCha8Rng) -> Responses {
    let mut answers = Vec::with_capacity(items.len() * thetas.len());
    for (p, t) in thetas.iter().enumerate() {
        for (j, it) in items.iter().enumerate() {
            answers.push(Answer {
                person: p,
                item: j,
                score: draw(it, *t, rng),
            });
        }
    }
    Responses::new(thetas.len(), items.len(), answers).unwrap()
}

pub fn thetas(n: usize, mean: f64, sd: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n).map(|_| mean + sd * normal(rng)).collect()
}

/// Root mean square difference.
pub fn rmse(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    (a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / a.len() as f64).sqrt()
}

/// `(a, b, c)` of a logistic item.
pub fn abc(item: &Item) -> (f64, f64, f64) {
    match item {
        Item::Logistic(l) => (l.a, l.b, l.c),
        _ => panic!("not a logistic item: {item:?}"),
    }
}

/// 2PL items with a in [0.8, 1.8] and b in [−2, 2], drawn from `rng`.
pub fn two_pl_bank(n: usize, rng: &mut ChaCha8Rng) -> Vec<Item> {
    (0..n)
        .map(|_| {
            let a = 0.8 + rng.random::<f64>();
            let b = -2.0 + 4.0 * rng.random::<f64>();
            Item::two_pl(a, b).unwrap()
        })
        .collect()
}

/// Each person answers `k` distinct items drawn uniformly from the bank.
pub fn random_design(items: &[Item], thetas: &[f64], k: usize, rng: &mut ChaCha8Rng) -> Responses {
    let n = items.len();
    let mut answers = Vec::with_capacity(thetas.len() * k);
    let mut pool: Vec<usize> = (0..n).collect();
    for (p, t) in thetas.iter().enumerate() {
        // Partial Fisher–Yates shuffle.
        for i in 0..k {
            let j = rng.random_range(i..n);
            pool.swap(i, j);
            let item = pool[i];
            answers.push(Answer {
                person: p,
                item,
                score: draw(&items[item], *t, rng),
            });
        }
    }
    Responses::new(thetas.len(), n, answers).unwrap()
}

/// An adaptive-like design: each person answers `k` items, each chosen at random
/// among the 5 unused items whose location is closest to the current EAP (41-point
/// grid, N(0, 1) prior, true parameters), updated after each answer. Selection
/// depends on observed answers only (missing at random), as in a real adaptive test.
pub fn adaptive_design(
    items: &[Item],
    thetas: &[f64],
    k: usize,
    rng: &mut ChaCha8Rng,
) -> Responses {
    let n = items.len();
    let grid: Vec<f64> = (0..41).map(|i| -4.0 + 0.2 * i as f64).collect();
    let location = |it: &Item| match it {
        Item::Logistic(l) => l.b,
        Item::Gpcm(g) => g.steps.iter().sum::<f64>() / g.steps.len() as f64,
        Item::Grm(g) => g.thresholds.iter().sum::<f64>() / g.thresholds.len() as f64,
    };
    let locs: Vec<f64> = items.iter().map(location).collect();
    let mut answers = Vec::with_capacity(thetas.len() * k);
    let mut used = vec![false; n];
    let mut lp = vec![0.0; grid.len()];
    let mut order: Vec<usize> = (0..n).collect();
    for (p, t) in thetas.iter().enumerate() {
        used.iter_mut().for_each(|u| *u = false);
        for (l, g) in lp.iter_mut().zip(&grid) {
            *l = -0.5 * g * g;
        }
        for _ in 0..k {
            let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (mut s, mut e) = (0.0, 0.0);
            for (l, g) in lp.iter().zip(&grid) {
                let w = (l - m).exp();
                s += w;
                e += w * g;
            }
            let eap = e / s;
            order.sort_by(|x, y| {
                let dx = if used[*x] {
                    f64::INFINITY
                } else {
                    (locs[*x] - eap).abs()
                };
                let dy = if used[*y] {
                    f64::INFINITY
                } else {
                    (locs[*y] - eap).abs()
                };
                dx.total_cmp(&dy).then(x.cmp(y))
            });
            let item = order[rng.random_range(0..5)];
            used[item] = true;
            let score = draw(&items[item], *t, rng);
            for (l, g) in lp.iter_mut().zip(&grid) {
                *l += items[item].prob(*g, score).max(1e-300).ln();
            }
            answers.push(Answer {
                person: p,
                item,
                score,
            });
        }
    }
    Responses::new(thetas.len(), n, answers).unwrap()
}

/// Sparse-design recovery: RMSE of b over the estimated items.
pub fn rmse_b_estimated(
    items: &[Item],
    results: &[repere_engine::calibrate::ItemResult],
) -> (f64, usize) {
    let (mut t, mut e) = (vec![], vec![]);
    for (truth, r) in items.iter().zip(results) {
        if r.status == repere_engine::calibrate::ItemStatus::Estimated {
            t.push(abc(truth).1);
            e.push(abc(r.item.as_ref().unwrap()).1);
        }
    }
    (rmse(&t, &e), t.len())
}
