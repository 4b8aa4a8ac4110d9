//! Forming groups of people with similar needs, for trainers planning sessions.
//!
//! Each person is a vector of needs, one coordinate per skill of the référentiel:
//! 0 for the best status, 1 for the lowest, evenly spaced between. With `n` people
//! and a group size `s`, we form `g = ⌈n / s⌉` groups of at most `s` people by
//! balanced k-means:
//!
//! 1. seeds: the person with the most needs, then repeatedly the person farthest
//!    from every seed chosen so far (ties: the earlier person in the list);
//! 2. assignment with capacities: people are taken in order of their distance to
//!    their nearest centre (closest first) and each joins the nearest centre that
//!    still has room;
//! 3. centres move to their group's mean; steps 2–3 repeat until nothing changes
//!    (at most 50 rounds).
//!
//! Everything is deterministic: same profiles in the same order, same groups. For
//! each group the skills to cover come in priority order: the most members who have
//! it to work on, then the highest mean need, then référentiel order.

use repere_items::Bank;

use crate::outcome::Profile;

/// A skill to cover in a group.
#[derive(Clone, Debug, PartialEq)]
pub struct Priority {
    /// Skill id.
    pub skill: String,
    /// Members who have it to work on.
    pub members: usize,
    /// Mean need of the group on it, 0..=1.
    pub mean_need: f64,
}

/// One group: indexes into the input list, and what to work on.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Members (indexes of the input), in input order.
    pub members: Vec<usize>,
    /// Skills to cover, most needed first; skills nobody needs are left out.
    pub priorities: Vec<Priority>,
}

/// The need vector of a profile (skills in référentiel order).
pub fn needs(bank: &Bank, profile: &Profile) -> Vec<f64> {
    let statuses = &bank.referentiel.profile.statuses;
    let span = statuses.len().saturating_sub(1).max(1) as f64;
    bank.referentiel
        .skills
        .iter()
        .map(|s| {
            profile
                .skills
                .iter()
                .find(|k| k.skill == s.id)
                .and_then(|k| statuses.iter().position(|st| st.id == k.status))
                .map_or(0.0, |rank| rank as f64 / span)
        })
        .collect()
}

