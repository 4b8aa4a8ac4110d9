//! Mediation places in the server: the index of the imported national file, the
//! places suggested to a structure's people, what a kiosk keeps for offline use,
//! and the administration operations (import, a structure's location, own places
//! and marks).
//!
//! The national file is imported into the store (`repere places import`); the
//! server keeps an index of it in memory ([`Places`]), rebuilt when the store's
//! import generation changes (an import through the running server, or a store
//! restored from a backup). A structure's location, own places and marks live
//! beside it ([`StructurePlaces`]) and survive imports. Ranking is
//! `repere_items::places::rank`: same building, partners, preferred programmes,
//! then distance.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use repere_items::places::hours::in_french;
use repere_items::places::matching::{locate_town, with_town_centres};
use repere_items::places::read::{read, ReadReport};
use repere_items::places::{
    rank, Accompaniment, Candidate, Card, CardStyle, KioskPlace, Need, Needs, Origin, Place, Point,
    Relation, Service, Suggestion, Traits,
};
use repere_items::Bank;
use serde::{Deserialize, Serialize};

use crate::records::{LocalPlace, Location, PlaceMark, StructurePlaces};
use crate::store::{Store, StoreError};

/// Places shown on a result (screens, sheet).
pub const SHOWN: usize = 3;
/// Most places a request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Places a kiosk keeps per criterion (each service, need, way of accompanying,
/// preferred programme) for offline use.
pub const KIOSK_PER_CRITERION: usize = 10;
/// Nearest places a kiosk keeps whatever they offer.
pub const KIOSK_NEAREST: usize = 50;

/// The imported places, indexed for ranking.
pub struct PlaceIndex {
    /// The store's import generation it was built from.
    pub generation: u64,
    /// Every imported place, places without coordinates given their town's centre.
    pub candidates: Vec<Candidate>,
}

impl PlaceIndex {
    /// Reads every imported place of `store`.
    pub fn load(store: &dyn Store) -> Result<PlaceIndex, StoreError> {
        let generation = store.places_generation()?;
        let mut places = Vec::new();
        let report = store.scan_places(&mut |p| places.push(p))?;
        for line in &report.corrupt {
            tracing::error!(error = %line, "a mediation place cannot be decoded: skipped");
        }
        Ok(PlaceIndex {
            generation,
            candidates: with_town_centres(places),
        })
    }
}

/// A kiosk's offline set, with what it was made from (import generation, the
/// structure's places).
type KioskSet = (u64, StructurePlaces, Arc<KioskPlaces>);

/// The server's cache of the index, and of each kiosk's offline set.
#[derive(Default)]
pub struct Places {
    index: Mutex<Option<Arc<PlaceIndex>>>,
    kiosk_sets: Mutex<HashMap<u64, KioskSet>>,
}

