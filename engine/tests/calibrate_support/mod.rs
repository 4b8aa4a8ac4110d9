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
