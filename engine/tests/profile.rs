//! The autonomy profile on hand-built rules and answers: the hierarchical estimate
//! against an independent brute-force integration, shrinkage, SE and the
//! "not enough answers" flag, statuses, class, orientation, priority, summary,
//! order invariance, rule validation and input errors.

use repere_engine::bank::{Bank, BankItem, Requirements};
use repere_engine::classify::ClassDecision;
use repere_engine::estimate::Estimate;
use repere_engine::irt::Item;
use repere_engine::profile::{
    profile, reference, ClassRule, Cut, DomainLevelRef, DomainRule, LevelRule, ModalityChoice,
    ModalityRule, NeedRule, OrientationConfig, Profile, ProfileConfig, ProfileError, ProfileInput,
    ReferentielRef, ScoredAnswer, ServiceAdjustment, Shrinkage, SkillRule, StatusRule, SummaryText,
};
use repere_engine::start::ContextAnswer;

const TAU: f64 = 0.8;
const TAU_S: f64 = 0.5;

fn ca(q: &str, a: &str) -> ContextAnswer {
    ContextAnswer {
        question: q.into(),
        answer: a.into(),
    }
}

fn cuts(levels: [Option<f64>; 3]) -> Vec<Cut> {
    ["low", "mid", "high"]
        .iter()
        .zip(levels)
        .map(|(l, t)| Cut {
            level: l.to_string(),
            from_theta: t,
        })
        .collect()
}

fn skill(id: &str, domain: &str, label: &str, b: f64, services: &[&str]) -> SkillRule {
    SkillRule {
        id: id.into(),
        domain: domain.into(),
        label: label.into(),
        typical_b: b,
        services: services.iter().map(|s| s.to_string()).collect(),
    }
}

/// Three domains (phone, mail, forms), two skills each.
fn config() -> ProfileConfig {
    ProfileConfig {
        referentiel: ReferentielRef {
            id: "test-ref".into(),
            version: "2.3.4".into(),
        },
        shrinkage: Shrinkage {
            between_domain_sd: TAU,
            between_skill_sd: TAU_S,
            min_answers: 2,
            max_se: 0.75,
        },
        typical_a: 1.5,
        levels: ["low", "mid", "high"]
            .iter()
            .map(|l| LevelRule {
                id: l.to_string(),
                label: format!("Niveau {l}"),
            })
            .collect(),
        domains: vec![
            DomainRule {
                id: "phone".into(),
                label: "Utiliser un téléphone".into(),
                cuts: cuts([None, Some(-1.0), Some(0.0)]),
            },
            DomainRule {
                id: "mail".into(),
                label: "Écrire des e-mails".into(),
                cuts: cuts([None, Some(-1.0), Some(0.5)]),
            },
            DomainRule {
                id: "forms".into(),
                label: "Remplir des formulaires".into(),
                cuts: cuts([None, Some(-0.5), Some(1.0)]),
            },
        ],
        skills: vec![
            skill(
                "phone.touch",
                "phone",
                "Toucher l'écran",
                -2.0,
                &["S-outils"],
            ),
            skill(
                "phone.wifi",
                "phone",
                "Se connecter au Wi-Fi",
                -1.0,
                &["S-acces"],
            ),
            skill("mail.read", "mail", "Lire un e-mail", -1.0, &["S-outils"]),
            skill(
                "mail.attach",
                "mail",
                "Joindre un document",
                -0.5,
                &["S-outils", "S-demarches"],
            ),
            skill(
                "forms.fill",
                "forms",
                "Remplir un formulaire",
                0.0,
                &["S-demarches"],
            ),
            skill(
                "forms.send",
                "forms",
                "Envoyer un justificatif",
                0.5,
                &["S-demarches"],
            ),
        ],
        statuses: vec![
            StatusRule {
                id: "acquis".into(),
                label: "Acquis".into(),
                min_probability: 0.8,
                adds_services: false,
            },
            StatusRule {
                id: "en-cours".into(),
                label: "En cours".into(),
                min_probability: 0.5,
                adds_services: true,
            },
            StatusRule {
                id: "a-travailler".into(),
                label: "À travailler".into(),
                min_probability: 0.0,
                adds_services: true,
            },
        ],
        classes: vec![
            ClassRule {
                id: "aide".into(),
                label: "À accompagner".into(),
                workshop_level: "Débutant".into(),
                from_theta: None,
            },
            ClassRule {
                id: "guidage".into(),
                label: "Avec guidage".into(),
                workshop_level: "Intermédiaire".into(),
                from_theta: Some(-1.0),
            },
            ClassRule {
                id: "autonome".into(),
                label: "Autonome".into(),
                workshop_level: "Avancé".into(),
                from_theta: Some(0.5),
            },
        ],
        class_decision: None,
        orientation: OrientationConfig {
            modalities: vec![
                ModalityRule {
                    id: "seul".into(),
                    label: "En autonomie".into(),
                    description: "Vous pouvez continuer seul.".into(),
                    modalites: vec!["En autonomie".into()],
                    services: vec![],
                    work_on: vec![],
                    programmes: vec![],
                },
                ModalityRule {
                    id: "atelier".into(),
                    label: "Atelier collectif".into(),
                    description: "Vous apprenez en groupe.".into(),
                    modalites: vec!["Dans un atelier collectif".into()],
                    services: vec![],
                    work_on: vec![],
                    programmes: vec![],
                },
                ModalityRule {
                    id: "individuel".into(),
                    label: "Accompagnement individuel".into(),
                    description: "Une personne vous aide.".into(),
                    modalites: vec!["Accompagnement individuel".into()],
                    services: vec![],
                    work_on: vec![],
                    programmes: vec![],
                },
                ModalityRule {
                    id: "demarches".into(),
                    label: "Aide aux démarches".into(),
                    description: "Une personne fait avec vous.".into(),
                    modalites: vec!["Accompagnement individuel".into()],
                    services: vec!["S-demarches".into()],
                    work_on: vec![],
                    programmes: vec!["France Services".into()],
                },
            ],
            rules: vec![
                ModalityChoice {
                    when_class: vec!["aide".into()],
                    when_answer: vec![ca("goal", "demarches")],
                    when_domain_level: vec![],
                    modality: "demarches".into(),
                },
                ModalityChoice {
                    when_class: vec!["aide".into()],
                    when_answer: vec![],
                    when_domain_level: vec![],
                    modality: "individuel".into(),
                },
                ModalityChoice {
                    when_class: vec!["guidage".into()],
                    when_answer: vec![ca("goal", "demarches")],
                    when_domain_level: vec![DomainLevelRef {
                        domain: "forms".into(),
                        level: "low".into(),
                    }],
                    modality: "demarches".into(),
                },
                ModalityChoice {
                    when_class: vec!["guidage".into()],
                    when_answer: vec![],
                    when_domain_level: vec![],
                    modality: "atelier".into(),
                },
                ModalityChoice {
                    when_class: vec![],
                    when_answer: vec![],
                    when_domain_level: vec![],
                    modality: "seul".into(),
                },
            ],
            adjustments: vec![ServiceAdjustment {
                when_answer: vec![ca("equipment", "none")],
                add_services: vec!["S-acces".into(), "S-materiel".into()],
                required: false,
            }],
            needs: vec![NeedRule {
                when_answer: vec![ca("sight", "no")],
                need: "deficience-visuelle".into(),
            }],
        },
        summary: SummaryText {
            known: "Vous savez déjà :".into(),
            work_on: "À travailler ensuite :".into(),
            orientation: "Notre conseil :".into(),
            work_on_max: 3,
        },
    }
}

