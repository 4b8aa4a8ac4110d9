//! Responses a person can give through the real UI: the right one, a wrong one,
//! and for the stepped simulations one per number of steps achieved.
//!
//! Every response here is one the app's renderer records when the screen is
//! operated in the plain way a person would (the browser drivers of
//! `tests/browser/lib/drivers.mjs` do exactly that): multiple choices sorted as
//! the renderer keeps them, an order reached with « Monter », a hotspot point the
//! keyboard path reaches, simulation actions that follow the simulated screens
//! (a file is chosen after « Joindre un fichier », a network after Wi-Fi is on,
//! a field change is recorded only when the value changes). Each response is
//! scored with [`crate::score`]: the score printed is the scorer's, never an
//! assumption.

mod sim;

use serde::Serialize;

use crate::{score, Action, BankItem, Body, Choice, Rect, Response, ScoreError, Screen};

/// A response and the score the items crate gives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scored {
    /// The response (JSON as the app posts it).
    pub response: Response,
    /// Its score, `0..=max_score`.
    pub score: usize,
}

/// The responses of one item.
#[derive(Clone, Debug, Serialize)]
pub struct Responses {
    /// Full marks.
    pub right: Scored,
    /// Score 0, and not « Je ne sais pas »: a real mistake.
    pub wrong: Scored,
    /// Stepped simulations: `partial[k]` achieves the first `k` steps and stops
    /// there (`partial[0]` is `wrong`, the last is `right`). Empty for other types.
    pub partial: Vec<Scored>,
}

impl Responses {
    /// The response that scores `k` (0 = wrong, max = right; a stepped simulation
    /// its partial response `k`).
    pub fn for_score(&self, k: usize) -> &Scored {
        if self.partial.is_empty() {
            if k == 0 {
                &self.wrong
            } else {
                &self.right
            }
        } else {
            let last = self.partial.len() - 1;
            &self.partial[k.min(last)]
        }
    }
}

/// Keyboard step of the hotspot marker as a fraction of the picture; Shift moves
/// four steps. Copied from `app/src/render/hotspot.rs` (`STEP`): the drivers and
/// this module replay its arithmetic to get points the keyboard reaches exactly.
pub const HOTSPOT_STEP: f64 = 0.025;

/// Most steps from the centre to an edge (0.5 / 0.025).
const HOTSPOT_REACH: i32 = 20;

/// Where the hotspot marker ends after `n` key presses from the centre (0.5) along
/// one axis, pressed the canonical way: `|n| / 4` presses with Shift, then
/// `|n| % 4` without, towards the sign of `n`. The same `f64` operations as the
/// app (`(x + dx).clamp(0, 1)`), so the result is bit-exact.
pub fn hotspot_walk(n: i32) -> f64 {
    let sign = if n < 0 { -1.0 } else { 1.0 };
    let big = HOTSPOT_STEP * 4.0;
    let mut x: f64 = 0.5;
    for _ in 0..n.abs() / 4 {
        x = (x + sign * big).clamp(0.0, 1.0);
    }
    for _ in 0..n.abs() % 4 {
        x = (x + sign * HOTSPOT_STEP).clamp(0.0, 1.0);
    }
    x
}

/// The point (view-box coordinates) of the marker after `(nx, ny)` presses.
fn hotspot_point(screen: &Screen, nx: i32, ny: i32) -> (f64, f64) {
    let [vx, vy, vw, vh] = screen.view_box;
    (vx + hotspot_walk(nx) * vw, vy + hotspot_walk(ny) * vh)
}

/// Keyboard-reachable points, the nearest to `(cx, cy)` first, that satisfy `keep`.
fn hotspot_lattice(
    screen: &Screen,
    (cx, cy): (f64, f64),
    keep: impl Fn(f64, f64) -> bool,
) -> Option<(f64, f64)> {
    let mut best: Option<(f64, (f64, f64))> = None;
    for nx in -HOTSPOT_REACH..=HOTSPOT_REACH {
        for ny in -HOTSPOT_REACH..=HOTSPOT_REACH {
            let (x, y) = hotspot_point(screen, nx, ny);
            if !keep(x, y) {
                continue;
            }
            let d = (x - cx).powi(2) + (y - cy).powi(2);
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, (x, y)));
            }
        }
    }
    best.map(|(_, p)| p)
}

fn centre(r: &Rect) -> (f64, f64) {
    (r.x + r.width / 2.0, r.y + r.height / 2.0)
}

fn index_of(options: &[Choice], id: &str) -> Option<usize> {
    options.iter().position(|o| o.id == id)
}

/// Why no response of a kind could be built for an item.
#[derive(Debug)]
pub struct NoResponse {
    /// Item id.
    pub item: String,
    /// What is missing.
    pub what: String,
}

