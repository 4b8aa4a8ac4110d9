//! Profiles of hand-built answer sets against the shipped référentiel: who is sent
//! where, and what the result screen says.

mod assessment_support;

use assessment_support::{bank, ctx};
use repere_engine::bank::BankItem as EngineItem;
use repere_engine::estimate::{AbilityEstimator, Eap, Prior, Response as EngineResponse};
use repere_engine::profile::{profile, Profile, ProfileInput, ScoredAnswer};
use repere_items::assessment::{Assessor, ContextAnswer};

/// The first `per_skill` live items of every skill (by id), scored by `policy`
/// (true: full marks, false: 0); the overall θ is the EAP of all of them with the
/// prior the context gives, as a session would report it.
fn profile_of(
    per_skill: usize,
    policy: impl Fn(&EngineItem) -> bool,
    context: &[ContextAnswer],
) -> Profile {
    let bank = bank();
    let assessor = Assessor::new(&bank).expect("assessor");
    let eb = assessor.engine_bank();
    let mut chosen: Vec<&EngineItem> = Vec::new();
    for skill in &bank.referentiel.skills {
        chosen.extend(
            eb.items()
                .iter()
                .filter(|it| it.skill == skill.id)
                .take(per_skill),
        );
    }
    let answers: Vec<ScoredAnswer<'_>> = chosen
        .iter()
        .map(|it| ScoredAnswer {
            item: it,
            score: if policy(it) { it.item.max_score() } else { 0 },
            skipped: false,
        })
        .collect();
    let keys: Vec<String> = context
        .iter()
        .map(|c| format!("{}:{}", c.question, c.answer))
        .collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let (mean, sd) = bank.context.prior(&refs).expect("fallback start rule");
    let pattern: Vec<EngineResponse<'_>> = answers
        .iter()
        .map(|a| EngineResponse {
            item: &a.item.item,
            score: a.score,
        })
        .collect();
    let overall = Eap {
        prior: Prior::Normal { mean, sd },
        ..Eap::default()
    }
    .estimate_responses(&pattern)
    .expect("EAP");
    let input = ProfileInput {
        answers,
        overall,
        prior_mean: mean,
        prior_sd: sd,
        context: context.to_vec(),
        bank: None,
    };
    profile(assessor.profile_config(), &input).expect("profile")
}

fn status<'p>(p: &'p Profile, skill: &str) -> &'p str {
    p.skills
        .iter()
        .find(|s| s.skill == skill)
        .map_or("", |s| s.status.as_str())
}

const MAIL: [&str; 3] = ["mail.read", "mail.write", "mail.attach"];

#[test]
fn failing_every_mail_item_orients_to_the_mail_skills() {
    let p = profile_of(2, |it| !it.skill.starts_with("mail."), &[]);
    for s in MAIL {
        assert_eq!(status(&p, s), "a-travailler", "{s}");
    }
    // The mail skills lead the list of what to work on.
    let mut first: Vec<&str> = p.work_on.iter().take(3).map(String::as_str).collect();
    first.sort_unstable();
    let mut mail = MAIL.to_vec();
    mail.sort_unstable();
    assert_eq!(first, mail, "{:?}", p.work_on);
    // Their services: the everyday tools, and procedures (attaching documents).
    for s in [
        "Maîtrise des outils numériques du quotidien",
        "Aide aux démarches administratives",
    ] {
        assert!(
            p.orientation.services.contains(&s.to_string()),
            "{s}: {:?}",
            p.orientation.services
        );
    }
    // Messages were answered right: they come after the mail skills (their status
    // is pulled down by the failed domain, with little evidence of their own).
    let prob = |s: &str| {
        p.skills
            .iter()
            .find(|k| k.skill == s)
            .map_or(1.0, |k| k.probability)
    };
    for m in MAIL {
        assert!(prob(m) < prob("message.sms"), "{m}");
        assert_eq!(
            p.skills
                .iter()
                .find(|k| k.skill == m)
                .and_then(|k| k.score_share),
            Some(0.0)
        );
    }
    // Elsewhere, the basics are mastered and nothing is "à travailler".
    for s in [
        "device.touch",
        "device.power",
        "device.wifi",
        "web.browse",
        "web.search",
    ] {
        assert_eq!(status(&p, s), "acquis", "{s}");
    }
    assert!(p
        .skills
        .iter()
        .filter(|s| s.domain != "communicate")
        .all(|s| s.status != "a-travailler"));
    let sentence = p.summary.work_on_sentence.clone().unwrap_or_default();
    assert!(
        sentence.starts_with("À travailler ensuite\u{a0}: lire ses e-mails\u{a0};"),
        "{sentence}"
    );
    assert!(sentence.contains("joindre un document à un e-mail"));
    // The domain level shows it too.
    let communicate = &p.domains[2];
    assert_eq!(communicate.domain, "communicate");
    assert!(communicate.estimate.theta < p.domains[0].estimate.theta - 0.5);
}

