//! Banks and configurations shared by the session and simulation tests.
#![allow(dead_code)]

use repere_engine::bank::{Bank, BankItem, Requirements};
use repere_engine::irt::Item;
use repere_engine::simulate::SyntheticBank;

/// A 3PL bank of `n` items over 5 domains with parameters drawn uniformly from the
/// given ranges.
pub fn synthetic_bank(n: usize, a: (f64, f64), b: (f64, f64), c: (f64, f64), seed: u64) -> Bank {
    SyntheticBank {
        items: n,
        domains: 5,
        a,
        b,
        c,
        seed,
    }
    .generate()
    .expect("synthetic bank")
}

/// A 3PL bank of `n` items over 5 domains, b in [−3, 2.5].
pub fn bank(n: usize, seed: u64) -> Bank {
    synthetic_bank(n, (0.7, 2.0), (-3.0, 2.5), (0.0, 0.2), seed)
}

/// A bank with requirements, enemies and a few polytomous items: every fourth item
/// needs a keyboard, every sixth needs sound, items 2k and 2k+1 are enemies for k < 40.
pub fn rich_bank() -> Bank {
    let base = bank(240, 11);
    let mut items: Vec<BankItem> = base.items().to_vec();
    for (i, it) in items.iter_mut().enumerate() {
        it.requires = Requirements {
            keyboard: i % 4 == 0,
            hearing: i % 6 == 0,
            ..Requirements::NONE
        };
        if i % 2 == 0 && i < 80 {
            it.enemies = vec![format!("item-{:04}", i + 2)];
        }
        if i % 10 == 7 {
            let b = base.difficulty(i);
            it.item = Item::gpcm(1.2, vec![b - 0.6, b + 0.6]).expect("gpcm");
        }
    }
    Bank::new(items).expect("rich bank")
}

/// A beginner-oriented bank: b spread from −3 to 1.5 (most items easy), 2PL/3PL.
pub fn beginner_bank() -> Bank {
    synthetic_bank(300, (0.8, 2.0), (-3.0, 1.5), (0.0, 0.15), 5)
}

/// The items `prefix0`, `prefix1`, … in one domain `D` and one skill `S`, without
/// requirements or enemies.
pub fn one_skill_bank(prefix: &str, items: impl IntoIterator<Item = Item>) -> Bank {
    Bank::new(
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| BankItem {
                id: format!("{prefix}{i}"),
                item,
                domain: "D".into(),
                skill: "S".into(),
                requires: Requirements::NONE,
                enemies: Vec::new(),
            })
            .collect(),
    )
    .expect("one-skill bank")
}