impl Places {
    /// The index of the store's current import (rebuilt when it changed). Blocking.
    pub fn index(&self, store: &dyn Store) -> Result<Arc<PlaceIndex>, StoreError> {
        let generation = store.places_generation()?;
        // One rebuild at a time: concurrent requests wait for it.
        let mut cached = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = cached.as_ref().filter(|i| i.generation == generation) {
            return Ok(i.clone());
        }
        let fresh = Arc::new(PlaceIndex::load(store)?);
        tracing::info!(
            places = fresh.candidates.len(),
            generation = fresh.generation,
            "mediation places loaded"
        );
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    /// What a kiosk of `structure` keeps for offline use (cached until an import
    /// or a change of the structure's places). Blocking.
    pub fn kiosk_set(
        &self,
        store: &dyn Store,
        bank: &Bank,
        structure: u64,
    ) -> Result<Arc<KioskPlaces>, StoreError> {
        let index = self.index(store)?;
        let sp = store.structure_places(structure)?;
        let mut sets = self
            .kiosk_sets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((g, s, set)) = sets.get(&structure) {
            if *g == index.generation && *s == sp {
                return Ok(set.clone());
            }
        }
        let set = Arc::new(kiosk_places(&index, &sp, bank));
        sets.insert(structure, (index.generation, sp, set.clone()));
        Ok(set)
    }
}

/// Where a structure is, as an origin of suggestions.
pub fn origin_of(location: &Location) -> Origin {
    Origin {
        point: Point::new(location.latitude, location.longitude),
        code_insee: location.code_insee.clone(),
        code_postal: location.code_postal.clone(),
    }
}

/// A structure's own places as candidates, with their relation.
fn local_candidates(sp: &StructurePlaces, index: &PlaceIndex) -> Vec<Candidate> {
    let own: Vec<Place> = sp.local.iter().map(|l| l.place.clone()).collect();
    let mut with_centres = with_town_centres(own);
    // Own places without coordinates: the centre of their town in the national
    // file when they have none among themselves.
    for (c, l) in with_centres.iter_mut().zip(&sp.local) {
        c.relation = l.relation;
        if c.place.point().is_none() && c.centre.is_none() {
            c.centre = locate_town(
                &index.candidates,
                c.place.code_insee.as_deref(),
                Some(c.place.code_postal.as_str()),
            );
        }
    }
    with_centres
}

/// The `limit` best places for `needs` from `origin`, for a person of `sp`'s
/// structure (its own places and marks count) or of none; their opening hours
/// put into words.
pub fn suggest(
    index: &PlaceIndex,
    sp: Option<&StructurePlaces>,
    origin: &Origin,
    needs: &Needs,
    limit: usize,
) -> Vec<Suggestion> {
    let local = sp.map(|s| local_candidates(s, index)).unwrap_or_default();
    let marks: HashMap<&str, Relation> = sp
        .map(|s| {
            s.marks
                .iter()
                .map(|m| (m.id.as_str(), m.relation))
                .collect()
        })
        .unwrap_or_default();
    let mut found = rank(
        local.iter().chain(&index.candidates),
        origin,
        needs,
        |c| {
            if c.relation != Relation::None {
                c.relation
            } else {
                marks.get(c.place.id.as_str()).copied().unwrap_or_default()
            }
        },
        limit.min(MAX_LIMIT),
    );
    for s in &mut found {
        s.horaires_fr = in_french(s.place.horaires.as_deref().unwrap_or("")).lines();
    }
    found
}

/// What a kiosk keeps to suggest places while offline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KioskPlaces {
    /// The structure's location.
    pub origin: Origin,
    /// The places: their cards, their traits (relation to the structure
    /// included) and their distance from it.
    pub places: Vec<KioskPlace>,
}

/// The offline set of a structure: its own places and marked places, the
/// [`KIOSK_NEAREST`] nearest, and the [`KIOSK_PER_CRITERION`] nearest for each
/// service, specific need, way of accompanying and preferred programme of the
/// référentiel's modalities. Empty when the structure has no location.
pub fn kiosk_places(index: &PlaceIndex, sp: &StructurePlaces, bank: &Bank) -> KioskPlaces {
    let Some(location) = &sp.location else {
        return KioskPlaces {
            origin: Origin::default(),
            places: Vec::new(),
        };
    };
    let origin = origin_of(location);
    let mut criteria: Vec<(Needs, usize)> = vec![(Needs::default(), KIOSK_NEAREST)];
    for s in Service::ALL {
        criteria.push((
            Needs {
                services: vec![s],
                ..Needs::default()
            },
            KIOSK_PER_CRITERION,
        ));
    }
    for n in Need::ALL {
        criteria.push((
            Needs {
                needs: vec![n],
                ..Needs::default()
            },
            KIOSK_PER_CRITERION,
        ));
    }
    for a in Accompaniment::ALL {
        criteria.push((
            Needs {
                accompaniment: vec![a],
                ..Needs::default()
            },
            KIOSK_PER_CRITERION,
        ));
    }
    for m in &bank.referentiel.profile.orientation.modalities {
        if !m.programmes.is_empty() {
            criteria.push((
                Needs {
                    services: m
                        .services
                        .iter()
                        .filter_map(|s| Service::from_label(s))
                        .collect(),
                    programmes: m.programmes.clone(),
                    ..Needs::default()
                },
                KIOSK_PER_CRITERION,
            ));
        }
    }
    // Marked and own places always, wherever they are.
    let marked: BTreeSet<&str> = sp.marks.iter().map(|m| m.id.as_str()).collect();
    let all = index.candidates.len() + sp.local.len();
    criteria.push((Needs::default(), all.min(marked.len() + sp.local.len())));
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    let mut places: Vec<KioskPlace> = Vec::new();
    for (i, (needs, limit)) in criteria.iter().enumerate() {
        let last = i + 1 == criteria.len();
        let found = if last {
            let own: Vec<Candidate> = local_candidates(sp, index)
                .into_iter()
                .chain(
                    index
                        .candidates
                        .iter()
                        .filter(|c| marked.contains(c.place.id.as_str()))
                        .cloned(),
                )
                .collect();
            let marks = |c: &Candidate| {
                if c.relation != Relation::None {
                    c.relation
                } else {
                    sp.marks
                        .iter()
                        .find(|m| m.id == c.place.id)
                        .map_or(Relation::None, |m| m.relation)
                }
            };
            let mut found = rank(&own, &origin, needs, marks, *limit);
            for s in &mut found {
                s.horaires_fr = in_french(s.place.horaires.as_deref().unwrap_or("")).lines();
            }
            found
        } else {
            suggest(index, Some(sp), &origin, needs, *limit)
        };
        for s in found {
            if chosen.insert(s.id.clone()) {
                places.push(KioskPlace {
                    card: Card::of(&s, CardStyle::Kiosk),
                    traits: Traits::of(&s.place, s.relation),
                    km: s.distance_km,
                });
            }
        }
    }
    KioskPlaces { origin, places }
}