#[test]
fn failing_almost_everything_orients_to_individual_help() {
    let easy = |it: &EngineItem| it.skill == "device.power" || it.skill == "device.touch";
    let p = profile_of(2, easy, &[]);
    assert_eq!(p.class.id, "a-accompagner");
    assert_eq!(p.orientation.modality, "individuel");
    assert_eq!(p.orientation.modalites, ["Accompagnement individuel"]);
    assert_eq!(
        p.summary.orientation_sentence,
        "Notre conseil\u{a0}: accompagnement individuel. Un médiateur numérique vous aide seul à seul, à votre rythme."
    );
    assert_eq!(p.work_on.len(), 4);
    // Someone who also has procedures to do: help with procedures (someone does
    // them with the person), still individual.
    let p = profile_of(2, easy, &ctx(&[("goal", "demarches")]));
    assert_eq!(p.orientation.modality, "demarches");
    assert_eq!(p.orientation.modalites, ["Accompagnement individuel"]);
    assert_eq!(
        p.orientation.services.first().map(String::as_str),
        Some("Aide aux démarches administratives")
    );
    assert!(p.summary.orientation_sentence.starts_with(
        "Notre conseil\u{a0}: aide aux démarches. Une personne fait la démarche avec vous."
    ));
}

#[test]
fn succeeding_everywhere_is_autonomous_and_needs_no_service() {
    let context = ctx(&[
        ("equipment", "smartphone"),
        ("equipment", "computer"),
        ("email", "yes"),
    ]);
    let p = profile_of(2, |_| true, &context);
    assert_eq!(p.class.id, "autonome");
    assert_eq!(p.class.label, "Autonome");
    assert_eq!(p.orientation.modality, "autonomie");
    assert!(
        p.orientation.services.is_empty(),
        "{:?}",
        p.orientation.services
    );
    assert!(p.work_on.is_empty());
    assert!(p.skills.iter().all(|s| s.status == "acquis"));
    assert!(p.domains.iter().all(|d| d.level == "autonome"));
    assert_eq!(
        p.summary.known_sentence.as_deref(),
        Some("Vous savez déjà\u{a0}: utiliser un appareil\u{a0}; naviguer et chercher\u{a0}; communiquer\u{a0}; faire ses démarches en ligne\u{a0}; se protéger.")
    );
    assert_eq!(p.summary.work_on_sentence, None);
    assert_eq!(p.referentiel.id, "repere-gd");
    assert_eq!(p.referentiel.version, bank().version());
}

#[test]
fn context_answers_adjust_the_orientation() {
    let all = |_: &EngineItem| true;
    let p = profile_of(2, all, &ctx(&[("equipment", "none")]));
    assert_eq!(
        p.orientation.services,
        [
            "Accès internet et matériel informatique",
            "Acquisition de matériel informatique à prix solidaire"
        ]
    );
    let p = profile_of(2, all, &ctx(&[("email", "no"), ("goal", "emploi")]));
    assert_eq!(
        p.orientation.services,
        [
            "Maîtrise des outils numériques du quotidien",
            "Insertion professionnelle via le numérique"
        ]
    );
    // The modality does not change for an autonomous person.
    assert_eq!(p.orientation.modality, "autonomie");
}