impl std::fmt::Display for NoResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "item `{}`: {}", self.item, self.what)
    }
}

fn scored(item: &BankItem, response: Response) -> Result<Scored, NoResponse> {
    let s = score(item, &response).map_err(|e: ScoreError| NoResponse {
        item: item.id.clone(),
        what: format!("the scorer refuses {}: {e}", json(&response)),
    })?;
    Ok(Scored { response, score: s })
}

fn json(r: &Response) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// The right, wrong and partial responses of an item, each checked by the scorer:
/// `right` must score the maximum, `wrong` 0.
pub fn responses(item: &BankItem) -> Result<Responses, NoResponse> {
    let missing = |what: &str| NoResponse {
        item: item.id.clone(),
        what: what.to_string(),
    };
    let (right, wrong, partial) = match &item.body {
        Body::Single { options, answer } => {
            let right = index_of(options, answer).ok_or_else(|| missing("no right option"))?;
            let wrong = (0..options.len())
                .find(|i| *i != right)
                .ok_or_else(|| missing("no wrong option"))?;
            (Response::Choice(right), Response::Choice(wrong), Vec::new())
        }
        Body::Multiple { options, answer } => {
            let mut right: Vec<usize> =
                answer.iter().filter_map(|a| index_of(options, a)).collect();
            // The renderer keeps the chosen options sorted.
            right.sort_unstable();
            // A plausible mistake: one right option and the first wrong one.
            let first_wrong = (0..options.len())
                .find(|i| !right.contains(i))
                .ok_or_else(|| missing("no wrong option"))?;
            let mut wrong = vec![right.first().copied().unwrap_or(0), first_wrong];
            wrong.sort_unstable();
            wrong.dedup();
            (
                Response::Choices(right),
                Response::Choices(wrong),
                Vec::new(),
            )
        }
        Body::Ordering { options, answer } => {
            let right: Vec<usize> = answer.iter().filter_map(|a| index_of(options, a)).collect();
            // Validating the order as shown (never the right one, the bank checks).
            let wrong: Vec<usize> = (0..options.len()).collect();
            (Response::Order(right), Response::Order(wrong), Vec::new())
        }
        Body::Text { answer, .. } => {
            let right = answer
                .first()
                .ok_or_else(|| missing("no accepted answer"))?;
            let wrong = ["1234", "je sais pas", "x"]
                .iter()
                .map(|w| Response::Text((*w).to_string()))
                .find(|w| score(item, w) == Ok(0))
                .ok_or_else(|| missing("every wrong text is accepted"))?;
            (Response::Text(right.clone()), wrong, Vec::new())
        }
        Body::Hotspot { screen, regions } => {
            let region = regions.first().ok_or_else(|| missing("no region"))?;
            let (x, y) = hotspot_lattice(screen, centre(region), |x, y| region.contains(x, y))
                .ok_or_else(|| missing("no keyboard-reachable point in the first region"))?;
            let [vx, vy, vw, vh] = screen.view_box;
            let (wx, wy) = hotspot_lattice(screen, (vx + vw / 2.0, vy + vh / 2.0), |x, y| {
                !regions.iter().any(|r| r.contains(x, y))
            })
            .ok_or_else(|| missing("every keyboard-reachable point is right"))?;
            (
                Response::Point { x, y },
                Response::Point { x: wx, y: wy },
                Vec::new(),
            )
        }
        Body::Message { scene, answer } => {
            let ids: Vec<&str> = scene.decision_ids().collect();
            let right = ids
                .iter()
                .find(|id| answer.iter().any(|a| a == *id))
                .ok_or_else(|| missing("no right decision"))?;
            let wrong = ids
                .iter()
                .find(|id| !answer.iter().any(|a| a == *id))
                .ok_or_else(|| missing("no wrong decision"))?;
            (tap(right), tap(wrong), Vec::new())
        }
        Body::Search { scene, answer } => {
            let right = scene
                .results
                .iter()
                .find(|r| answer.contains(&r.id))
                .ok_or_else(|| missing("no right result"))?;
            let wrong = scene
                .results
                .iter()
                .find(|r| !answer.contains(&r.id))
                .ok_or_else(|| missing("no wrong result"))?;
            (tap(&right.id), tap(&wrong.id), Vec::new())
        }
        Body::Mailbox { .. } | Body::Form { .. } | Body::Settings { .. } => {
            let plan = sim::plan(item).map_err(|what| missing(&what))?;
            let mut partial = Vec::with_capacity(plan.segments.len() + 1);
            let wrong = plan
                .mistakes
                .into_iter()
                .map(|a| Response::Actions(vec![a]))
                .find(|r| score(item, r) == Ok(0))
                .unwrap_or(Response::Actions(Vec::new()));
            partial.push(scored(item, wrong.clone())?);
            let mut actions: Vec<Action> = Vec::new();
            for segment in &plan.segments {
                actions.extend(segment.iter().cloned());
                partial.push(scored(item, Response::Actions(actions.clone()))?);
            }
            let right = Response::Actions(actions);
            (right, wrong, partial)
        }
    };
    let right = scored(item, right)?;
    let wrong = scored(item, wrong)?;
    if right.score != item.max_score() {
        return Err(missing(&format!(
            "the right response {} scores {} of {}",
            json(&right.response),
            right.score,
            item.max_score()
        )));
    }
    if wrong.score != 0 {
        return Err(missing(&format!(
            "the wrong response {} scores {}",
            json(&wrong.response),
            wrong.score
        )));
    }
    Ok(Responses {
        right,
        wrong,
        partial,
    })
}

