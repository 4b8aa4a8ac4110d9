//! `repere serve --demo`: a demonstration structure with one account of each role
//! and a kiosk, so that a newcomer can try every screen at once.
//!
//! The demo credentials are fixed and public (printed below and at every start):
//! nothing to remember, nothing secret stored. That is only acceptable because
//! `--demo` refuses to listen on anything but a loopback address. They are created
//! on the first start with an empty store; on later starts they are printed again
//! if the demo structure exists, and nothing is created in a store that holds other
//! data.

use crate::admin_ops::{self, AdminError};
use crate::auth;
use crate::clock::Clock;
use crate::records::{Kiosk, Role, SCHEMA_VERSION};
use crate::store::Store;

/// Name of the demo structure.
pub const STRUCTURE_NAME: &str = "Bureau de poste de démonstration";
/// The demo accounts: (role, login, password).
pub const ACCOUNTS: [(Role, &str, &str); 3] = [
    (Role::Agent, "demo-agent", "demo-agent-repere"),
    (Role::Trainer, "demo-formateur", "demo-formateur-repere"),
    (Role::Admin, "demo-admin", "demo-admin-repere"),
];
/// The demo kiosk's token.
pub const KIOSK_TOKEN: &str = "demo-borne-jeton-public-ne-pas-utiliser-en-production";
/// Name of the demo kiosk.
pub const KIOSK_NAME: &str = "Borne de démonstration";

const META_KEY: &str = "demo_structure";

/// What happened.
pub enum Demo {
    /// Created now.
    Created(u64),
    /// Created at an earlier start.
    Existing(u64),
    /// The store holds other data: nothing created.
    Skipped,
}

/// Creates the demo data if the store is empty. Blocking (Argon2).
pub fn ensure(store: &dyn Store, clock: &Clock) -> Result<Demo, AdminError> {
    if let Some(id) = store.meta(META_KEY)?.and_then(|v| v.parse::<u64>().ok()) {
        if store.structure(id)?.is_some() {
            return Ok(Demo::Existing(id));
        }
    }
    if !store.structures()?.is_empty() {
        return Ok(Demo::Skipped);
    }
    let structure = admin_ops::create_structure(store, clock, STRUCTURE_NAME, None)?;
    for (role, login, password) in ACCOUNTS {
        admin_ops::create_user(store, clock, structure.id, role, login, password)?;
    }
    store.add_kiosk(&Kiosk {
        v: SCHEMA_VERSION,
        id: store.next_id()?,
        structure: structure.id,
        name: KIOSK_NAME.into(),
        token_hash: auth::token_digest(KIOSK_TOKEN),
        created_at: clock.now_ms(),
    })?;
    store.set_meta(META_KEY, &structure.id.to_string())?;
    store.flush()?;
    Ok(Demo::Created(structure.id))
}

/// The text printed at start.
pub fn banner(demo: &Demo) -> String {
    let id = match demo {
        Demo::Skipped => {
            return "Mode démo : le dossier de données contient déjà d'autres structures, aucun compte de démonstration n'a été créé.".into();
        }
        Demo::Created(id) | Demo::Existing(id) => *id,
    };
    let when = if matches!(demo, Demo::Created(_)) {
        "créés maintenant"
    } else {
        "créés au premier démarrage"
    };
    let mut s = format!(
        "Mode démo — « {STRUCTURE_NAME} » (structure {id}), comptes {when}.\n\
         Ces identifiants sont publics : ne les utilisez jamais en production.\n"
    );
    for (role, login, password) in ACCOUNTS {
        s.push_str(&format!(
            "  {:<15} identifiant : {login:<16} mot de passe : {password}\n",
            role.label()
        ));
    }
    s.push_str(&format!(
        "  {:<15} jeton (en-tête X-Kiosk-Token) : {KIOSK_TOKEN}",
        "Borne"
    ));
    s
}
