//! The shipped data: it validates (pictures included), the embedded copy equals the
//! files on disk, and the reference items keep the promises the README makes.

use std::path::{Path, PathBuf};

use repere_items::{
    check_dir, embedded, load_dir, Band, Bank, ItemType, Status, MIN_LIVE_ITEMS_PER_SKILL,
};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn pictures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/pictures")
}

fn shipped() -> Bank {
    match check_dir(&data_dir(), &pictures_dir()) {
        Ok(b) => b,
        Err(repere_items::LoadError::Invalid(problems)) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("the shipped bank has problems:\n{}", lines.join("\n"));
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn shipped_bank_validates_with_pictures() {
    let bank = shipped();
    assert_eq!(bank.id(), "repere-gd");
    assert_eq!(bank.version(), "2.1.0");
    assert_eq!(bank.referentiel.domains.len(), 5);
    let n = bank.referentiel.skills.len();
    assert!((30..=45).contains(&n), "{n} skills");
}

#[test]
fn embedded_equals_disk() {
    let disk = load_dir(&data_dir()).expect("disk bank loads");
    let emb = embedded().expect("embedded bank loads");
    assert_eq!(emb, disk);
    // Same files, same texts: a stale embed would differ here first.
    let on_disk = repere_items::read_sources(&data_dir()).expect("readable");
    assert_eq!(repere_items::embedded_sources(), on_disk);
}

#[test]
fn reference_skills_have_enough_live_items_of_several_types() {
    let bank = shipped();
    for skill in ["mail.attach", "device.wifi"] {
        let items: Vec<_> = bank.items_of_skill(skill).collect();
        let live = items.iter().filter(|i| i.status == Status::Live).count();
        assert!(
            live >= MIN_LIVE_ITEMS_PER_SKILL,
            "{skill}: {live} live items"
        );
        let mut types: Vec<ItemType> = items.iter().map(|i| i.item_type()).collect();
        types.sort();
        types.dedup();
        assert!(types.len() >= 4, "{skill}: types {types:?}");
        assert!(
            types.iter().any(|t| t.is_stepped()),
            "{skill} needs a hands-on simulation"
        );
    }
    let s = bank.summary();
    assert!(!s
        .under_minimum
        .iter()
        .any(|(k, _)| k == "mail.attach" || k == "device.wifi"));
}

#[test]
fn lookups() {
    let bank = shipped();
    let it = bank.item("mail.attach.04").expect("exists");
    assert_eq!(it.item_type(), ItemType::Mailbox);
    assert_eq!(it.max_score(), 4);
    assert_eq!(it.engine_item().max_score(), 4);
    assert!(bank.item("mail.attach.99").is_none());
    // Each domain holds exactly the items of its skills, and every item is in one.
    let mut total = 0;
    for domain in &bank.referentiel.domains {
        let expected = bank
            .items()
            .iter()
            .filter(|i| {
                bank.referentiel.skill(&i.skill).map(|s| s.domain.as_str())
                    == Some(domain.id.as_str())
            })
            .count();
        assert!(expected > 0, "domain {} has items", domain.id);
        assert_eq!(
            bank.items_of_domain(&domain.id).count(),
            expected,
            "{}",
            domain.id
        );
        total += expected;
    }
    assert_eq!(total, bank.items().len());
    assert_eq!(Band::of(it.irt.location()), Band::Medium);
    // Items come by skill in référentiel order, then by id.
    let skill_rank = |id: &str| {
        bank.referentiel
            .skills
            .iter()
            .position(|s| s.id == id)
            .expect("known skill")
    };
    let keys: Vec<(usize, &str)> = bank
        .items()
        .iter()
        .map(|i| (skill_rank(&i.skill), i.id.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn context_priors_follow_the_start_table() {
    // The shipped table: one prior for everyone, whatever the answers.
    let c = &shipped().context;
    for answers in [
        &["equipment:none", "email:no"][..],
        &["equipment:computer", "email:yes", "goal:emploi"][..],
        &[][..],
    ] {
        assert_eq!(c.prior(answers), Some((-1.0, 1.0)), "{answers:?}");
    }
    // The first rule whose answers were all given wins (the fixture's table).
    let base = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"))
        .expect("the base fixture loads");
    let c = &base.context;
    assert_eq!(c.prior(&["email:no", "equipment:none"]), Some((-1.0, 1.0)));
    assert_eq!(c.prior(&["email:yes"]), Some((0.0, 1.0)));
    assert_eq!(c.prior(&[]), Some((0.0, 1.0)));
}

#[test]
fn every_skill_maps_to_known_services() {
    let bank = shipped();
    let r = &bank.referentiel;
    assert_eq!(r.frameworks.mediation.services.len(), 9);
    for s in &r.skills {
        assert!(!s.services.is_empty(), "{}", s.id);
        for sv in &s.services {
            assert!(
                r.frameworks.mediation.services.contains(sv),
                "{}: {sv}",
                s.id
            );
        }
    }
}