#[test]
fn procedures_to_do_with_a_weak_procedures_domain_get_help_with_procedures() {
    // Guided overall (easy and medium tasks right), procedures all wrong.
    let policy = |it: &EngineItem| {
        it.domain != "procedures" && it.domain != "safety" && it.skill != "web.official"
    };
    let goal = ctx(&[("goal", "demarches")]);
    let p = profile_of(2, policy, &goal);
    assert_eq!(p.class.id, "avec-guidage", "overall θ {}", p.overall.theta);
    let procedures = p
        .domains
        .iter()
        .find(|d| d.domain == "procedures")
        .expect("domain");
    assert_eq!(procedures.level, "a-decouvrir", "{procedures:?}");
    assert_eq!(p.orientation.modality, "demarches");
    // Without that goal, the same person goes to a workshop.
    let p = profile_of(2, policy, &[]);
    assert_eq!(p.orientation.modality, "atelier");
}

#[test]
fn the_domain_se_shrinks_with_more_answers_on_the_real_bank() {
    let mixed = |it: &EngineItem| it.id.ends_with('1') || it.id.ends_with('3');
    let mut last = f64::INFINITY;
    for per_skill in 1..=4 {
        let p = profile_of(per_skill, mixed, &[]);
        let se = p.domains[2].estimate.se;
        assert!(se < last, "{per_skill}: {se} !< {last}");
        last = se;
        assert_eq!(p.domains[2].not_enough_answers, se > 0.75);
    }
}

#[test]
fn every_phrase_a_result_can_say_is_in_the_spoken_catalogue() {
    use std::collections::{BTreeSet, HashSet};

    use assessment_support::Rng;
    use repere_items::spoken::{catalogue, phrases};

    let known: HashSet<String> = catalogue(&bank())
        .expect("catalogue")
        .iter()
        .flat_map(|t| phrases(t))
        .collect();
    // People of every kind: each item right with a probability that varies from
    // person to person and from domain to domain, and a few context answers.
    let contexts = [
        ctx(&[]),
        ctx(&[("goal", "demarches")]),
        ctx(&[("equipment", "none")]),
        ctx(&[("email", "no"), ("goal", "emploi")]),
    ];
    let mut rng = Rng(20);
    let mut modalities = BTreeSet::new();
    let mut lists = (0, 0);
    for person in 0..120u64 {
        let share: Vec<f64> = (0..5).map(|_| rng.uniform()).collect();
        let seed = rng.next_u64();
        let policy = move |it: &EngineItem| {
            let mut r = Rng(seed ^ u64::from(it.id.bytes().map(u32::from).sum::<u32>()));
            let domain = it.domain.bytes().map(usize::from).sum::<usize>() % share.len();
            r.uniform() < share[domain]
        };
        let p = profile_of(
            1 + (person % 3) as usize,
            policy,
            &contexts[(person % 4) as usize],
        );
        modalities.insert(p.orientation.modality.clone());
        let s = &p.summary;
        lists.0 += usize::from(s.known.len() > 1);
        lists.1 += usize::from(s.work_on.len() > 1);
        let texts = s
            .known_sentence
            .iter()
            .chain(&s.work_on_sentence)
            .chain([&s.orientation_sentence]);
        for text in texts {
            for phrase in phrases(text) {
                assert!(
                    known.contains(&phrase),
                    "person {person}: « {phrase} » has no clip"
                );
            }
        }
    }
    assert!(modalities.len() >= 3, "modalities reached: {modalities:?}");
    assert!(
        lists.0 >= 10 && lists.1 >= 10,
        "lists of several labels: {lists:?}"
    );
}

// ------------------------------------------------------------------
// Orientation, person by person (issue "Orientation that leads somewhere").

use repere_items::places::{
    rank, Access, Candidate, Need, Needs, Origin, Place, Point, Relation, Service, Support,
};

/// A person of ability `theta`: right on every item they succeed on with a
/// probability of at least one half, wrong elsewhere.
fn at(theta: f64) -> impl Fn(&EngineItem) -> bool {
    move |it: &EngineItem| it.item.success_prob(theta) >= 0.5
}

const PARENTING: &str = "Parentalité et éducation avec le numérique";
const ACCESS: &str = "Accès internet et matériel informatique";
const EVERYDAY: &str = "Maîtrise des outils numériques du quotidien";
const DEMARCHES: &str = "Aide aux démarches administratives";

