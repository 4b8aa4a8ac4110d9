//! The scripted person: a test taken by the real adaptive test (`LiveTest`, the
//! code the app runs), with answers drawn from the item response model.
//!
//! A person has an ability θ, a seed and context answers. The seed is the
//! session's seed (the one the app draws with `crypto.getRandomValues`); the
//! same seed, on its own ChaCha8 stream 1, draws the answers: for each item the
//! test proposes, one uniform `u` in [0, 1) and the category `k` with
//! `P(k − 1) ≤ u < P(k)` cumulated over the model's category probabilities at θ
//! (a dichotomous item is right when `u < P(θ)`). The response given is the
//! item's response for that score ([`Responses::for_score`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repere_items::assessment::{AnswerLog, Assessor, ContextAnswer, Mode, Outcome, MAX_SEED};
use repere_items::{BankItem, ItemType, Response};
use serde::Serialize;

use repere_items::respond::{responses, Responses};

/// Start of every scripted test (2026-01-01, Unix ms): the engine never reads it.
const STARTED_AT: u64 = 1_767_225_600_000;
/// Time logged per answer natively (only the 20-minute limit reads it).
const ELAPSED_MS: u64 = 4_000;

/// Who takes the test.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// Ability.
    pub theta: f64,
    /// Session seed, at most 2⁵³ − 1.
    pub seed: u64,
    /// Where the test is taken.
    pub mode: Mode,
    /// Context answers, in the order the app logs them.
    pub context: Vec<ContextAnswer>,
}

/// One item of a scripted test.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// Item id.
    pub id: String,
    /// Item type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// The uniform draw.
    pub u: f64,
    /// Category probabilities at θ, from 0 to the maximum score.
    pub probabilities: Vec<f64>,
    /// The category drawn.
    pub drawn: usize,
    /// The response given.
    pub response: Response,
    /// Its score (the scorer's; equal to `drawn` for every item of the bank).
    pub score: usize,
    /// Highest score.
    pub max_score: usize,
    /// The item as the bank holds it (options, scene…), for the browser drivers.
    pub item: BankItem,
}

/// A whole scripted test.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// Items in the order the test proposed them.
    pub items: Vec<Step>,
    /// Item types met, sorted.
    pub types: Vec<ItemType>,
    /// The finished log, as the app would post it (its own id and times).
    pub log: AnswerLog,
    /// What the assessment makes of it (the app's and the server's profile).
    pub outcome: Outcome,
}

/// Responses per item, built once.
#[derive(Default)]
pub struct Cache<'b> {
    by_item: HashMap<&'b str, Responses>,
}

impl<'b> Cache<'b> {
    fn get(&mut self, item: &'b BankItem) -> Result<&Responses, String> {
        if !self.by_item.contains_key(item.id.as_str()) {
            let r = responses(item).map_err(|e| e.to_string())?;
            self.by_item.insert(item.id.as_str(), r);
        }
        self.by_item
            .get(item.id.as_str())
            .ok_or_else(|| format!("item `{}`: no responses", item.id))
    }
}

/// The category drawn from `probabilities` with the uniform `u`.
fn category(probabilities: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (k, p) in probabilities.iter().enumerate() {
        acc += p;
        if u < acc {
            return k;
        }
    }
    probabilities.len().saturating_sub(1)
}

