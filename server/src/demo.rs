//! `repere serve --demo`: a demonstration structure with one account of each role
//! and a kiosk, so that a newcomer can try every screen at once.
//!
//! The demo credentials are fixed and public (printed below and at every start):
//! nothing to remember, nothing secret stored. That is only acceptable because
//! `--demo` refuses to listen on anything but a loopback address. They are created
//! on the first start with an empty store; on later starts they are printed again
//! if the demo structure exists, and nothing is created in a store that holds other
//! data.
//!
//! The demo structure stands in the fictional town of Villefictive, among fictional
//! mediation places in the national format (`server/demo/lieux-demo.csv`,
//! imported when the store has no places yet): the result screens have places to
//! show. A France Services counter is marked as in the same building, a social
//! centre as a partner.
//!
//! The demo kiosk starts with a fixed public device token (for scripts that send
//! `X-Kiosk-Token`), and every start gives it a fresh pairing code to type at
//! `/borne`. Pairing a browser with that code replaces the fixed token, as it
//! replaces any kiosk's device: the banner then no longer prints it.

use crate::admin_ops::{self, AdminError, PAIRING_VALID_DAYS};
use crate::auth;
use crate::clock::Clock;
use crate::records::{Kiosk, Role, SCHEMA_VERSION};
use crate::store::Store;
use repere_items::places::Relation;

/// Name of the demo structure.
pub const STRUCTURE_NAME: &str = "Bureau de poste de démonstration";
/// The demo accounts: (role, login, password).
pub const ACCOUNTS: [(Role, &str, &str); 3] = [
    (Role::Agent, "demo-agent", "demo-agent-repere"),
    (Role::Trainer, "demo-formateur", "demo-formateur-repere"),
    (Role::Admin, "demo-admin", "demo-admin-repere"),
];
/// The demo kiosk's device token, until a browser pairs with it.
pub const KIOSK_TOKEN: &str = "demo-borne-jeton-public-ne-pas-utiliser-en-production";
/// Name of the demo kiosk.
pub const KIOSK_NAME: &str = "Borne de démonstration";

/// The demo's mediation places: fictional, in the national format.
pub const PLACES_CSV: &str = include_str!("../demo/lieux-demo.csv");
/// Where the demo structure is (fictional town; INSEE code and postcode of no real
/// town).
pub const LOCATION: (f64, f64) = (46.8, 2.4);
/// The demo town's code (INSEE and postcode alike).
pub const TOWN_CODE: &str = "99999";
/// The demo place in the structure's building, and its partner.
pub const MARKS: [(&str, Relation); 2] = [
    ("demo-fs-villefictive", Relation::SameBuilding),
    ("demo-centre-social-aulnes", Relation::Partner),
];

const META_KEY: &str = "demo_structure";
const META_KIOSK: &str = "demo_kiosk";

/// The demo kiosk at this start.
pub struct DemoKiosk {
    /// Its pairing code, made at this start.
    pub code: String,
    /// Whether [`KIOSK_TOKEN`] is still its device token.
    pub token_works: bool,
}

/// What happened.
pub enum Demo {
    /// Created now (structure id, kiosk).
    Created(u64, Option<DemoKiosk>),
    /// Created at an earlier start (structure id, kiosk if it was not removed).
    Existing(u64, Option<DemoKiosk>),
    /// The store holds other data: nothing created.
    Skipped,
}

/// Creates the demo data if the store is empty, and gives the demo kiosk a new
/// pairing code. Blocking (Argon2).
pub fn ensure(store: &dyn Store, clock: &Clock) -> Result<Demo, AdminError> {
    if let Some(id) = store.meta(META_KEY)?.and_then(|v| v.parse::<u64>().ok()) {
        if store.structure(id)?.is_some() {
            ensure_places(store, id)?;
            let kiosk = fresh_code(store, clock, id)?;
            store.flush()?;
            return Ok(Demo::Existing(id, kiosk));
        }
    }
    if !store.structures()?.is_empty() {
        return Ok(Demo::Skipped);
    }
    let structure = admin_ops::create_structure(store, clock, STRUCTURE_NAME, None)?;
    for (role, login, password) in ACCOUNTS {
        admin_ops::create_user(
            store,
            clock,
            structure.id,
            role,
            admin_ops::NewLogin::Given(login),
            password,
        )?;
    }
    let kiosk = store.next_id()?;
    store.add_kiosk(&Kiosk {
        v: SCHEMA_VERSION,
        id: kiosk,
        structure: structure.id,
        name: KIOSK_NAME.into(),
        token_hash: Some(auth::token_digest(KIOSK_TOKEN)),
        paired_at: None,
        pairing: None,
        created_at: clock.now_ms(),
    })?;
    store.set_meta(META_KIOSK, &kiosk.to_string())?;
    store.set_meta(META_KEY, &structure.id.to_string())?;
    ensure_places(store, structure.id)?;
    let kiosk = fresh_code(store, clock, structure.id)?;
    store.flush()?;
    Ok(Demo::Created(structure.id, kiosk))
}