/// Six items per skill, difficulties spread around the skill's typical task.
fn items() -> Vec<BankItem> {
    let cfg = config();
    let mut out = Vec::new();
    for s in &cfg.skills {
        for k in 0..6 {
            let b = s.typical_b + (k as f64 - 2.5) * 0.4;
            out.push(BankItem {
                id: format!("{}.{k:02}", s.id),
                item: Item::two_pl(1.3, b).expect("valid"),
                domain: s.domain.clone(),
                skill: s.id.clone(),
                requires: Requirements::NONE,
                enemies: vec![],
            });
        }
    }
    out
}

fn answers<'a>(
    items: &'a [BankItem],
    per_skill: usize,
    right: impl Fn(&BankItem) -> bool,
) -> Vec<ScoredAnswer<'a>> {
    items
        .iter()
        .filter(|it| {
            it.id
                .rsplit('.')
                .next()
                .and_then(|k| k.parse::<usize>().ok())
                < Some(per_skill)
        })
        .map(|it| ScoredAnswer {
            item: it,
            score: usize::from(right(it)),
            skipped: false,
        })
        .collect()
}

fn input<'a>(
    answers: Vec<ScoredAnswer<'a>>,
    overall: f64,
    context: Vec<ContextAnswer>,
) -> ProfileInput<'a> {
    ProfileInput {
        answers,
        overall: Estimate {
            theta: overall,
            se: 0.4,
        },
        prior_mean: -0.5,
        prior_sd: 1.0,
        context,
        bank: None,
    }
}

fn run(input: &ProfileInput<'_>) -> Profile {
    profile(&config(), input).expect("profile")
}

// ---------------------------------------------------------------- reference

/// Posterior mean and SD of θ under a normal prior and 2PL answers, by a fine
/// rectangle rule on [−10, 10] (20,001 points): independent of the engine's grid,
/// trapezoid weights and EAP code.
fn brute_eap(answers: &[(f64, f64, usize)], mean: f64, sd: f64) -> (f64, f64) {
    let n = 20_001;
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    let mut logs = Vec::with_capacity(n);
    for i in 0..n {
        let t = -10.0 + 20.0 * i as f64 / (n - 1) as f64;
        let mut lp = -0.5 * ((t - mean) / sd).powi(2);
        for &(a, b, u) in answers {
            let p = 1.0 / (1.0 + (-a * (t - b)).exp());
            lp += if u == 1 { p.ln() } else { (1.0 - p).ln() };
        }
        logs.push((t, lp));
    }
    let max = logs.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
    for (t, lp) in &logs {
        let w = (lp - max).exp();
        s0 += w;
        s1 += w * t;
        s2 += w * t * t;
    }
    let m = s1 / s0;
    (m, (s2 / s0 - m * m).sqrt())
}

