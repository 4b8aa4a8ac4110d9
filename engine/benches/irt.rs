//! Benchmarks of the measurement hot paths of an adaptive session.
//!
//! - `information/bank_1000`: Fisher information of a 1,000-item 4PL bank at one θ
//!   (what maximum-information selection evaluates at every step);
//! - `eap/update_401`, `eap/estimate_401`: one answer added to the incremental EAP
//!   posterior on the default grid, and the posterior mean/SD read from it;
//! - `step/select_and_eap_401`: one full step, information of the bank + argmax over
//!   the items not yet given + EAP update + estimate (target: < 20 µs);
//! - `estimate/*_30`: the batch estimators on a 30-item pattern.
//!
//! Run: `cargo bench -p repere-engine --bench irt` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_engine::estimate::{AbilityEstimator, Eap, EapPosterior, Map, Mle, Wle};
use repere_engine::irt::Item;

fn bank(n: usize, seed: u64) -> Vec<Item> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let a = rng.random_range(0.5..2.5);
            let b = rng.random_range(-3.0..3.0);
            let c = rng.random_range(0.0..0.25);
            let d = rng.random_range(0.95..1.0);
            Item::logistic(a, b, c, d).expect("valid random item")
        })
        .collect()
}

/// A 30-item pattern answered by a simulee at θ = 0.4.
fn pattern() -> (Vec<Item>, Vec<usize>) {
    let items = bank(30, 7);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let scores = items
        .iter()
        .map(|it| usize::from(rng.random::<f64>() < it.prob(0.4, 1)))
        .collect();
    (items, scores)
}

fn information(c: &mut Criterion) {
    let items = bank(1000, 1);
    let mut out = vec![0.0; items.len()];
    c.bench_function("information/bank_1000", |b| {
        b.iter(|| {
            for (o, it) in out.iter_mut().zip(&items) {
                *o = it.information(black_box(0.3));
            }
            black_box(&out);
        })
    });
}

fn eap(c: &mut Criterion) {
    let items = bank(1000, 1);
    let eap = Eap::default();
    let start = EapPosterior::new(&eap).expect("valid EAP");
    let mut post = start.clone();
    for it in items.iter().take(10) {
        post.update(it, 1).expect("valid score");
    }
    let item = &items[500];
    c.bench_function("eap/update_401", |b| {
        let mut p = post.clone();
        b.iter(|| p.update(black_box(item), 1).expect("valid score"))
    });
    c.bench_function("eap/estimate_401", |b| {
        b.iter(|| black_box(&post).estimate())
    });
    let mut catr = EapPosterior::new(&Eap::catr()).expect("valid EAP");
    c.bench_function("eap/update_33_catr", |b| {
        b.iter(|| catr.update(black_box(item), 0).expect("valid score"))
    });

    // One adaptive step: select the most informative unused item at the current
    // estimate (known from the previous step), record the answer, update the posterior
    // and read the new estimate.
    let mut used = vec![false; items.len()];
    for flag in used.iter_mut().take(10) {
        *flag = true;
    }
    let theta = post.estimate().theta;
    c.bench_function("step/select_and_eap_401", |b| {
        b.iter_batched(
            || post.clone(),
            |mut p| {
                let mut best = (f64::NEG_INFINITY, 0);
                for (k, it) in items.iter().enumerate() {
                    if !used[k] {
                        let info = it.information(black_box(theta));
                        if info > best.0 {
                            best = (info, k);
                        }
                    }
                }
                p.update(&items[best.1], 1).expect("valid score");
                black_box(p.estimate())
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

fn estimators(c: &mut Criterion) {
    let (items, scores) = pattern();
    let list: [(&str, &dyn AbilityEstimator); 5] = [
        ("estimate/eap_401_30", &Eap::default()),
        ("estimate/eap_catr_30", &Eap::catr()),
        ("estimate/map_30", &Map::default()),
        ("estimate/mle_30", &Mle::default()),
        ("estimate/wle_30", &Wle::default()),
    ];
    for (name, est) in list {
        c.bench_function(name, |b| {
            b.iter(|| est.estimate(black_box(&items), black_box(&scores)))
        });
    }
}

criterion_group!(benches, information, eap, estimators);
criterion_main!(benches);