#[test]
fn the_grandmother_who_wants_video_calls_is_not_sent_to_parenting_help() {
    // She handles her phone's basics, fails video calls and most of the rest.
    let policy = |it: &EngineItem| it.skill.starts_with("device.") && it.skill != "device.wifi";
    let context = ctx(&[("equipment", "smartphone"), ("goal", "famille")]);
    let p = profile_of(3, policy, &context);
    assert_eq!(status(&p, "message.video"), "a-travailler");
    for services in [&p.orientation.services, &p.orientation.place_services] {
        assert!(!services.iter().any(|s| s == PARENTING), "{services:?}");
    }
    assert!(p.orientation.services.iter().any(|s| s == EVERYDAY));
    assert!(p.orientation.place_services.iter().any(|s| s == EVERYDAY));
}

#[test]
fn a_person_with_a_box_at_home_is_not_sent_to_equipment_access() {
    // Weak on Wi-Fi (and on most things).
    let policy = |it: &EngineItem| it.skill == "device.touch" || it.skill == "device.power";
    let with_box = ctx(&[("equipment", "smartphone"), ("equipment", "box")]);
    let p = profile_of(3, policy, &with_box);
    assert_ne!(status(&p, "device.wifi"), "acquis");
    assert!(
        p.work_on.iter().any(|s| s == "device.wifi"),
        "{:?}",
        p.work_on
    );
    for services in [&p.orientation.services, &p.orientation.place_services] {
        assert!(!services.iter().any(|s| s == ACCESS), "{services:?}");
    }
    // Without any device, access comes first among what a place must offer.
    let p = profile_of(3, policy, &ctx(&[("equipment", "none")]));
    assert!(p.orientation.place_services.iter().any(|s| s == ACCESS));
}

/// A fictional place at `lat, lon` offering help with démarches.
fn demarches_place(id: &str, lat: f64, lon: f64, programmes: &[&str]) -> Candidate {
    Candidate::of(Place {
        id: id.into(),
        nom: format!("Lieu {id}"),
        adresse: "1 rue de l'Exemple".into(),
        code_postal: "99100".into(),
        commune: "Villefictive".into(),
        latitude: Some(lat),
        longitude: Some(lon),
        services: vec![Service::Demarches, Service::OutilsDuQuotidien],
        modalites_acces: vec![Access::SePresenter],
        dispositif_programmes_nationaux: programmes.iter().map(|p| p.to_string()).collect(),
        ..Place::default()
    })
}

#[test]
fn an_urgent_demarche_with_low_autonomy_goes_to_help_with_demarches_france_services_first() {
    let urgent = ctx(&[("equipment", "smartphone"), ("goal", "urgent")]);
    // Right on the very easy and easy items only: θ ≈ −1.
    let p = profile_of(3, at(-1.5), &urgent);
    assert_eq!(p.class.id, "avec-guidage", "θ {}", p.overall.theta);
    assert!((p.overall.theta + 1.0).abs() < 0.1, "θ {}", p.overall.theta);
    assert_eq!(p.orientation.modality, "demarches");
    assert_eq!(p.orientation.place_services, [DEMARCHES]);
    assert_eq!(
        p.orientation.programmes,
        ["France Services", "Aidants Connect"]
    );
    // Without the urgency, the same person learns in a workshop (or gets help
    // with démarches when their procedures are weak): never a workshop for an
    // urgent démarche.
    let calm = profile_of(3, at(-1.5), &ctx(&[("equipment", "smartphone")]));
    assert_eq!(calm.orientation.modality, "atelier");

    // The places: France Services and Aidants Connect before a nearer social
    // centre, nearest first among them.
    let candidates = [
        demarches_place("ccas", 46.501, 2.5, &[]),
        demarches_place("aidants", 46.52, 2.5, &["Aidants Connect"]),
        demarches_place("fs", 46.51, 2.5, &["France Services"]),
    ];
    let origin = Origin {
        point: Some(Point {
            lat: 46.5,
            lon: 2.5,
        }),
        ..Origin::default()
    };
    let got = rank(
        &candidates,
        &origin,
        &Needs::from_orientation(&p.orientation),
        |c| c.relation,
        3,
    );
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["fs", "aidants", "ccas"]);

    // Someone at ease with digital tools but with an urgent démarche: France
    // Services too (they « maîtrisent le numérique mais sont perdus dans les
    // formalités »).
    let p = profile_of(3, |_| true, &urgent);
    assert_eq!(p.class.id, "autonome");
    assert_eq!(p.orientation.modality, "demarches");
}

