//! The `[[item]]` examples of `items/README.md` are valid items of the real
//! référentiel, and together they cover every item type. Authors copy them: a
//! broken example would spread.

mod common;

use common::readme_bank;
use repere_items::ItemType;

#[test]
fn readme_examples_are_valid_and_cover_every_type() {
    let bank = readme_bank();
    for t in ItemType::ALL {
        assert!(
            bank.items().iter().any(|i| i.item_type() == t),
            "README has no example of type `{}`",
            t.name()
        );
    }
}

#[test]
fn readme_examples_match_the_shipped_items_they_copy() {
    // Examples that copy a shipped item must keep its parameters (the README is not
    // a second, drifting bank).
    let readme = readme_bank();
    let shipped = repere_items::embedded().expect("shipped bank");
    for item in readme.items() {
        if let Some(original) = shipped.item(&item.id) {
            let (mut a, mut b) = (item.irt.clone(), original.irt.clone());
            // The README may abbreviate the free-text note; everything else must match.
            a.provenance.note = None;
            b.provenance.note = None;
            assert_eq!(a, b, "{}", item.id);
            assert_eq!(item.stem, original.stem, "{}", item.id);
            assert_eq!(item.item_type(), original.item_type(), "{}", item.id);
        }
    }
}
