//! From a person's needs and position to the nearest suitable places.
//!
//! A place is **suitable** ([`Needs::accepts`]) when it receives the public, offers
//! every needed service, accompanies people in one of the needed ways (a place
//! that does not say how it accompanies is not excluded: the field is optional
//! and often empty), and meets every specific need (visual impairment,
//! illiteracy, languages, deafness: the place must list it; free: `Gratuit` or
//! `Gratuit sous condition`, which covers the pass numérique).
//!
//! Suitable places are **ordered** by, in turn:
//! 1. their relation to the structure the person is in: the same building first,
//!    then the structure's partners ([`Relation`]);
//! 2. the programmes the needs prefer: for help with démarches, France Services
//!    and Aidants Connect places before the others;
//! 3. the distance from the person ([`haversine_km`] on WGS84 coordinates); a
//!    place without coordinates is placed at the centre of its town (the mean of
//!    the places of the same INSEE code, else postcode, that have coordinates) and
//!    its distance is flagged approximate; a place of the person's own town (INSEE
//!    code or postcode) whose position is unknown counts [`SAME_TOWN_KM`]; any
//!    other place without a position is left out;
//! 4. the id, so that equal keys give the same order every time.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::model::{Accompaniment, Fee, Need, Place, Service, Support, PROGRAMMES};

/// Mean radius of the Earth, km (IUGG): great-circle distances on the WGS84
/// coordinates are within 0.5 % of the ellipsoid's, plenty for "nearest".
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The distance given to a place of the person's own town whose position is
/// unknown (a town's typical radius).
pub const SAME_TOWN_KM: f64 = 5.0;

/// A point on the Earth, WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
}

impl Point {
    /// A point, if both values are finite and in range.
    pub fn new(lat: f64, lon: f64) -> Option<Point> {
        let ok = lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon);
        ok.then_some(Point { lat, lon })
    }
}

/// Great-circle distance between two points, km (haversine formula).
pub fn haversine_km(a: Point, b: Point) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Where the person is: a point, and their town when known (a place without
/// coordinates in the same town can still be suggested).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// Position.
    #[serde(default)]
    pub point: Option<Point>,
    /// INSEE code of the town.
    #[serde(default)]
    pub code_insee: Option<String>,
    /// Postcode.
    #[serde(default)]
    pub code_postal: Option<String>,
}

/// How a place relates to the structure the person is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// In the same building (a France Services inside the post office).
    SameBuilding,
    /// A partner the structure works with.
    Partner,
    /// No particular relation.
    #[default]
    None,
}

/// What a person needs from a place.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Needs {
    /// Ways of accompanying, any of which will do (none: any place).
    #[serde(default)]
    pub accompaniment: Vec<Accompaniment>,
    /// Services the place must all offer.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Specific needs the place must all meet.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Programmes whose places come first (schema spelling).
    #[serde(default)]
    pub programmes: Vec<String>,
}

impl Needs {
    /// The needs an orientation of the engine's profile describes: its
    /// `modalites`, `place_services`, `needs` and `programmes`.
    pub fn from_orientation(o: &repere_engine::profile::Orientation) -> Needs {
        Needs::from_parts(&o.modalites, &o.place_services, &o.needs, &o.programmes)
    }

    /// The needs of an orientation's lists (schema strings, need ids). Values this
    /// version does not know are left out (a profile computed by a newer
    /// référentiel still finds places).
    pub fn from_parts(
        modalites: &[String],
        services: &[String],
        needs: &[String],
        programmes: &[String],
    ) -> Needs {
        Needs {
            accompaniment: modalites
                .iter()
                .filter_map(|m| Accompaniment::from_label(m))
                .collect(),
            services: services
                .iter()
                .filter_map(|s| Service::from_label(s))
                .collect(),
            needs: needs.iter().filter_map(|n| Need::from_id(n)).collect(),
            programmes: programmes.to_vec(),
        }
    }

    /// Whether `place` is suitable (see the module documentation).
    pub fn accepts(&self, place: &Place) -> bool {
        self.accepts_traits(Traits::of(place, Relation::None))
    }