fn distance2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Groups the profiles (all with the same skill list) into groups of at most
/// `size`. An empty list gives no group; `size` 0 is treated as 1.
pub fn form_groups(bank: &Bank, profiles: &[&Profile], size: usize) -> Vec<Group> {
    let n = profiles.len();
    if n == 0 {
        return Vec::new();
    }
    let size = size.max(1);
    let g = n.div_ceil(size);
    let points: Vec<Vec<f64>> = profiles.iter().map(|p| needs(bank, p)).collect();

    // 1. Seeds.
    let total = |p: &Vec<f64>| p.iter().sum::<f64>();
    let mut first = 0;
    for (i, p) in points.iter().enumerate() {
        if total(p) > total(&points[first]) {
            first = i;
        }
    }
    let mut centres: Vec<Vec<f64>> = vec![points[first].clone()];
    let mut nearest: Vec<f64> = points.iter().map(|p| distance2(p, &centres[0])).collect();
    while centres.len() < g {
        let mut far = 0;
        for i in 0..n {
            if nearest[i] > nearest[far] {
                far = i;
            }
        }
        centres.push(points[far].clone());
        for i in 0..n {
            nearest[i] = nearest[i].min(distance2(&points[i], &points[far]));
        }
    }

    // 2–3. Assignment with capacities, then centres, until stable.
    let mut assignment: Vec<usize> = vec![usize::MAX; n];
    for _round in 0..50 {
        let dist: Vec<Vec<f64>> = points
            .iter()
            .map(|p| centres.iter().map(|c| distance2(p, c)).collect())
            .collect();
        let best = |i: usize| dist[i].iter().copied().fold(f64::INFINITY, f64::min);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| best(a).total_cmp(&best(b)).then(a.cmp(&b)));
        let mut room = vec![size; g];
        let mut next = vec![usize::MAX; n];
        for i in order {
            let mut choice = usize::MAX;
            for c in 0..g {
                if room[c] > 0 && (choice == usize::MAX || dist[i][c] < dist[i][choice]) {
                    choice = c;
                }
            }
            // g·size ≥ n, so some centre always has room.
            if choice != usize::MAX {
                room[choice] -= 1;
                next[i] = choice;
            }
        }
        if next == assignment {
            break;
        }
        assignment = next;
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = (0..n)
                .filter(|&i| assignment[i] == c)
                .map(|i| &points[i])
                .collect();
            if members.is_empty() {
                continue;
            }
            for (k, v) in centre.iter_mut().enumerate() {
                *v = members.iter().map(|m| m[k]).sum::<f64>() / members.len() as f64;
            }
        }
    }

    let mut groups: Vec<Group> = (0..g)
        .map(|c| {
            let members: Vec<usize> = (0..n).filter(|&i| assignment[i] == c).collect();
            let mut priorities: Vec<Priority> = bank
                .referentiel
                .skills
                .iter()
                .enumerate()
                .map(|(k, s)| Priority {
                    skill: s.id.clone(),
                    members: members
                        .iter()
                        .filter(|&&i| {
                            profiles[i]
                                .skills
                                .iter()
                                .any(|x| x.skill == s.id && x.to_work_on)
                        })
                        .count(),
                    mean_need: if members.is_empty() {
                        0.0
                    } else {
                        members.iter().map(|&i| points[i][k]).sum::<f64>() / members.len() as f64
                    },
                })
                .filter(|p| p.members > 0)
                .collect();
            // Stable sort keeps référentiel order among equals.
            priorities.sort_by(|a, b| {
                b.members
                    .cmp(&a.members)
                    .then(b.mean_need.total_cmp(&a.mean_need))
            });
            Group {
                members,
                priorities,
            }
        })
        .filter(|g| !g.members.is_empty())
        .collect();
    // Groups with the most needs first, then by their first member.
    groups.sort_by(|a, b| {
        let need = |g: &Group| {
            g.members.iter().map(|&i| total(&points[i])).sum::<f64>() / g.members.len() as f64
        };
        need(b)
            .total_cmp(&need(a))
            .then(a.members[0].cmp(&b.members[0]))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Orientation, SkillStatus};

    /// A profile whose skills all have status `rank` (0 = best) except `weak`,
    /// which has the lowest status.
    fn profile(bank: &Bank, rank: usize, weak: &[usize]) -> Profile {
        let statuses = &bank.referentiel.profile.statuses;
        let last = statuses.len() - 1;
        Profile {
            class: "x".into(),
            domains: Vec::new(),
            skills: bank
                .referentiel
                .skills
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let r = if weak.contains(&k) { last } else { rank };
                    SkillStatus {
                        skill: s.id.clone(),
                        status: statuses[r].id.clone(),
                        to_work_on: statuses[r].adds_services,
                        priority: None,
                    }
                })
                .collect(),
            orientation: Orientation {
                modality: "m".into(),
                services: Vec::new(),
                modalites: Vec::new(),
                place_services: Vec::new(),
                needs: Vec::new(),
                programmes: Vec::new(),
            },
            work_on: None,
        }
    }

    #[test]
    fn similar_needs_end_up_together() {
        let bank = crate::outcome::bank().expect("bank");
        assert!(bank.referentiel.skills.len() >= 4);
        // Two kinds of people, interleaved: weak on skills 0–1, or weak on skills 2–3.
        let mut people = Vec::new();
        for i in 0..8 {
            people.push(if i % 2 == 0 {
                profile(bank, 0, &[0, 1])
            } else {
                profile(bank, 0, &[2, 3])
            });
        }
        let refs: Vec<&Profile> = people.iter().collect();
        let groups = form_groups(bank, &refs, 4);
        assert_eq!(groups.len(), 2);
        for g in &groups {
            assert_eq!(g.members.len(), 4);
            let parity = g.members[0] % 2;
            assert!(g.members.iter().all(|m| m % 2 == parity), "{groups:?}");
            let top: Vec<&str> = g
                .priorities
                .iter()
                .take(2)
                .map(|p| p.skill.as_str())
                .collect();
            let expected: Vec<&str> = if parity == 0 { vec![0, 1] } else { vec![2, 3] }
                .into_iter()
                .map(|k| bank.referentiel.skills[k].id.as_str())
                .collect();
            assert_eq!(top, expected);
            assert_eq!(g.priorities[0].members, 4);
        }
        assert_eq!(form_groups(bank, &refs, 4), groups, "deterministic");
    }

    #[test]
    fn sizes_are_bounded_and_everyone_is_placed_once() {
        let bank = crate::outcome::bank().expect("bank");
        let people: Vec<Profile> = (0..11)
            .map(|i| profile(bank, 0, &[i % bank.referentiel.skills.len()]))
            .collect();
        let refs: Vec<&Profile> = people.iter().collect();
        for size in [1, 2, 3, 5, 11, 30] {
            let groups = form_groups(bank, &refs, size);
            assert_eq!(groups.len(), 11usize.div_ceil(size));
            let mut all: Vec<usize> = groups.iter().flat_map(|g| g.members.clone()).collect();
            assert!(groups.iter().all(|g| g.members.len() <= size));
            all.sort_unstable();
            assert_eq!(all, (0..11).collect::<Vec<_>>());
        }
        assert!(form_groups(bank, &[], 4).is_empty());
    }
}
