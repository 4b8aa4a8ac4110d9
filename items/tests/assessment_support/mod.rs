//! Shared by the assessment tests: a simulated person who produces real responses
//! (the renderer's JSON) for every item type, right, wrong or partly right, checked
//! against `repere_items::score`.

#![allow(dead_code)]

use repere_items::assessment::{AnswerLog, Assessor, ContextAnswer, Mode, Outcome};
use repere_items::{score, Action, Bank, BankItem, Body, Response, StepKind};

/// A small deterministic generator (SplitMix64), so the tests need no extra crate.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FILL_CANDIDATES: [&str; 16] = [
    "Jean",
    "Dupont",
    "jean.dupont@exemple.fr",
    "75001",
    "0612345678",
    "06 12 34 56 78",
    "01/02/1980",
    "Soleil2024",
    "MotDePasse2024",
    "1 rue de la Paix",
    "Paris",
    "123456",
    "12345678",
    "1234567890123",
    "Bonjour, voici mon document.",
    "Demande de rendez-vous",
];

fn option_index(options: &[repere_items::Choice], id: &str) -> usize {
    options
        .iter()
        .position(|o| o.id == id)
        .expect("answer among options")
}

/// Actions doing the first `k` steps of a stepped simulation, each candidate
/// action checked with `score` (the scorer is the oracle for form rules).
fn step_actions(item: &BankItem, k: usize) -> Vec<Action> {
    let steps = item.body.steps();
    let mut actions: Vec<Action> = Vec::new();
    let mut filled: Vec<String> = Vec::new();
    for (i, step) in steps.iter().enumerate().take(k) {
        let mut candidates: Vec<Action> = Vec::new();
        match step.kind {
            StepKind::Tap => candidates.push(Action::Tap {
                target: step.target.clone(),
            }),
            StepKind::Toggle => candidates.push(Action::Toggle {
                target: step.target.clone(),
                on: step.on.unwrap_or(true),
            }),
            StepKind::Fill => {
                let mut values: Vec<String> = step.accept.clone().unwrap_or_default();
                if let Body::Form { scene, .. } = &item.body {
                    if let Some(f) = scene.fields.iter().find(|f| f.id == step.target) {
                        values.extend(f.choices.iter().cloned());
                    }
                }
                values.extend(filled.iter().cloned());
                values.extend(FILL_CANDIDATES.iter().map(|s| s.to_string()));
                for v in values {
                    candidates.push(Action::Fill {
                        target: step.target.clone(),
                        value: v,
                    });
                }
            }
        }
        let chosen = candidates.into_iter().find(|c| {
            let mut trial = actions.clone();
            trial.push(c.clone());
            score(item, &Response::Actions(trial)).is_ok_and(|s| s > i)
        });
        match chosen {
            Some(c) => {
                if let Action::Fill { value, .. } = &c {
                    filled.push(value.clone());
                }
                actions.push(c);
            }
            None => panic!("{}: cannot achieve step {i} ({:?})", item.id, step.target),
        }
    }
    actions
}

/// A response scoring `target` (0 ..= max): the right one, a wrong one, or the
/// first `target` steps of a simulation.
pub fn respond(item: &BankItem, target: usize) -> Response {
    let right = target > 0;
    let r = match &item.body {
        Body::Single { options, answer } => {
            let i = option_index(options, answer);
            Response::Choice(if right { i } else { (i + 1) % options.len() })
        }
        Body::Multiple { options, answer } => {
            if right {
                Response::Choices(answer.iter().map(|a| option_index(options, a)).collect())
            } else {
                let wrong = options
                    .iter()
                    .position(|o| !answer.contains(&o.id))
                    .unwrap_or(0);
                Response::Choices(vec![wrong])
            }
        }
        Body::Hotspot { screen, regions } => {
            if right {
                let r = &regions[0];
                Response::Point {
                    x: r.x + r.width / 2.0,
                    y: r.y + r.height / 2.0,
                }
            } else {
                let v = screen.rect();
                let mut found = None;
                'grid: for i in 0..=20 {
                    for j in 0..=20 {
                        let x = v.x + v.width * i as f64 / 20.0;
                        let y = v.y + v.height * j as f64 / 20.0;
                        if !regions.iter().any(|r| r.contains(x, y)) {
                            found = Some((x, y));
                            break 'grid;
                        }
                    }
                }
                let (x, y) = found.expect("a point outside the regions");
                Response::Point { x, y }
            }
        }
        Body::Ordering { options, answer } => {
            if right {
                Response::Order(answer.iter().map(|a| option_index(options, a)).collect())
            } else {
                // File order is never the right order (validator).
                Response::Order((0..options.len()).collect())
            }
        }
        Body::Text { answer, .. } => Response::Text(if right {
            answer[0].clone()
        } else {
            "je ne sais pas".to_string()
        }),
        Body::Message { scene, answer } => {
            let ids: Vec<&str> = scene.decision_ids().collect();
            let pick = ids
                .iter()
                .find(|id| answer.iter().any(|a| a == *id) == right)
                .expect("a right and a wrong decision");
            Response::Actions(vec![Action::Tap {
                target: pick.to_string(),
            }])
        }
        Body::Search { scene, answer } => {
            let pick = scene
                .results
                .iter()
                .find(|r| answer.contains(&r.id) == right)
                .expect("a right and a wrong result");
            Response::Actions(vec![Action::Tap {
                target: pick.id.clone(),
            }])
        }
        Body::Mailbox { .. } | Body::Form { .. } | Body::Settings { .. } => {
            Response::Actions(step_actions(item, target))
        }
    };
    let s = score(item, &r).unwrap_or_else(|e| panic!("{}: {e}", item.id));
    assert_eq!(
        s, target,
        "{}: response {r:?} scores {s}, not {target}",
        item.id
    );
    r
}

/// A simulated person of ability `theta`: draws a score from the item's model.
pub fn draw_score(item: &BankItem, theta: f64, rng: &mut Rng) -> usize {
    let probs = item.engine_item().category_probs(theta);
    let u = rng.uniform();
    let mut acc = 0.0;
    for (k, p) in probs.iter().enumerate() {
        acc += p;
        if u < acc {
            return k;
        }
    }
    probs.len() - 1
}

pub const UUID: &str = "0b7c4f2e-8d1a-4c3b-9e5f-2a6d7c8b9e01";

/// Plays a whole test with `policy(item) -> Some(score)` (or `None` to skip) and
/// returns the log and the app-side outcome.
pub fn play(
    assessor: &Assessor<'_>,
    seed: u64,
    mode: Mode,
    context: Vec<ContextAnswer>,
    mut policy: impl FnMut(&BankItem) -> Option<usize>,
) -> (AnswerLog, Outcome) {
    let mut test = assessor
        .start(UUID.to_string(), seed, mode, context, 1_767_225_600_000)
        .expect("start");
    let mut n = 0u64;
    while let Some(item) = test.next_item() {
        let response = match policy(item) {
            Some(s) => respond(item, s),
            None => Response::Skip,
        };
        test.answer(&item.id, response, 6_000 + 97 * n)
            .expect("answer");
        n += 1;
        assert!(n <= 100, "the test never stops");
    }
    test.finish(1_767_226_000_000).expect("finish")
}

pub fn ctx(pairs: &[(&str, &str)]) -> Vec<ContextAnswer> {
    pairs
        .iter()
        .map(|(q, a)| ContextAnswer {
            question: q.to_string(),
            answer: a.to_string(),
        })
        .collect()
}

pub fn bank() -> Bank {
    repere_items::embedded().expect("embedded bank")
}