/// Runs the test of `person` with the real assessment.
pub fn run<'b>(
    assessor: &'b Assessor<'b>,
    person: &Person,
    cache: &mut Cache<'b>,
) -> Result<Run, String> {
    if person.seed > MAX_SEED {
        return Err(format!("seed {} is above 2^53 - 1", person.seed));
    }
    let id = format!(
        "00000000-0000-4000-8000-{:012x}",
        person.seed & 0xffff_ffff_ffff
    );
    let mut test = assessor
        .start(
            id,
            person.seed,
            person.mode,
            person.context.clone(),
            STARTED_AT,
        )
        .map_err(|e| format!("start: {e}"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(person.seed);
    rng.set_stream(1);
    let mut items = Vec::new();
    while let Some(item) = test.next_item() {
        let model = item.engine_item();
        let probabilities: Vec<f64> = (0..=model.max_score())
            .map(|k| model.prob(person.theta, k))
            .collect();
        let u: f64 = rng.random();
        let drawn = category(&probabilities, u);
        let response = cache.get(item)?.for_score(drawn).response.clone();
        let score = test
            .answer(&item.id, response.clone(), ELAPSED_MS)
            .map_err(|e| format!("answer {}: {e}", items.len()))?;
        items.push(Step {
            id: item.id.clone(),
            item_type: item.item_type(),
            u,
            probabilities,
            drawn,
            response,
            score,
            max_score: item.max_score(),
            item: item.clone(),
        });
    }
    let finished_at = STARTED_AT + ELAPSED_MS * items.len() as u64;
    let (log, outcome) = test
        .finish(finished_at)
        .map_err(|e| format!("finish: {e}"))?;
    let types: BTreeSet<ItemType> = items.iter().map(|s| s.item_type).collect();
    Ok(Run {
        person: person.clone(),
        items,
        types: types.into_iter().collect(),
        log,
        outcome,
    })
}

/// Types of the live items of the bank, with their counts.
pub fn bank_types(assessor: &Assessor<'_>) -> BTreeMap<ItemType, usize> {
    let mut out = BTreeMap::new();
    for item in assessor.bank().live_items() {
        *out.entry(item.item_type()).or_insert(0) += 1;
    }
    out
}

/// As few persons as the search finds whose tests together meet every type of
/// the bank: greedy set cover over θ in `thetas` and seeds `1..=seeds` (each
/// round takes the person meeting the most types not met yet; ties go to the
/// first found). Errors when the candidates cannot meet every type.
pub fn cover<'b>(
    assessor: &'b Assessor<'b>,
    thetas: &[f64],
    seeds: u64,
    mode: Mode,
    context: &[ContextAnswer],
) -> Result<Vec<Run>, String> {
    let wanted: BTreeSet<ItemType> = bank_types(assessor).into_keys().collect();
    let mut cache = Cache::default();
    let mut candidates = Vec::new();
    for seed in 1..=seeds {
        for theta in thetas {
            let person = Person {
                theta: *theta,
                seed,
                mode,
                context: context.to_vec(),
            };
            candidates.push(run(assessor, &person, &mut cache)?);
        }
    }
    let mut met: BTreeSet<ItemType> = BTreeSet::new();
    let mut chosen = Vec::new();
    while met != wanted {
        let gain = |r: &Run| r.types.iter().filter(|t| !met.contains(t)).count();
        let best = candidates
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| gain(a).cmp(&gain(b)).then(j.cmp(i)))
            .map(|(i, r)| (i, gain(r)));
        match best {
            Some((i, g)) if g > 0 => {
                let r = candidates.swap_remove(i);
                met.extend(r.types.iter().copied());
                chosen.push(r);
            }
            _ => {
                let missing: Vec<&str> = wanted.difference(&met).map(|t| t.name()).collect();
                return Err(format!(
                    "no scripted person among {} candidates meets the type(s) {}",
                    thetas.len() as u64 * seeds,
                    missing.join(", ")
                ));
            }
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_is_the_inverse_cdf() {
        let p = [0.2, 0.5, 0.3];
        assert_eq!(category(&p, 0.0), 0);
        assert_eq!(category(&p, 0.1999), 0);
        assert_eq!(category(&p, 0.2), 1);
        assert_eq!(category(&p, 0.6999), 1);
        assert_eq!(category(&p, 0.7), 2);
        assert_eq!(category(&p, 0.99999), 2);
    }

    #[test]
    fn a_run_is_replayed_by_the_assessment_to_the_same_outcome() {
        let assessor = repere_e2e::assessor();
        let person = Person {
            theta: 0.3,
            seed: 42,
            mode: Mode::SelfTest,
            context: Vec::new(),
        };
        let mut cache = Cache::default();
        let a = run(assessor, &person, &mut cache).expect("run");
        let b = run(assessor, &person, &mut cache).expect("run");
        assert_eq!(a.log, b.log, "deterministic");
        assert!(
            a.items.len() >= 8 && a.items.len() <= 20,
            "{} items",
            a.items.len()
        );
        for s in &a.items {
            assert_eq!(
                s.score, s.drawn,
                "{}: the response scores the category drawn",
                s.id
            );
        }
        let replayed = assessor.assess(&a.log).expect("assess");
        assert_eq!(replayed, a.outcome);
        // Another θ draws other answers: a higher ability scores higher on average.
        let low = run(
            assessor,
            &Person {
                theta: -2.0,
                ..person.clone()
            },
            &mut cache,
        )
        .expect("run");
        let high = run(
            assessor,
            &Person {
                theta: 2.0,
                ..person
            },
            &mut cache,
        )
        .expect("run");
        assert!(
            high.outcome.estimate.theta > low.outcome.estimate.theta + 1.0,
            "θ̂ {} (θ = 2) vs {} (θ = −2)",
            high.outcome.estimate.theta,
            low.outcome.estimate.theta
        );
    }
}