/// The needs of a modality of the référentiel (`atelier`, `individuel`,
/// `demarches`, `autonomie`), plus services (schema strings, read leniently) and
/// specific needs (ids), as the command line gives them. Errors name the value.
pub fn needs_of(
    bank: &Bank,
    modality: &str,
    services: &[String],
    needs: &[String],
) -> Result<Needs, String> {
    let modalities = &bank.referentiel.profile.orientation.modalities;
    let m = modalities
        .iter()
        .find(|m| m.id == modality)
        .ok_or_else(|| {
            let ids: Vec<&str> = modalities.iter().map(|m| m.id.as_str()).collect();
            format!("--modality {modality}: unknown (known: {})", ids.join(", "))
        })?;
    let mut out = Needs {
        accompaniment: m
            .modalites
            .iter()
            .filter_map(|x| Accompaniment::read(x))
            .collect(),
        services: m
            .services
            .iter()
            .filter_map(|s| Service::from_label(s))
            .collect(),
        needs: Vec::new(),
        programmes: m.programmes.clone(),
    };
    for s in services {
        let service = Service::read(s).ok_or_else(|| {
            format!("--service {s:?}: not one of the nine services of the schema")
        })?;
        if !out.services.contains(&service) {
            out.services.push(service);
        }
    }
    for n in needs {
        let need = Need::from_id(n).ok_or_else(|| {
            let ids: Vec<&str> = Need::ALL.iter().map(|n| n.id()).collect();
            format!("--need {n}: unknown (known: {})", ids.join(", "))
        })?;
        if !out.needs.contains(&need) {
            out.needs.push(need);
        }
    }
    Ok(out)
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The file, as given.
    pub file: String,
    /// Format read (`csv ;`, `json`…).
    pub format: String,
    /// Rows of data.
    pub rows: usize,
    /// Places imported.
    pub imported: usize,
    /// Rows not taken.
    pub rejected: usize,
    /// Values dropped from rows taken.
    pub dropped: usize,
    /// Places of the import replaced.
    pub previous: usize,
    /// One `file:line: field: problem` line per row not taken or value dropped.
    pub problems: Vec<String>,
}

/// Reads a file of the national schema. `Err` (a message, every line of it
/// `file:line: …`) when nothing could be read.
pub fn read_file(path: &Path) -> Result<(ReadReport, String), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let report = read(&bytes).map_err(|e| e.render(&name))?;
    if report.places.is_empty() {
        let mut lines: Vec<String> = report.problems.iter().map(|p| p.render(&name)).collect();
        lines.push(format!(
            "{name}: no place could be read ({} rows)",
            report.rows
        ));
        return Err(lines.join("\n"));
    }
    Ok((report, name))
}