/// A uniform index below `n` (≥ 1) from a uniform draw in [0, 1).
fn pick(n: usize, u: &mut dyn FnMut() -> f64) -> usize {
    ((u() * n as f64) as usize).min(n.saturating_sub(1))
}

/// What a person who does not know does instead of « Je ne sais pas »: a blind
/// guess among what the screen offers, drawn with `u` (uniform draws in [0, 1)).
///
/// - `single`: one option at random; `multiple`: as many options as the answer has
///   (the stem says how many), at random, sorted as the renderer keeps them;
///   `ordering`: a random order; `hotspot`: a point drawn uniformly on the picture;
///   `message` and `search`: one decision or one result at random.
/// - `text` and the stepped simulations cannot be guessed blindly: the person
///   types or does something wrong (`responses.wrong`).
///
/// The guess may be right: the scorer decides, as for any response.
pub fn guess(item: &BankItem, responses: &Responses, u: &mut dyn FnMut() -> f64) -> Response {
    match &item.body {
        Body::Single { options, .. } if !options.is_empty() => {
            Response::Choice(pick(options.len(), u))
        }
        Body::Multiple { options, answer } if !options.is_empty() => {
            let mut left: Vec<usize> = (0..options.len()).collect();
            let mut chosen = Vec::with_capacity(answer.len());
            for _ in 0..answer.len().clamp(1, options.len()) {
                chosen.push(left.swap_remove(pick(left.len(), u)));
            }
            chosen.sort_unstable();
            Response::Choices(chosen)
        }
        Body::Ordering { options, .. } => {
            let mut order: Vec<usize> = (0..options.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, pick(i + 1, u));
            }
            Response::Order(order)
        }
        Body::Hotspot { screen, .. } => {
            let [vx, vy, vw, vh] = screen.view_box;
            Response::Point {
                x: vx + u() * vw,
                y: vy + u() * vh,
            }
        }
        Body::Message { scene, .. } => {
            let ids: Vec<&str> = scene.decision_ids().collect();
            if ids.is_empty() {
                return responses.wrong.response.clone();
            }
            tap(ids[pick(ids.len(), u)])
        }
        Body::Search { scene, .. } if !scene.results.is_empty() => {
            tap(&scene.results[pick(scene.results.len(), u)].id)
        }
        _ => responses.wrong.response.clone(),
    }
}

fn tap(id: &str) -> Response {
    Response::Actions(vec![Action::Tap {
        target: id.to_string(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_reaches_both_edges_and_the_centre() {
        assert_eq!(hotspot_walk(0), 0.5);
        // Five Shift presses add 0.1 five times: 1 within rounding, not exactly.
        assert!((hotspot_walk(20) - 1.0).abs() < 1e-12);
        assert!(hotspot_walk(-20).abs() < 1e-12);
        assert_eq!(hotspot_walk(40), 1.0, "clamped at the edge");
        // One Shift press and one plain press: 0.5 + 0.1 + 0.025.
        assert!((hotspot_walk(5) - 0.625).abs() < 1e-12);
        assert!((hotspot_walk(-3) - 0.425).abs() < 1e-12);
    }

    #[test]
    fn every_live_item_has_right_and_wrong_responses() {
        let bank = crate::embedded().expect("the embedded bank is valid");
        let mut failures = Vec::new();
        for item in bank.live_items() {
            match responses(item) {
                Ok(r) => {
                    assert_eq!(r.right.score, item.max_score(), "{}", item.id);
                    assert_eq!(r.wrong.score, 0, "{}", item.id);
                    // Each partial response achieves exactly its number of steps.
                    let scores: Vec<usize> = r.partial.iter().map(|p| p.score).collect();
                    if !r.partial.is_empty() {
                        let expected: Vec<usize> = (0..=item.max_score()).collect();
                        assert_eq!(
                            scores, expected,
                            "{}: the partial responses should score one more step each \
                             (a step that holds from the start gives free points)",
                            item.id
                        );
                    }
                }
                Err(e) => failures.push(e.to_string()),
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