fn params(a: &ScoredAnswer<'_>) -> (f64, f64, usize) {
    match &a.item.item {
        Item::Logistic(l) => (l.a, l.b, a.score),
        _ => unreachable!("2PL items only"),
    }
}

#[test]
fn domain_and_skill_estimates_match_a_brute_force_reference() {
    let items = items();
    // Phone right, mail mostly wrong, forms mixed; 3 answers per skill.
    let ans = answers(&items, 3, |it| match it.domain.as_str() {
        "phone" => true,
        "mail" => it.id.ends_with("00"),
        _ => it.id.ends_with("00") || it.id.ends_with("01"),
    });
    let p = run(&input(ans.clone(), 0.0, vec![]));
    for (d, dom) in ["phone", "mail", "forms"].iter().enumerate() {
        let outside: Vec<_> = ans
            .iter()
            .filter(|a| a.item.domain != *dom)
            .map(params)
            .collect();
        let inside: Vec<_> = ans
            .iter()
            .filter(|a| a.item.domain == *dom)
            .map(params)
            .collect();
        let (m, s) = brute_eap(&outside, -0.5, 1.0);
        let prior_sd = (TAU * TAU + s * s).sqrt();
        let (t, se) = brute_eap(&inside, m, prior_sd);
        let e = p.domains[d].estimate;
        assert!((e.theta - t).abs() < 2e-4, "{dom}: θ {} vs {t}", e.theta);
        assert!((e.se - se).abs() < 2e-4, "{dom}: SE {} vs {se}", e.se);

        // Skills of the domain: EAP of the skill's answers around the domain's
        // other answers.
        for s in p.skills.iter().filter(|s| s.domain == *dom) {
            let rest: Vec<_> = ans
                .iter()
                .filter(|a| a.item.domain == *dom && a.item.skill != s.skill)
                .map(params)
                .collect();
            let own: Vec<_> = ans
                .iter()
                .filter(|a| a.item.skill == s.skill)
                .map(params)
                .collect();
            let (rm, rs) = brute_eap(&rest, m, prior_sd);
            let (st, sse) = brute_eap(&own, rm, (TAU_S * TAU_S + rs * rs).sqrt());
            assert!((s.estimate.theta - st).abs() < 2e-4, "{}: θ", s.skill);
            assert!((s.estimate.se - sse).abs() < 2e-4, "{}: SE", s.skill);
            let b = config()
                .skills
                .iter()
                .find(|k| k.id == s.skill)
                .map(|k| k.typical_b);
            let expected_p = 1.0 / (1.0 + (-1.5 * (st - b.unwrap_or(0.0))).exp());
            assert!((s.probability - expected_p).abs() < 1e-3, "{}: P", s.skill);
        }
    }
}

#[test]
fn a_domain_without_answers_takes_the_general_level_with_a_wide_se() {
    let items = items();
    let ans: Vec<_> = answers(&items, 3, |it| it.id.ends_with("00"))
        .into_iter()
        .filter(|a| a.item.domain != "forms")
        .collect();
    let all: Vec<_> = ans.iter().map(params).collect();
    let (m, s) = brute_eap(&all, -0.5, 1.0);
    let p = run(&input(ans, 0.0, vec![]));
    let forms = &p.domains[2];
    assert_eq!(forms.answers, 0);
    assert!(forms.not_enough_answers);
    assert!((forms.estimate.theta - m).abs() < 2e-4);
    assert!((forms.estimate.se - (TAU * TAU + s * s).sqrt()).abs() < 2e-4);
    // Its skills take the domain's θ, SE widened by τ_s.
    let fill = p
        .skills
        .iter()
        .find(|s| s.skill == "forms.fill")
        .expect("skill");
    assert_eq!(fill.answers, 0);
    assert_eq!(
        fill.estimate.theta.to_bits(),
        forms.estimate.theta.to_bits()
    );
    let widened = (forms.estimate.se.powi(2) + TAU_S * TAU_S).sqrt();
    assert!((fill.estimate.se - widened).abs() < 1e-12);
}