/// Imports the national file at `path` into `store`, replacing the previous
/// import. `Err` (a message) when nothing could be read: the store is then
/// unchanged.
pub fn import(store: &dyn Store, path: &Path) -> Result<Result<ImportReport, String>, StoreError> {
    let (report, name) = match read_file(path) {
        Ok(r) => r,
        Err(message) => return Ok(Err(message)),
    };
    let previous = store.replace_places(&report.places)?;
    store.flush()?;
    let dropped = report.problems.iter().filter(|p| p.kept).count();
    tracing::info!(
        places = report.places.len(),
        rejected = report.rejected(),
        previous,
        "mediation places imported"
    );
    Ok(Ok(ImportReport {
        file: name.clone(),
        format: report.format.clone(),
        rows: report.rows,
        imported: report.places.len(),
        rejected: report.rejected(),
        dropped,
        previous,
        problems: report.problems.iter().map(|p| p.render(&name)).collect(),
    }))
}

/// Checks a location as typed (the command line, `/admin`): French messages.
pub fn check_location(
    code_insee: Option<&str>,
    code_postal: Option<&str>,
    latitude: f64,
    longitude: f64,
) -> Result<Location, String> {
    if Point::new(latitude, longitude).is_none() {
        return Err(
            "Latitude entre −90 et 90, longitude entre −180 et 180 (degrés décimaux, par exemple 46.17 et 1.87)."
                .into(),
        );
    }
    let clean = |v: Option<&str>| v.map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty());
    let code_insee = clean(code_insee);
    if let Some(c) = &code_insee {
        let b = c.as_bytes();
        let ok = b.len() == 5
            && (b[0].is_ascii_digit() || (b[0] == b'2' && matches!(b[1], b'A' | b'B')))
            && (b[1].is_ascii_digit() || matches!(b[1], b'A' | b'B'))
            && b[2..].iter().all(u8::is_ascii_digit)
            && !c.starts_with("20");
        if !ok {
            return Err(format!(
                "« {c} » n'est pas un code INSEE de commune (5 caractères, par exemple 23096 ou 2A004)."
            ));
        }
    }
    let code_postal = clean(code_postal);
    if let Some(c) = &code_postal {
        if c.len() != 5 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("« {c} » n'est pas un code postal (5 chiffres)."));
        }
    }
    Ok(Location {
        code_insee,
        code_postal,
        latitude,
        longitude,
    })
}

/// Sets a structure's location.
pub fn set_location(
    store: &dyn Store,
    structure: u64,
    location: Location,
) -> Result<StructurePlaces, StoreError> {
    let mut sp = store.structure_places(structure)?;
    sp.location = Some(location);
    store.put_structure_places(&sp)?;
    Ok(sp)
}

/// Replaces a structure's own places by those of a file of the national schema
/// (`relation`: how they all relate to the structure). `Err` when nothing could be
/// read.
pub fn set_local_places(
    store: &dyn Store,
    structure: u64,
    path: &Path,
    relation: Relation,
) -> Result<Result<ImportReport, String>, StoreError> {
    let (report, name) = match read_file(path) {
        Ok(r) => r,
        Err(message) => return Ok(Err(message)),
    };
    let mut sp = store.structure_places(structure)?;
    let previous = sp.local.len();
    sp.local = report
        .places
        .iter()
        .map(|p| LocalPlace {
            relation,
            place: p.clone(),
        })
        .collect();
    store.put_structure_places(&sp)?;
    Ok(Ok(ImportReport {
        file: name.clone(),
        format: report.format.clone(),
        rows: report.rows,
        imported: report.places.len(),
        rejected: report.rejected(),
        dropped: report.problems.iter().filter(|p| p.kept).count(),
        previous,
        problems: report.problems.iter().map(|p| p.render(&name)).collect(),
    }))
}

/// Marks a place of the national file for a structure (`None`: removes the mark).
/// The place need not be in the current import: marks survive imports.
pub fn mark(
    store: &dyn Store,
    structure: u64,
    place: &str,
    relation: Option<Relation>,
) -> Result<StructurePlaces, StoreError> {
    let mut sp = store.structure_places(structure)?;
    sp.marks.retain(|m| m.id != place);
    if let Some(r) = relation.filter(|r| *r != Relation::None) {
        sp.marks.push(PlaceMark {
            id: place.to_string(),
            relation: r,
        });
    }
    store.put_structure_places(&sp)?;
    Ok(sp)
}
