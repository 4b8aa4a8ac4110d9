//! Archived versions (`items/archive/<version>/`): frozen as they shipped, loaded by
//! the rules of an archive, and able to replay the logs made with them while the
//! current version refuses those logs by name.

mod assessment_support;

use assessment_support::{bank, ctx, draw_score, play, Rng};
use repere_items::assessment::{AssessError, Assessor, Mode};
use repere_items::{archived, archived_versions, build, build_archived, Status};

#[test]
fn version_1_is_kept_and_loads() {
    assert_eq!(archived_versions(), vec!["1.0.0"]);
    let v1 = archived("1.0.0").expect("kept").expect("loads");
    assert_eq!(v1.version(), "1.0.0");
    assert_eq!(v1.items().len(), 193);
    assert_eq!(v1.live_items().count(), 193);
    assert_eq!(v1.referentiel.skills.len(), 24);
    assert!(v1.referentiel.bank.is_none());
    assert!(archived("0.9.0").is_none());
    // The current version is not an archive of itself.
    let current = bank();
    assert!(archived(current.version()).is_none());
    assert_ne!(current.version(), "1.0.0");
}

#[test]
fn an_archive_is_not_held_to_the_authoring_rules_added_since() {
    // Version 1's notes give the band and `a` by type, and its simulations are
    // not all read aloud (« Les réglages du téléphone sont à l'écran »): today's
    // rules refuse both.
    let sources: Vec<(String, String)> = {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/1.0.0");
        repere_items::read_sources(&dir).expect("readable")
    };
    let problems = build(&sources, None).expect_err("today's rules refuse the v1 notes");
    assert!(problems
        .iter()
        .all(|p| p.message.starts_with("`provenance.note`")
            || p.message.starts_with("`read_aloud` does not say")));
    assert!(problems
        .iter()
        .any(|p| p.message.starts_with("`read_aloud` does not say")));
    assert!(problems.len() >= 193, "{} problems", problems.len());
    assert!(build_archived(&sources).is_ok());
}

#[test]
fn ids_are_forever() {
    // Every item of version 1 is still in the bank, same skill, same type: retired
    // when its meaning changed, never removed or reused.
    let v1 = archived("1.0.0").expect("kept").expect("loads");
    let current = bank();
    let mut retired = 0;
    for old in v1.items() {
        let now = current
            .item(&old.id)
            .unwrap_or_else(|| panic!("{} was removed", old.id));
        assert_eq!(now.skill, old.skill, "{}", old.id);
        assert_eq!(now.item_type(), old.item_type(), "{}", old.id);
        retired += usize::from(now.status == Status::Retired);
    }
    // The weak items of version 1 named in the review are retired, not rewritten.
    for id in [
        "device.apps.02",
        "device.apps.04",
        "device.power.08",
        "device.power.09",
        "device.camera.05",
        "mail.attach.05",
        "web.official.04",
    ] {
        assert_eq!(
            current.item(id).map(|i| i.status),
            Some(Status::Retired),
            "{id}"
        );
    }
    assert!(retired >= 7, "{retired} retired");
}

#[test]
fn a_version_1_log_replays_on_version_1_only() {
    let v1 = archived("1.0.0").expect("kept").expect("loads");
    let old = Assessor::new(&v1).expect("v1 assessor");
    let current_bank = bank();
    let current = Assessor::new(&current_bank).expect("current assessor");
    let mut rng = Rng(7);
    let (log, app_outcome) = play(
        &old,
        42,
        Mode::Kiosk,
        ctx(&[("equipment", "smartphone")]),
        |item| Some(draw_score(item, -0.5, &mut rng)),
    );
    assert_eq!(log.referentiel.version, "1.0.0");
    assert_eq!(log.bank_version, "1.0.0");
    // The archive replays it to the very profile the app showed.
    let replayed = old.assess(&log).expect("replays on v1");
    assert_eq!(replayed, app_outcome);
    assert_eq!(replayed.profile.referentiel.version, "1.0.0");
    // The current version refuses it, naming the version.
    match current.assess(&log) {
        Err(AssessError::Version {
            field,
            expected,
            found,
        }) => {
            assert_eq!(field, "referentiel.version");
            assert_eq!(expected, current_bank.version());
            assert_eq!(found, "1.0.0");
        }
        other => panic!("expected a version error, got {other:?}"),
    }
}