#[test]
fn domain_se_shrinks_with_more_answers_and_the_flag_follows() {
    let items = items();
    let mut ses = Vec::new();
    let mut flags = Vec::new();
    for per_skill in 0..=5 {
        // Other domains: 3 answers per skill, half right; mail: `per_skill` answers
        // per skill, alternately right and wrong.
        let ans: Vec<_> = items
            .iter()
            .filter(|it| {
                let k: usize = it
                    .id
                    .rsplit('.')
                    .next()
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(9);
                if it.domain == "mail" {
                    k < per_skill
                } else {
                    k < 3
                }
            })
            .map(|it| ScoredAnswer {
                item: it,
                score: usize::from(
                    it.id.ends_with('0') || it.id.ends_with('2') || it.id.ends_with('4'),
                ),
                skipped: false,
            })
            .collect();
        let p = run(&input(ans, -0.5, vec![]));
        let mail = &p.domains[1];
        assert_eq!(mail.answers, 2 * per_skill);
        ses.push(mail.estimate.se);
        flags.push(mail.not_enough_answers);
    }
    for w in ses.windows(2) {
        assert!(w[1] < w[0], "SE must shrink with more answers: {ses:?}");
    }
    // 0 answers: flagged; 2 answers (one per skill): SE decides; 4 and more: not flagged.
    assert!(flags[0]);
    assert_eq!(flags[1], ses[1] > 0.75);
    assert!(flags[2..].iter().all(|f| !f), "{flags:?} {ses:?}");
    // The SE never exceeds the prior's (general level widened by τ).
    assert!(ses[0] < (TAU * TAU + 1.0f64).sqrt());
}

#[test]
fn one_answer_is_flagged_even_with_a_small_se() {
    let mut cfg = config();
    cfg.shrinkage.max_se = 10.0;
    let items = items();
    let ans: Vec<_> = answers(&items, 2, |_| true)
        .into_iter()
        .filter(|a| {
            a.item.id != "forms.send.00"
                && a.item.id != "forms.send.01"
                && a.item.id != "forms.fill.01"
        })
        .collect();
    let p = profile(&cfg, &input(ans, 0.0, vec![])).expect("profile");
    assert_eq!(p.domains[2].answers, 1);
    assert!(p.domains[2].not_enough_answers);
    assert!(!p.domains[0].not_enough_answers);
}

#[test]
fn shrinkage_moves_a_short_domain_towards_the_rest_and_lets_evidence_win() {
    let items = items();
    // Everything right except mail, all wrong.
    // Other domains: 3 answers per skill; mail: `per_skill`.
    let run_with = |per_skill: usize| {
        let ans: Vec<_> = answers(&items, 6, |it| it.domain != "mail")
            .into_iter()
            .filter(|a| {
                let k: usize = a
                    .item
                    .id
                    .rsplit('.')
                    .next()
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(9);
                k < if a.item.domain == "mail" {
                    per_skill
                } else {
                    3
                }
            })
            .collect();
        run(&input(ans, 0.8, vec![]))
    };
    let short = run_with(1);
    let long = run_with(6);
    let (phone_s, mail_s) = (
        short.domains[0].estimate.theta,
        short.domains[1].estimate.theta,
    );
    let mail_l = long.domains[1].estimate.theta;
    // The failed domain sits below the others, and further below with more evidence.
    assert!(mail_s < phone_s - 0.5, "{mail_s} vs {phone_s}");
    assert!(mail_l < mail_s - 0.3, "{mail_l} vs {mail_s}");
    // Compare with no shrinkage at all (a flat-ish prior: τ huge): the short domain
    // would be far more extreme.
    let mut flat = config();
    flat.shrinkage.between_domain_sd = 5.0;
    let ans = answers(&items, 1, |it| it.domain != "mail");
    let p = profile(&flat, &input(ans, 0.8, vec![])).expect("profile");
    assert!(p.domains[1].estimate.theta < mail_s - 0.5);
}

#[test]
fn mail_failures_orient_to_the_mail_skills() {
    let items = items();
    let ans = answers(&items, 3, |it| it.domain != "mail");
    let p = run(&input(ans, 0.6, vec![]));
    let status = |id: &str| {
        p.skills
            .iter()
            .find(|s| s.skill == id)
            .map(|s| s.status.clone())
            .unwrap_or_default()
    };
    assert_eq!(status("mail.read"), "a-travailler");
    assert_eq!(status("mail.attach"), "a-travailler");
    assert_eq!(status("phone.touch"), "acquis");
    assert_eq!(
        p.work_on[..2],
        ["mail.read".to_string(), "mail.attach".to_string()]
    );
    assert!(p.orientation.services.contains(&"S-outils".to_string()));
    assert_eq!(
        p.summary
            .work_on_sentence
            .as_deref()
            .map(|s| s
                .starts_with("À travailler ensuite : lire un e-mail\u{a0}; joindre un document")),
        Some(true),
        "{:?}",
        p.summary.work_on_sentence
    );
    assert_eq!(p.class.id, "autonome");
}