    /// Whether a place with these traits is suitable: the one rule of
    /// [`Needs::accepts`], on the traits the app receives.
    pub fn accepts_traits(&self, t: Traits) -> bool {
        if t.has(Traits::CLOSED) {
            return false;
        }
        let ways: u64 = self
            .accompaniment
            .iter()
            .map(|a| Traits::bit(Traits::ACCOMPANIMENT + *a as u32))
            .fold(0, |m, b| m | b);
        let said = t.0 & Traits::mask(Traits::ACCOMPANIMENT, 4);
        if ways != 0 && said != 0 && said & ways == 0 {
            return false;
        }
        self.services
            .iter()
            .all(|s| t.has(Traits::SERVICE + *s as u32))
            && self.needs.iter().all(|n| t.0 & Traits::need_mask(*n) != 0)
    }

    /// Whether a place with these traits is in one of the preferred programmes.
    pub fn prefers(&self, t: Traits) -> bool {
        self.programmes.iter().any(|p| {
            PROGRAMMES
                .iter()
                .position(|q| q == p)
                .is_some_and(|i| t.has(Traits::PROGRAMME + i as u32))
        })
    }
}

/// What the ranking needs to know of a place, in one number: its services, ways
/// of accompanying, specific publics, cost, whether it receives the public, its
/// programmes of the schema, and its relation to the structure. The server sends
/// it with each place a kiosk keeps, so the app ranks without the place's lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Traits(pub u64);

impl Traits {
    const SERVICE: u32 = 0;
    const ACCOMPANIMENT: u32 = 9;
    const SUPPORT: u32 = 13;
    const FEE: u32 = 20;
    const CLOSED: u32 = 23;
    const PROGRAMME: u32 = 24;
    const RELATION: u32 = 40;

    fn bit(n: u32) -> u64 {
        1u64 << n
    }

    fn mask(from: u32, count: u32) -> u64 {
        ((1u64 << count) - 1) << from
    }

    fn has(self, n: u32) -> bool {
        self.0 & Traits::bit(n) != 0
    }

    fn need_mask(n: Need) -> u64 {
        let support = |s: Support| Traits::bit(Traits::SUPPORT + s as u32);
        match n {
            Need::DeficienceVisuelle => support(Support::DeficienceVisuelle),
            Need::Illettrisme => support(Support::Illettrisme),
            Need::Langues => support(Support::LanguesAnglais) | support(Support::LanguesAutres),
            Need::Surdite => support(Support::Surdite),
            Need::Gratuit => {
                Traits::bit(Traits::FEE + Fee::Gratuit as u32)
                    | Traits::bit(Traits::FEE + Fee::SousCondition as u32)
            }
        }
    }

    /// The traits of `place`, with its relation to the structure.
    pub fn of(place: &Place, relation: Relation) -> Traits {
        let mut t = 0u64;
        for s in &place.services {
            t |= Traits::bit(Traits::SERVICE + *s as u32);
        }
        for a in &place.modalites_accompagnement {
            t |= Traits::bit(Traits::ACCOMPANIMENT + *a as u32);
        }
        for s in &place.prise_en_charge_specifique {
            t |= Traits::bit(Traits::SUPPORT + *s as u32);
        }
        for f in &place.frais_a_charge {
            t |= Traits::bit(Traits::FEE + *f as u32);
        }
        if place.closed_to_public() {
            t |= Traits::bit(Traits::CLOSED);
        }
        for p in &place.dispositif_programmes_nationaux {
            if let Some(i) = PROGRAMMES.iter().position(|q| q == p) {
                t |= Traits::bit(Traits::PROGRAMME + i as u32);
            }
        }
        t |= (relation as u64) << Traits::RELATION;
        Traits(t)
    }

    /// The relation to the structure.
    pub fn relation(self) -> Relation {
        match (self.0 >> Traits::RELATION) & 3 {
            0 => Relation::SameBuilding,
            1 => Relation::Partner,
            _ => Relation::None,
        }
    }
}

/// Something ranked: it names itself by an id (equal keys are ordered by id).
pub trait Ranked {
    /// The id.
    fn id(&self) -> &str;
}

impl Ranked for &Candidate {
    fn id(&self) -> &str {
        &self.place.id
    }
}