#[test]
fn an_autonomous_person_gets_no_to_do_list_that_contradicts_the_class() {
    // Right on every item up to b = −0.5, wrong beyond: θ ≈ 0.57, « Autonome »,
    // every domain « autonome » or « autonome avec aide », failed on the harder
    // démarches and safety items.
    let p = profile_of(3, at(-0.5), &ctx(&[("email", "yes")]));
    assert_eq!(p.class.id, "autonome", "θ {}", p.overall.theta);
    assert_eq!(p.orientation.modality, "autonomie");
    assert_eq!(p.orientation.modalites, ["En autonomie"]);
    let count = |status: &str| p.skills.iter().filter(|s| s.status == status).count();
    // Many skills are « en cours »…
    assert!(count("en-cours") >= 5, "{}", count("en-cours"));
    // …none of them is listed or ranked: the list holds only skills « à
    // travailler » (the advanced démarches this person failed), at most four.
    for s in p.skills.iter().filter(|s| s.status == "en-cours") {
        assert_eq!(s.priority, None, "{}", s.skill);
        assert!(!p.work_on.contains(&s.skill), "{}", s.skill);
    }
    assert_eq!(p.work_on.len(), 4, "{:?}", p.work_on);
    for id in &p.work_on {
        assert_eq!(status(&p, id), "a-travailler", "{id}");
    }
    let ranked = p.skills.iter().filter(|s| s.priority.is_some()).count();
    assert_eq!(ranked, count("a-travailler"));
    // The services are those of the listed skills only (not of all ten).
    let bank = bank();
    let mut expected: Vec<String> = Vec::new();
    for id in &p.work_on {
        for s in &bank.referentiel.skill(id).expect("skill").services {
            if !expected.contains(s) {
                expected.push(s.clone());
            }
        }
    }
    assert_eq!(p.orientation.services, expected);

    // Right on everything up to b = 0.5: skills « en cours » but none « à
    // travailler »: no list at all, no service to look for.
    let p = profile_of(3, at(0.5), &ctx(&[("email", "yes")]));
    assert_eq!(p.orientation.modality, "autonomie", "θ {}", p.overall.theta);
    assert!(p.skills.iter().any(|s| s.status == "en-cours"));
    assert!(p.skills.iter().all(|s| s.status != "a-travailler"));
    assert!(p.work_on.is_empty(), "{:?}", p.work_on);
    assert_eq!(p.summary.work_on_sentence, None);
    assert!(
        p.orientation.services.is_empty(),
        "{:?}",
        p.orientation.services
    );
}

#[test]
fn i_see_badly_finds_places_equipped_for_visual_impairment() {
    let p = profile_of(3, at(-1.0), &ctx(&[("sight", "no")]));
    assert_eq!(p.orientation.needs, ["deficience-visuelle"]);
    let needs = Needs::from_orientation(&p.orientation);
    assert_eq!(needs.needs, [Need::DeficienceVisuelle]);
    let mut equipped = demarches_place("equipped", 46.6, 2.5, &[]);
    equipped.place.prise_en_charge_specifique = vec![Support::DeficienceVisuelle];
    // Workshops and individual help alike, the place must offer what the
    // orientation asks.
    equipped.place.services = Service::ALL.to_vec();
    let mut near = demarches_place("near", 46.501, 2.5, &[]);
    near.place.services = Service::ALL.to_vec();
    let origin = Origin {
        point: Some(Point {
            lat: 46.5,
            lon: 2.5,
        }),
        ..Origin::default()
    };
    let got = rank(&[near, equipped], &origin, &needs, |_| Relation::None, 3);
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["equipped"]);
    // Without « je vois mal », the nearer one comes first.
    let p = profile_of(3, at(-1.0), &ctx(&[("sight", "yes")]));
    assert!(p.orientation.needs.is_empty());
}