#[test]
fn every_skill_to_work_on_has_its_rank_and_the_summary_names_the_first_ones() {
    let items = items();
    // Mail failed, the rest right: the mail skills lead although the référentiel
    // lists the phone first; with everything failed, every skill is ranked.
    for ans in [
        answers(&items, 3, |it| it.domain != "mail"),
        answers(&items, 2, |_| false),
    ] {
        let p = run(&input(ans, -0.5, vec![]));
        let mut ranked: Vec<(usize, &str)> = p
            .skills
            .iter()
            .filter_map(|s| s.priority.map(|r| (r, s.skill.as_str())))
            .collect();
        ranked.sort();
        let work = p.skills.iter().filter(|s| s.to_work_on).count();
        assert!(work > 0);
        assert_eq!(
            ranked.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            (1..=work).collect::<Vec<_>>(),
            "ranks 1..n, one per skill to work on"
        );
        for s in &p.skills {
            assert_eq!(s.priority.is_some(), s.to_work_on, "{}", s.skill);
        }
        let first: Vec<&str> = ranked.iter().take(3).map(|(_, id)| *id).collect();
        assert_eq!(p.work_on, first, "work_on is the first of the ranking");
    }
}

#[test]
fn status_thresholds_and_classes_follow_the_rules() {
    let items = items();
    let ans = answers(&items, 2, |_| true);
    for (theta, class) in [
        (-3.0, "aide"),
        (-1.0, "guidage"),
        (0.49, "guidage"),
        (0.5, "autonome"),
    ] {
        let p = run(&input(ans.clone(), theta, vec![]));
        assert_eq!(p.class.id, class, "θ = {theta}");
        assert_eq!(p.overall.theta, theta);
    }
    let p = run(&input(ans, 0.0, vec![]));
    for s in &p.skills {
        let expected = if s.probability >= 0.8 {
            "acquis"
        } else if s.probability >= 0.5 {
            "en-cours"
        } else {
            "a-travailler"
        };
        assert_eq!(s.status, expected, "{}", s.skill);
        assert_eq!(s.to_work_on, expected != "acquis");
    }
}

#[test]
fn failing_everything_goes_to_individual_help_or_help_with_procedures() {
    let items = items();
    let ans = answers(&items, 2, |_| false);
    let p = run(&input(ans.clone(), -2.5, vec![]));
    assert_eq!(p.class.id, "aide");
    assert_eq!(p.orientation.modality, "individuel");
    assert_eq!(p.orientation.rule, 1);
    assert!(p.summary.known.is_empty());
    assert_eq!(p.summary.known_sentence, None);
    assert_eq!(p.work_on.len(), 3);
    // Foundations first among equals: the easiest typical task leads.
    assert_eq!(p.work_on[0], "phone.touch");

    let p = run(&input(
        ans,
        -2.5,
        vec![ca("goal", "demarches"), ca("goal", "famille")],
    ));
    assert_eq!(p.orientation.modality, "demarches");
    assert_eq!(p.orientation.modalites, ["Accompagnement individuel"]);
    // The modality's own services come first.
    assert_eq!(p.orientation.services[0], "S-demarches");
    assert_eq!(
        p.summary.orientation_sentence,
        "Notre conseil : aide aux démarches. Une personne fait avec vous."
    );
}

#[test]
fn a_weak_procedures_domain_with_a_procedures_goal_gets_help_with_procedures() {
    let items = items();
    let ans = answers(&items, 4, |it| it.domain != "forms");
    let goal = vec![ca("goal", "demarches")];
    let p = run(&input(ans.clone(), -0.5, goal.clone()));
    assert_eq!(p.class.id, "guidage");
    assert_eq!(p.domains[2].level, "low");
    assert_eq!(p.orientation.modality, "demarches");
    // Without the goal: the workshop.
    let p = run(&input(ans, -0.5, vec![]));
    assert_eq!(p.orientation.modality, "atelier");
}

#[test]
fn succeeding_everywhere_is_autonomous_with_no_service() {
    let items = items();
    let ans = answers(&items, 3, |_| true);
    let p = run(&input(
        ans.clone(),
        1.5,
        vec![ca("equipment", "smartphone")],
    ));
    assert_eq!(p.class.id, "autonome");
    assert_eq!(p.orientation.modality, "seul");
    assert!(p.orientation.services.is_empty());
    assert!(p.work_on.is_empty());
    assert_eq!(p.summary.work_on_sentence, None);
    assert!(p.skills.iter().all(|s| s.status == "acquis"));
    // Whole domains are named by the domain label.
    assert_eq!(
        p.summary.known_sentence.as_deref(),
        Some("Vous savez déjà : utiliser un téléphone\u{a0}; écrire des e-mails\u{a0}; remplir des formulaires.")
    );
    // Context adjustment: no device adds the access services.
    let p = run(&input(ans, 1.5, vec![ca("equipment", "none")]));
    assert_eq!(p.orientation.services, ["S-acces", "S-materiel"]);
    assert_eq!(p.orientation.modality, "seul");
}

#[test]
fn the_profile_does_not_depend_on_the_order_of_the_answers() {
    let items = items();
    let ans = answers(&items, 4, |it| {
        let h = it
            .id
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        h % 3 != 0
    });
    let reference = run(&input(ans.clone(), -0.2, vec![ca("goal", "demarches")]));
    let mut shuffled = ans.clone();
    for round in 0..5 {
        shuffled.reverse();
        shuffled.rotate_left(7 + round);
        let p = run(&input(
            shuffled.clone(),
            -0.2,
            vec![ca("goal", "demarches")],
        ));
        assert_eq!(p, reference, "round {round}");
        for (a, b) in p.domains.iter().zip(&reference.domains) {
            assert_eq!(a.estimate.theta.to_bits(), b.estimate.theta.to_bits());
            assert_eq!(a.estimate.se.to_bits(), b.estimate.se.to_bits());
        }
    }
}