/// A place a kiosk keeps for offline use: its card, its traits and its distance
/// from the kiosk's structure, all computed by the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KioskPlace {
    /// What the screens show.
    pub card: super::text::Card,
    /// What the ranking needs (relation to the structure included).
    pub traits: Traits,
    /// Distance from the structure, km.
    pub km: f64,
}

impl Ranked for &KioskPlace {
    fn id(&self) -> &str {
        &self.card.id
    }
}

/// One of the best: the thing, its distance, and what placed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Best<T> {
    /// The thing ranked.
    pub item: T,
    /// Distance, km.
    pub km: f64,
    /// The distance is from a town's centre.
    pub approximate: bool,
    /// Relation to the structure.
    pub relation: Relation,
    /// In a preferred programme.
    pub programme: bool,
}

/// A place as the ranking sees it: the place, its relation to the structure, its
/// town's centre when it has no coordinates, and its opening hours in words when
/// the server has written them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The place.
    pub place: Place,
    /// Relation to the structure (set by the server for a structure's places).
    #[serde(default)]
    pub relation: Relation,
    /// Its town's centre, for a place without coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<Point>,
    /// Opening hours, one sentence per line, in plain French (or the raw text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horaires_fr: Vec<String>,
}

impl Candidate {
    /// A candidate with no relation, no centre, no hours in words.
    pub fn of(place: Place) -> Candidate {
        Candidate {
            place,
            relation: Relation::None,
            centre: None,
            horaires_fr: Vec::new(),
        }
    }

    /// Distance from `origin`, and whether it is approximate; `None` when it
    /// cannot be told (see the module documentation).
    pub fn distance_from(&self, origin: &Origin) -> Option<(f64, bool)> {
        if let Some(from) = origin.point {
            if let Some(p) = self.place.point() {
                return Some((haversine_km(from, p), false));
            }
            if let Some(c) = self.centre {
                return Some((haversine_km(from, c), true));
            }
        }
        let same =
            |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a == b && !a.is_empty());
        let same_town = self
            .place
            .code_insee
            .as_deref()
            .is_some_and(|c| same(&origin.code_insee, c))
            || same(&origin.code_postal, &self.place.code_postal);
        same_town.then_some((SAME_TOWN_KM, true))
    }
}

/// A suggested place, best first in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The file's id.
    pub id: String,
    /// Name.
    pub nom: String,
    /// Distance from the person, km.
    pub distance_km: f64,
    /// The distance is from the town's centre (the place has no coordinates).
    #[serde(default)]
    pub approximate: bool,
    /// Relation to the structure.
    #[serde(default)]
    pub relation: Relation,
    /// In one of the programmes the needs prefer.
    #[serde(default)]
    pub programme: bool,
    /// Opening hours in plain French, one line per rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horaires_fr: Vec<String>,
    /// The place.
    pub place: Place,
}

/// The `limit` best suitable places among `candidates` for `needs` from `origin`,
/// in the order of the module documentation. `relation` gives each candidate's
/// relation to the person's structure (the server passes the structure's marks).
pub fn rank<'a>(
    candidates: impl IntoIterator<Item = &'a Candidate>,
    origin: &Origin,
    needs: &Needs,
    relation: impl Fn(&Candidate) -> Relation,
    limit: usize,
) -> Vec<Suggestion> {
    rank_by(
        candidates,
        needs,
        |c| {
            let (km, approximate) = c.distance_from(origin)?;
            Some((Traits::of(&c.place, relation(c)), km, approximate))
        },
        limit,
    )
    .into_iter()
    .map(|b| Suggestion {
        id: b.item.place.id.clone(),
        nom: b.item.place.nom.clone(),
        distance_km: b.km,
        approximate: b.approximate,
        relation: b.relation,
        programme: b.programme,
        horaires_fr: b.item.horaires_fr.clone(),
        place: b.item.place.clone(),
    })
    .collect()
}