/// The demo's places: the fictional file when the store has no import yet, the
/// structure's location and marks when it has none (demo stores made before
/// places existed get them at their next start).
fn ensure_places(store: &dyn Store, structure: u64) -> Result<(), AdminError> {
    if store.places_generation()? == 0 {
        let report = repere_items::places::read::read(PLACES_CSV.as_bytes())
            .map_err(|e| AdminError::Other(e.render("demo/lieux-demo.csv")))?;
        store.replace_places(&report.places)?;
    }
    let mut sp = store.structure_places(structure)?;
    if sp.location.is_none() {
        sp.location = Some(crate::records::Location {
            code_insee: Some(TOWN_CODE.into()),
            code_postal: Some(TOWN_CODE.into()),
            latitude: LOCATION.0,
            longitude: LOCATION.1,
        });
        if sp.marks.is_empty() {
            sp.marks = MARKS
                .iter()
                .map(|(id, relation)| crate::records::PlaceMark {
                    id: (*id).into(),
                    relation: *relation,
                })
                .collect();
        }
        store.put_structure_places(&sp)?;
    }
    Ok(())
}

/// A new pairing code for the demo kiosk of `structure`, if it still exists.
fn fresh_code(
    store: &dyn Store,
    clock: &Clock,
    structure: u64,
) -> Result<Option<DemoKiosk>, AdminError> {
    let by_meta = store
        .meta(META_KIOSK)?
        .and_then(|v| v.parse::<u64>().ok())
        .map(|id| store.kiosk(id))
        .transpose()?
        .flatten()
        .filter(|k| k.structure == structure);
    // Demo stores made before the kiosk's id was noted: found by its name.
    let kiosk = match by_meta {
        Some(k) => Some(k),
        None => store
            .kiosks_of_structure(structure)?
            .into_iter()
            .find(|k| k.name == KIOSK_NAME),
    };
    let Some(kiosk) = kiosk else {
        return Ok(None);
    };
    let Some((kiosk, code)) = admin_ops::renew_kiosk_code(store, clock, kiosk.id)? else {
        return Ok(None);
    };
    let token_works = kiosk.token_hash.as_deref() == Some(auth::token_digest(KIOSK_TOKEN).as_str());
    Ok(Some(DemoKiosk { code, token_works }))
}

/// The text printed at start.
pub fn banner(demo: &Demo) -> String {
    let (id, kiosk) = match demo {
        Demo::Skipped => {
            return "Mode démo : le dossier de données contient déjà d'autres structures, aucun compte de démonstration n'a été créé.".into();
        }
        Demo::Created(id, k) | Demo::Existing(id, k) => (*id, k),
    };
    let when = if matches!(demo, Demo::Created(..)) {
        "créés maintenant"
    } else {
        "créés au premier démarrage"
    };
    let mut s = format!(
        "Mode démo — « {STRUCTURE_NAME} » (structure {id}), comptes {when}.\n\
         Ces identifiants sont publics : ne les utilisez jamais en production.\n\
         Lieux de médiation : des lieux fictifs autour de Villefictive (fichier de démonstration).\n"
    );
    for (role, login, password) in ACCOUNTS {
        s.push_str(&format!(
            "  {:<15} identifiant : {login:<16} mot de passe : {password}\n",
            role.label()
        ));
    }
    match kiosk {
        Some(k) => {
            s.push_str(&format!(
                "  {:<15} code d'installation (à taper sur /borne, une fois, valable {PAIRING_VALID_DAYS} jours) : {}",
                "Borne", k.code
            ));
            if k.token_works {
                s.push_str(&format!(
                    "\n  {:<15} jeton (en-tête X-Kiosk-Token) : {KIOSK_TOKEN}",
                    "Borne"
                ));
            }
        }
        None => s.push_str(&format!(
            "  {:<15} la borne de démonstration a été retirée.",
            "Borne"
        )),
    }
    s
}