#[test]
fn rows_read_from_the_bank_give_the_same_profile_to_the_bit() {
    let bank = Bank::new(items()).expect("bank");
    let right = |it: &BankItem| it.id.ends_with('1') || it.id.ends_with('2');
    let ans = answers(bank.items(), 4, right);
    let computed = run(&input(ans.clone(), 0.3, vec![]));
    let with_bank = run(&ProfileInput {
        bank: Some(&bank),
        ..input(ans.clone(), 0.3, vec![])
    });
    assert_eq!(with_bank, computed);
    let bits = |p: &Profile| -> Vec<u64> {
        p.domains
            .iter()
            .map(|d| d.estimate)
            .chain(p.skills.iter().map(|s| s.estimate))
            .flat_map(|e| [e.theta.to_bits(), e.se.to_bits()])
            .collect()
    };
    assert_eq!(bits(&with_bank), bits(&computed));
    // A bank holding other items under the same ids is not read: the answers' own
    // items decide.
    let other = Bank::new(
        items()
            .into_iter()
            .map(|mut it| {
                it.item = Item::two_pl(0.4, 2.0).expect("valid");
                it
            })
            .collect(),
    )
    .expect("bank");
    let foreign = run(&ProfileInput {
        bank: Some(&other),
        ..input(ans, 0.3, vec![])
    });
    assert_eq!(bits(&foreign), bits(&computed));
}

#[test]
fn a_skip_counts_as_an_answer_scored_zero() {
    let items = items();
    let mut ans = answers(&items, 2, |_| true);
    let wrong: Vec<_> = ans
        .iter()
        .map(|a| ScoredAnswer {
            score: if a.item.domain == "mail" { 0 } else { a.score },
            ..*a
        })
        .collect();
    for a in ans.iter_mut().filter(|a| a.item.domain == "mail") {
        a.score = 0;
        a.skipped = true;
    }
    let skipped = run(&input(ans, 0.0, vec![]));
    let failed = run(&input(wrong, 0.0, vec![]));
    assert_eq!(skipped.domains[1].skipped, 4);
    assert_eq!(skipped.domains[1].estimate, failed.domains[1].estimate);
}

#[test]
fn the_profile_records_its_versions_and_round_trips_through_json() {
    let items = items();
    let p = run(&input(answers(&items, 2, |_| true), 0.3, vec![]));
    assert_eq!(p.referentiel.id, "test-ref");
    assert_eq!(p.referentiel.version, "2.3.4");
    assert_eq!(p.engine_version, repere_engine::ENGINE_VERSION);
    let json = serde_json::to_string(&p).expect("serialise");
    let back: Profile = serde_json::from_str(&json).expect("deserialise");
    // serde_json (without its `float_roundtrip` feature) may change the last bit of
    // a float: compare numbers to 1e-12, everything else exactly.
    let close =
        |a: Estimate, b: Estimate| (a.theta - b.theta).abs() < 1e-12 && (a.se - b.se).abs() < 1e-12;
    assert!(close(back.overall, p.overall));
    for (a, b) in back.domains.iter().zip(&p.domains) {
        assert!(close(a.estimate, b.estimate));
        assert_eq!(
            (&a.domain, &a.level, a.answers, a.not_enough_answers),
            (&b.domain, &b.level, b.answers, b.not_enough_answers)
        );
    }
    for (a, b) in back.skills.iter().zip(&p.skills) {
        assert!(close(a.estimate, b.estimate) && (a.probability - b.probability).abs() < 1e-12);
        assert_eq!(
            (&a.skill, &a.status, a.to_work_on),
            (&b.skill, &b.status, b.to_work_on)
        );
    }
    assert_eq!(
        (back.domains.len(), back.skills.len()),
        (p.domains.len(), p.skills.len())
    );
    assert_eq!(back.class, p.class);
    assert_eq!(back.work_on, p.work_on);
    assert_eq!(back.orientation, p.orientation);
    assert_eq!(back.summary, p.summary);
    let cfg_json = serde_json::to_string(&config()).expect("serialise");
    let cfg: ProfileConfig = serde_json::from_str(&cfg_json).expect("deserialise");
    assert_eq!(cfg, config());
}