/// The `limit` best of `items` for `needs`, in the order of the module
/// documentation; `facts` gives each one's traits, distance and whether the
/// distance is approximate (`None`: left out). [`rank`] uses it on places; the
/// app on the places a kiosk keeps (their traits and distances computed by the
/// server).
pub fn rank_by<T: Ranked>(
    items: impl IntoIterator<Item = T>,
    needs: &Needs,
    facts: impl Fn(&T) -> Option<(Traits, f64, bool)>,
    limit: usize,
) -> Vec<Best<T>> {
    if limit == 0 {
        return Vec::new();
    }
    // The best `limit`, kept in order as they come (a few places: no sort, which
    // also keeps the app's code small).
    let before = |a: &Best<T>, b: &Best<T>| {
        a.relation
            .cmp(&b.relation)
            .then(b.programme.cmp(&a.programme))
            .then(a.km.partial_cmp(&b.km).unwrap_or(Ordering::Equal))
            .then_with(|| a.item.id().cmp(b.item.id()))
            == Ordering::Less
    };
    let mut best: Vec<Best<T>> = Vec::with_capacity(limit.min(64) + 1);
    for item in items {
        let Some((traits, km, approximate)) = facts(&item) else {
            continue;
        };
        if !needs.accepts_traits(traits) {
            continue;
        }
        let b = Best {
            item,
            km,
            approximate,
            relation: traits.relation(),
            programme: needs.prefers(traits),
        };
        if best.len() == limit && best.last().is_some_and(|last| !before(&b, last)) {
            continue;
        }
        let at = best
            .iter()
            .position(|x| before(&b, x))
            .unwrap_or(best.len());
        best.insert(at, b);
        best.truncate(limit);
    }
    best
}

/// The centre of each town: the mean position of the places of one key (INSEE
/// code or postcode) that have coordinates. `key` picks the key of a place.
pub fn town_centres<'a>(
    places: impl IntoIterator<Item = &'a Place>,
    key: impl Fn(&Place) -> Option<&str>,
) -> std::collections::HashMap<String, Point> {
    let mut sums: std::collections::HashMap<String, (f64, f64, f64, usize)> =
        std::collections::HashMap::new();
    for p in places {
        let (Some(k), Some(pt)) = (key(p), p.point()) else {
            continue;
        };
        if k.is_empty() {
            continue;
        }
        // Longitudes are averaged as unit vectors (towns never straddle the
        // antimeridian, but overseas places sit near it).
        let e = sums.entry(k.to_string()).or_insert((0.0, 0.0, 0.0, 0));
        let l = pt.lon.to_radians();
        e.0 += pt.lat;
        e.1 += l.cos();
        e.2 += l.sin();
        e.3 += 1;
    }
    sums.into_iter()
        .map(|(k, (lat, c, s, n))| {
            let n = n as f64;
            (
                k,
                Point {
                    lat: lat / n,
                    lon: s.atan2(c).to_degrees(),
                },
            )
        })
        .collect()
}

/// Gives every place without coordinates the centre of its town (INSEE code
/// first, then postcode), computed from `places` themselves.
pub fn with_town_centres(places: Vec<Place>) -> Vec<Candidate> {
    let by_insee = town_centres(&places, |p| p.code_insee.as_deref());
    let by_postcode = town_centres(&places, |p| Some(p.code_postal.as_str()));
    places
        .into_iter()
        .map(|place| {
            let centre = if place.point().is_some() {
                None
            } else {
                place
                    .code_insee
                    .as_ref()
                    .and_then(|c| by_insee.get(c))
                    .or_else(|| by_postcode.get(&place.code_postal))
                    .copied()
            };
            Candidate {
                centre,
                ..Candidate::of(place)
            }
        })
        .collect()
}

/// Where a postcode or INSEE code is, from the places: the centre of the places
/// of that code (INSEE first). `None` when no place of that code has coordinates.
pub fn locate_town(
    candidates: &[Candidate],
    code_insee: Option<&str>,
    code_postal: Option<&str>,
) -> Option<Point> {
    let places = candidates.iter().map(|c| &c.place);
    if let Some(code) = code_insee.filter(|c| !c.is_empty()) {
        let centres = town_centres(
            places
                .clone()
                .filter(|p| p.code_insee.as_deref() == Some(code)),
            |p| p.code_insee.as_deref(),
        );
        if let Some(p) = centres.get(code) {
            return Some(*p);
        }
    }
    let code = code_postal.filter(|c| !c.is_empty())?;
    let centres = town_centres(places.filter(|p| p.code_postal == code), |p| {
        Some(p.code_postal.as_str())
    });
    centres.get(code).copied()
}