#[test]
fn inconsistent_rules_are_refused_with_their_place() {
    let err = |f: &dyn Fn(&mut ProfileConfig)| {
        let mut c = config();
        f(&mut c);
        match c.validate() {
            Err(ProfileError::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        }
    };
    assert!(err(&|c| c.domains[1].cuts[2].from_theta = Some(-2.0)).contains("domains[1].cuts[2]"));
    assert!(err(&|c| c.domains[0].cuts[0].from_theta = Some(-9.0)).contains("domains[0].cuts[0]"));
    assert!(err(&|c| c.classes[1].from_theta = None).contains("classes[1]"));
    assert!(err(&|c| c.statuses[2].min_probability = 0.1).contains("min_probability = 0"));
    assert!(err(&|c| c.statuses[1].min_probability = 0.9).contains("statuses[1]"));
    assert!(
        err(&|c| c.orientation.rules[4].when_class = vec!["aide".into()]).contains("no condition")
    );
    assert!(err(&|c| c.orientation.rules[0].modality = "nowhere".into()).contains("rules[0]"));
    assert!(
        err(&|c| c.orientation.rules[2].when_domain_level[0].level = "top".into())
            .contains("forms:top")
    );
    assert!(err(&|c| c.skills[3].domain = "space".into()).contains("skills[3]"));
    assert!(err(&|c| c.shrinkage.between_domain_sd = 0.0).contains("shrinkage"));
    assert!(err(&|c| c.typical_a = f64::NAN).contains("typical_a"));
    assert!(err(&|c| c.summary.work_on_max = 0).contains("work_on_max"));
    assert!(err(&|c| c.levels.push(LevelRule {
        id: "x".into(),
        label: "x".into()
    }))
    .contains("one cut per level"));
}

#[test]
fn bad_input_is_a_typed_error() {
    let items = items();
    let mut stray = items[0].clone();
    stray.domain = "space".into();
    let ans = vec![ScoredAnswer {
        item: &stray,
        score: 1,
        skipped: false,
    }];
    assert!(matches!(
        profile(&config(), &input(ans, 0.0, vec![])),
        Err(ProfileError::UnknownDomain { .. })
    ));
    let mut misfiled = items[0].clone();
    misfiled.skill = "mail.read".into();
    let ans = vec![ScoredAnswer {
        item: &misfiled,
        score: 1,
        skipped: false,
    }];
    assert!(matches!(
        profile(&config(), &input(ans, 0.0, vec![])),
        Err(ProfileError::UnknownSkill { .. })
    ));
    let ans = vec![ScoredAnswer {
        item: &items[0],
        score: 1,
        skipped: true,
    }];
    assert!(matches!(
        profile(&config(), &input(ans, 0.0, vec![])),
        Err(ProfileError::SkippedWithScore { .. })
    ));
    let ans = vec![ScoredAnswer {
        item: &items[0],
        score: 2,
        skipped: false,
    }];
    assert!(matches!(
        profile(&config(), &input(ans, 0.0, vec![])),
        Err(ProfileError::Estimation(_))
    ));
    let mut i = input(vec![], 0.0, vec![]);
    i.prior_sd = 0.0;
    assert!(matches!(
        profile(&config(), &i),
        Err(ProfileError::Input(_))
    ));
}

#[test]
fn labels_keep_acronyms_in_sentences() {
    let mut cfg = config();
    cfg.skills[0].label = "SMS et appels".into();
    let items = items();
    let ans = answers(&items, 3, |it| it.skill != "phone.touch");
    let p = profile(&cfg, &input(ans, -2.5, vec![])).expect("profile");
    let s = p.summary.work_on_sentence.unwrap_or_default();
    assert!(s.contains("SMS et appels"), "{s}");
}

#[test]
fn the_orientation_says_what_a_place_must_offer() {
    let items = items();
    // Mail failed: a workshop, whose modality names no service: the place must
    // offer the first service of the first skill to work on.
    let ans = answers(&items, 3, |it| it.domain != "mail");
    let p = run(&input(ans.clone(), 0.0, vec![]));
    assert_eq!(p.orientation.modality, "atelier");
    assert_eq!(p.work_on[0], "mail.read");
    assert_eq!(p.orientation.place_services, ["S-outils"]);
    assert!(p.orientation.needs.is_empty());
    assert!(p.orientation.programmes.is_empty());
    // « Je vois mal » gives its need; a required adjustment adds its services.
    let mut c = config();
    c.orientation.adjustments[0].required = true;
    let p = profile(
        &c,
        &input(ans, 0.0, vec![ca("sight", "no"), ca("equipment", "none")]),
    )
    .expect("profile");
    assert_eq!(p.orientation.needs, ["deficience-visuelle"]);
    assert_eq!(
        p.orientation.place_services,
        ["S-outils", "S-acces", "S-materiel"]
    );
    // Help with procedures: its own service, its programmes.
    let ans = answers(&items, 2, |_| false);
    let p = run(&input(ans, -2.5, vec![ca("goal", "demarches")]));
    assert_eq!(p.orientation.place_services, ["S-demarches"]);
    assert_eq!(p.orientation.programmes, ["France Services"]);
}

#[test]
fn only_the_skills_listed_bring_their_services_and_a_modality_may_list_fewer() {
    let items = items();
    // Everything failed but one skill per domain at a time: more skills to work
    // on than `work_on_max` (3).
    let ans = answers(&items, 2, |_| false);
    let p = run(&input(ans.clone(), -2.5, vec![]));
    assert_eq!(p.work_on.len(), 3);
    let listed: Vec<&str> = p.work_on.iter().map(String::as_str).collect();
    // The services are those of the three listed skills, no more.
    let mut expected: Vec<String> = Vec::new();
    for id in &listed {
        let rule = config()
            .skills
            .into_iter()
            .find(|s| s.id == *id)
            .expect("skill");
        for s in rule.services {
            if !expected.contains(&s) {
                expected.push(s);
            }
        }
    }
    assert_eq!(p.orientation.services, expected, "{listed:?}");
    // A modality that lists only « à travailler »: a person whose skills are all
    // « en cours » gets no to-do list.
    let mut c = config();
    c.orientation.modalities[0].work_on = vec!["a-travailler".into()];
    let ans = answers(&items, 2, |_| true);
    let p_all = profile(&config(), &input(ans.clone(), 0.6, vec![])).expect("profile");
    let p_few = profile(&c, &input(ans, 0.6, vec![])).expect("profile");
    assert_eq!(p_few.orientation.modality, "seul");
    assert!(
        p_all.skills.iter().any(|s| s.status == "en-cours"),
        "{:?}",
        p_all.skills
    );
    assert!(!p_all.work_on.is_empty());
    assert!(p_few.skills.iter().all(|s| s.status != "a-travailler"));
    assert!(p_few.work_on.is_empty(), "{:?}", p_few.work_on);
    assert_eq!(p_few.summary.work_on_sentence, None);
    assert!(p_few.orientation.services.is_empty());
    // An unknown status in `work_on` is refused.
    c.orientation.modalities[0].work_on = vec!["nope".into()];
    assert!(c.validate().is_err());
}

#[test]
fn the_reference_applies_the_rules_to_true_abilities() {
    let cfg = config();
    // θ = −0.8: class "guidage" (−1.0 ≤ θ < 0.5); phone and mail "mid", forms "low"
    // (below −0.5); typical tasks at slope 1.5: P = 0.858 (b = −2), 0.574 (b = −1),
    // 0.389 (b = −0.5), 0.231 (b = 0), 0.130 (b = 0.5).
    let r = reference(&cfg, -0.8, &[], &[]).expect("reference");
    assert_eq!(r.class, "guidage");
    assert_eq!(r.domain_levels, ["mid", "mid", "low"]);
    assert_eq!(
        r.skill_statuses,
        [
            "acquis",
            "en-cours",
            "en-cours",
            "a-travailler",
            "a-travailler",
            "a-travailler"
        ]
    );
    assert_eq!(r.modality, "atelier");
    // A procedures goal with forms still "low": help with procedures first.
    let goal = [ca("goal", "demarches")];
    assert_eq!(
        reference(&cfg, -0.8, &[], &goal).expect("ok").modality,
        "demarches"
    );
    // The same person whose forms domain is at 0: forms "mid", the workshop; the
    // forms skills are read at the domain's θ.
    let r = reference(&cfg, -0.8, &[-0.8, -0.8, 0.0], &goal).expect("ok");
    assert_eq!(r.domain_levels, ["mid", "mid", "mid"]);
    assert_eq!(r.skill_statuses[4], "en-cours");
    assert_eq!(r.modality, "atelier");
    assert_eq!(reference(&cfg, 0.5, &[], &[]).expect("ok").modality, "seul");
    assert!(
        reference(&cfg, 0.0, &[0.0], &[]).is_err(),
        "one θ per domain"
    );
    assert!(reference(&cfg, f64::NAN, &[], &[]).is_err());
}

#[test]
fn a_class_near_a_cut_names_the_neighbouring_class() {
    let items = items();
    let ans = answers(&items, 2, |_| true);
    let mut cfg = config();
    // Without a decision rule, every class is clear.
    let p = profile(&cfg, &input(ans.clone(), 0.3, vec![])).expect("profile");
    assert_eq!(p.class.near, None);
    cfg.class_decision = Some(ClassDecision::Interval { z: 1.0 });
    // SE 0.4 (see `input`): θ̂ = 0.3 is 0.2 below the cut at 0.5.
    for (theta, class, near) in [
        (0.3, "guidage", Some("autonome")),
        (0.7, "autonome", Some("guidage")),
        (-0.25, "guidage", None),
        (-1.1, "aide", Some("guidage")),
        (-2.0, "aide", None),
    ] {
        let p = profile(&cfg, &input(ans.clone(), theta, vec![])).expect("profile");
        assert_eq!(p.class.id, class, "θ̂ = {theta}");
        assert_eq!(p.class.near.as_deref(), near, "θ̂ = {theta}");
    }
    // In JSON the flag is absent when the class is clear.
    let clear = profile(&cfg, &input(ans.clone(), -2.0, vec![])).expect("profile");
    let json = serde_json::to_value(&clear).expect("json");
    assert!(json["class"].get("near").is_none());
    let near = profile(&cfg, &input(ans, 0.3, vec![])).expect("profile");
    let json = serde_json::to_value(&near).expect("json");
    assert_eq!(json["class"]["near"], "autonome");
}
