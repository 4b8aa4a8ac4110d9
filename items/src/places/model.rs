//! A mediation place as Repère keeps it, and the closed lists of the national
//! schema.
//!
//! Field names are the schema's (`nom`, `adresse`, `code_postal`…): one name for
//! one thing, from the published file to the JSON the screens read. Closed lists
//! are enums whose serde names are the schema's exact strings. Reading a published
//! file goes through [`Service::read`] and its siblings, which accept what real
//! exports hold: other case, missing accents, the long wording (« Gratuit : Je
//! peux accéder gratuitement au lieu et à ses services »), old spellings
//! (`Illetrisme`, `France Service`).
//!
//! Personal data: the schema's `courriels` may hold a person's address. Repère
//! does not keep it; it shows what a place publishes for the public (phone, web
//! site, booking link).

use serde::{Deserialize, Serialize};

use crate::text::fold_accents;

/// A value as compared when reading: the part before a `:` (long wordings),
/// accents folded, lower case, typographic apostrophes made plain, runs of spaces
/// made one, trimmed.
pub fn fold(value: &str) -> String {
    let short = value.split(':').next().unwrap_or(value);
    let folded = fold_accents(short).to_lowercase().replace(['’', '`'], "'");
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a value of a closed list: exact schema string, folded, or an alias
/// (folded forms, tried as exact matches, then as a prefix of the value).
fn read_folded<T: Copy>(value: &str, table: &[(&str, T)]) -> Option<T> {
    let f = fold(value);
    if f.is_empty() {
        return None;
    }
    table
        .iter()
        .find(|(alias, _)| *alias == f)
        .or_else(|| {
            table
                .iter()
                .find(|(alias, _)| f.starts_with(alias) && alias.len() >= 6)
        })
        .map(|(_, v)| *v)
}

/// A value of a closed list of the schema, written as its exact string.
pub trait Label: Sized + Copy + 'static {
    /// Every value.
    const ALL_VALUES: &'static [Self];
    /// The schema's string.
    fn label(self) -> &'static str;
    /// The value of a schema's exact string.
    fn from_label(label: &str) -> Option<Self> {
        Self::ALL_VALUES
            .iter()
            .copied()
            .find(|v| v.label() == label)
    }
}

/// Lists of a closed list as JSON arrays of the schema's strings, read through a
/// list of strings (one decoder for every list: the app's code stays small); a
/// string this version does not know is left out.
pub mod labels {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Label;

    /// Writes the strings.
    pub fn serialize<S: Serializer, T: Label>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|v| v.label()))
    }

    /// Reads the strings.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Label>(d: D) -> Result<Vec<T>, D::Error> {
        let strings = Vec::<String>::deserialize(d)?;
        Ok(strings.iter().filter_map(|s| T::from_label(s)).collect())
    }
}

/// The nine `services` of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Service {
    /// Aide aux démarches administratives.
    #[serde(rename = "Aide aux démarches administratives")]
    Demarches,
    /// Maîtrise des outils numériques du quotidien.
    #[serde(rename = "Maîtrise des outils numériques du quotidien")]
    OutilsDuQuotidien,
    /// Insertion professionnelle via le numérique.
    #[serde(rename = "Insertion professionnelle via le numérique")]
    InsertionProfessionnelle,
    /// Utilisation sécurisée du numérique.
    #[serde(rename = "Utilisation sécurisée du numérique")]
    UtilisationSecurisee,
    /// Parentalité et éducation avec le numérique.
    #[serde(rename = "Parentalité et éducation avec le numérique")]
    Parentalite,
    /// Loisirs et créations numériques.
    #[serde(rename = "Loisirs et créations numériques")]
    Loisirs,
    /// Compréhension du monde numérique.
    #[serde(rename = "Compréhension du monde numérique")]
    ComprehensionDuMonde,
    /// Accès internet et matériel informatique.
    #[serde(rename = "Accès internet et matériel informatique")]
    AccesInternet,
    /// Acquisition de matériel informatique à prix solidaire.
    #[serde(rename = "Acquisition de matériel informatique à prix solidaire")]
    MaterielSolidaire,
}

impl Label for Service {
    const ALL_VALUES: &'static [Service] = &Service::ALL;
    fn label(self) -> &'static str {
        Service::label(self)
    }
}

impl Service {
    /// The nine, in the schema's order.
    pub const ALL: [Service; 9] = [
        Service::Demarches,
        Service::OutilsDuQuotidien,
        Service::InsertionProfessionnelle,
        Service::UtilisationSecurisee,
        Service::Parentalite,
        Service::Loisirs,
        Service::ComprehensionDuMonde,
        Service::AccesInternet,
        Service::MaterielSolidaire,
    ];

    /// The schema's string.
    pub fn label(self) -> &'static str {
        match self {
            Service::Demarches => "Aide aux démarches administratives",
            Service::OutilsDuQuotidien => "Maîtrise des outils numériques du quotidien",
            Service::InsertionProfessionnelle => "Insertion professionnelle via le numérique",
            Service::UtilisationSecurisee => "Utilisation sécurisée du numérique",
            Service::Parentalite => "Parentalité et éducation avec le numérique",
            Service::Loisirs => "Loisirs et créations numériques",
            Service::ComprehensionDuMonde => "Compréhension du monde numérique",
            Service::AccesInternet => "Accès internet et matériel informatique",
            Service::MaterielSolidaire => "Acquisition de matériel informatique à prix solidaire",
        }
    }

    /// The schema's exact string (the référentiel and the command line use it).
    pub fn from_label(label: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.label() == label)
    }

    /// A value of a published file, read leniently: the schema's string in any
    /// case and with or without accents, or the wording of older exports (schema
    /// before 1.0: « Réaliser des démarches administratives avec un
    /// accompagnement », « Accéder à une connexion internet »…).
    pub fn read(value: &str) -> Option<Service> {
        const OLD: [(&str, Service); 15] = [
            (
                "realiser des demarches administratives avec un accompagnement",
                Service::Demarches,
            ),
            (
                "devenir autonome dans les demarches administratives",
                Service::Demarches,
            ),
            ("accompagner les demarches de sante", Service::Demarches),
            (
                "prendre en main un smartphone ou une tablette",
                Service::OutilsDuQuotidien,
            ),
            ("prendre en main un ordinateur", Service::OutilsDuQuotidien),
            (
                "utiliser le numerique au quotidien",
                Service::OutilsDuQuotidien,
            ),
            (
                "favoriser mon insertion professionnelle",
                Service::InsertionProfessionnelle,
            ),
            (
                "creer et developper mon entreprise",
                Service::InsertionProfessionnelle,
            ),
            (
                "soutenir la parentalite et l'education avec le numerique",
                Service::Parentalite,
            ),
            ("creer avec le numerique", Service::Loisirs),
            (
                "approfondir ma culture numerique",
                Service::ComprehensionDuMonde,
            ),
            (
                "promouvoir la citoyennete numerique",
                Service::ComprehensionDuMonde,
            ),
            ("acceder a une connexion internet", Service::AccesInternet),
            ("acceder a du materiel", Service::AccesInternet),
            (
                "s'equiper en materiel informatique",
                Service::MaterielSolidaire,
            ),
        ];
        let f = fold(value);
        Service::ALL
            .into_iter()
            .find(|s| fold(s.label()) == f)
            .or_else(|| read_folded(value, &OLD))
    }
}

/// `modalites_accompagnement`: how a place accompanies people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Accompaniment {
    /// The person uses the place's equipment alone, help at hand.
    #[serde(rename = "En autonomie")]
    Autonomie,
    /// One mediator, one person.
    #[serde(rename = "Accompagnement individuel")]
    Individuel,
    /// A group workshop.
    #[serde(rename = "Dans un atelier collectif")]
    Atelier,
    /// By phone or video call.
    #[serde(rename = "À distance")]
    Distance,
}

impl Label for Accompaniment {
    const ALL_VALUES: &'static [Accompaniment] = &Accompaniment::ALL;
    fn label(self) -> &'static str {
        Accompaniment::label(self)
    }
    fn from_label(label: &str) -> Option<Self> {
        Accompaniment::from_label(label)
    }
}

impl Accompaniment {
    /// The four, in the schema's order.
    pub const ALL: [Accompaniment; 4] = [
        Accompaniment::Autonomie,
        Accompaniment::Individuel,
        Accompaniment::Atelier,
        Accompaniment::Distance,
    ];

    /// The schema's string (short form).
    pub fn label(self) -> &'static str {
        match self {
            Accompaniment::Autonomie => "En autonomie",
            Accompaniment::Individuel => "Accompagnement individuel",
            Accompaniment::Atelier => "Dans un atelier collectif",
            Accompaniment::Distance => "À distance",
        }
    }

    /// The schema's string (the short form, as the référentiel writes it; the
    /// long one of the file's description is read by [`Accompaniment::read`]).
    pub fn from_label(label: &str) -> Option<Accompaniment> {
        match label {
            "À distance (par téléphone ou en visioconférence)" => Some(Accompaniment::Distance),
            l => Accompaniment::ALL.into_iter().find(|a| a.label() == l),
        }
    }

    /// A value of a published file (long wordings and short forms accepted).
    pub fn read(value: &str) -> Option<Accompaniment> {
        const TABLE: [(&str, Accompaniment); 7] = [
            ("en autonomie", Accompaniment::Autonomie),
            ("autonomie", Accompaniment::Autonomie),
            ("accompagnement individuel", Accompaniment::Individuel),
            ("dans un atelier collectif", Accompaniment::Atelier),
            ("atelier collectif", Accompaniment::Atelier),
            ("a distance", Accompaniment::Distance),
            ("distance", Accompaniment::Distance),
        ];
        read_folded(value, &TABLE)
    }
}

/// `modalites_acces`: how to go to a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Access {
    /// Walk in.
    #[serde(rename = "Se présenter")]
    SePresenter,
    /// Call first.
    #[serde(rename = "Téléphoner")]
    Telephoner,
    /// Write an e-mail.
    #[serde(rename = "Contacter par mail")]
    Mail,
    /// Book online.
    #[serde(rename = "Prendre un RDV en ligne")]
    RdvEnLigne,
    /// The place does not receive the public.
    #[serde(rename = "Ce lieu n'accueille pas de public")]
    PasDePublic,
    /// A professional sends a prescription form.
    #[serde(rename = "Envoyer un mail avec une fiche de prescription")]
    Prescription,
}

impl Label for Access {
    const ALL_VALUES: &'static [Access] = &[
        Access::SePresenter,
        Access::Telephoner,
        Access::Mail,
        Access::RdvEnLigne,
        Access::PasDePublic,
        Access::Prescription,
    ];
    fn label(self) -> &'static str {
        match self {
            Access::SePresenter => "Se présenter",
            Access::Telephoner => "Téléphoner",
            Access::Mail => "Contacter par mail",
            Access::RdvEnLigne => "Prendre un RDV en ligne",
            Access::PasDePublic => "Ce lieu n'accueille pas de public",
            Access::Prescription => "Envoyer un mail avec une fiche de prescription",
        }
    }
}

impl Access {
    /// A value of a published file.
    pub fn read(value: &str) -> Option<Access> {
        const TABLE: [(&str, Access); 9] = [
            ("se presenter", Access::SePresenter),
            ("telephoner", Access::Telephoner),
            ("contacter par mail", Access::Mail),
            ("contacter par e-mail", Access::Mail),
            ("prendre un rdv en ligne", Access::RdvEnLigne),
            ("prendre rendez-vous en ligne", Access::RdvEnLigne),
            ("ce lieu n'accueille pas de public", Access::PasDePublic),
            (
                "envoyer un mail avec une fiche de prescription",
                Access::Prescription,
            ),
            ("fiche de prescription", Access::Prescription),
        ];
        read_folded(value, &TABLE)
    }
}

/// `frais_a_charge`: what it costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Fee {
    /// Free.
    #[serde(rename = "Gratuit")]
    Gratuit,
    /// Free under a condition (membership, social agreement, pass numérique…).
    #[serde(rename = "Gratuit sous condition")]
    SousCondition,
    /// Paid.
    #[serde(rename = "Payant")]
    Payant,
}

impl Label for Fee {
    const ALL_VALUES: &'static [Fee] = &[Fee::Gratuit, Fee::SousCondition, Fee::Payant];
    fn label(self) -> &'static str {
        match self {
            Fee::Gratuit => "Gratuit",
            Fee::SousCondition => "Gratuit sous condition",
            Fee::Payant => "Payant",
        }
    }
}

impl Fee {
    /// A value of a published file.
    pub fn read(value: &str) -> Option<Fee> {
        // "gratuit sous condition" before "gratuit": the exact match is tried
        // first, and the prefix rule then prefers the first alias that fits.
        const TABLE: [(&str, Fee); 4] = [
            ("gratuit sous condition", Fee::SousCondition),
            ("gratuit sous conditions", Fee::SousCondition),
            ("gratuit", Fee::Gratuit),
            ("payant", Fee::Payant),
        ];
        read_folded(value, &TABLE)
    }
}

/// `prise_en_charge_specifique`: publics a place is equipped for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Support {
    /// Deafness.
    #[serde(rename = "Surdité")]
    Surdite,
    /// Motor disabilities.
    #[serde(rename = "Handicaps moteurs")]
    HandicapsMoteurs,
    /// Mental disabilities.
    #[serde(rename = "Handicaps mentaux")]
    HandicapsMentaux,
    /// Illiteracy.
    #[serde(rename = "Illettrisme")]
    Illettrisme,
    /// Foreign languages: English.
    #[serde(rename = "Langues étrangères (anglais)")]
    LanguesAnglais,
    /// Foreign languages: others.
    #[serde(rename = "Langues étrangères (autres)")]
    LanguesAutres,
    /// Visual impairment.
    #[serde(rename = "Déficience visuelle")]
    DeficienceVisuelle,
}

impl Label for Support {
    const ALL_VALUES: &'static [Support] = &[
        Support::Surdite,
        Support::HandicapsMoteurs,
        Support::HandicapsMentaux,
        Support::Illettrisme,
        Support::LanguesAnglais,
        Support::LanguesAutres,
        Support::DeficienceVisuelle,
    ];
    fn label(self) -> &'static str {
        match self {
            Support::Surdite => "Surdité",
            Support::HandicapsMoteurs => "Handicaps moteurs",
            Support::HandicapsMentaux => "Handicaps mentaux",
            Support::Illettrisme => "Illettrisme",
            Support::LanguesAnglais => "Langues étrangères (anglais)",
            Support::LanguesAutres => "Langues étrangères (autres)",
            Support::DeficienceVisuelle => "Déficience visuelle",
        }
    }
}

impl Support {
    /// A value of a published file (old spelling `Illetrisme` included).
    pub fn read(value: &str) -> Option<Support> {
        // The parenthesis of the two language values is what tells them apart:
        // compare on the folded value with it.
        let f = fold(value);
        if f.starts_with("langues etrangeres") || f.starts_with("langue etrangere") {
            return Some(if f.contains("anglais") {
                Support::LanguesAnglais
            } else {
                Support::LanguesAutres
            });
        }
        const TABLE: [(&str, Support); 9] = [
            ("surdite", Support::Surdite),
            ("handicaps moteurs", Support::HandicapsMoteurs),
            ("handicap moteur", Support::HandicapsMoteurs),
            ("handicaps mentaux", Support::HandicapsMentaux),
            ("handicap mental", Support::HandicapsMentaux),
            ("illettrisme", Support::Illettrisme),
            ("illetrisme", Support::Illettrisme),
            ("deficience visuelle", Support::DeficienceVisuelle),
            ("deficiences visuelles", Support::DeficienceVisuelle),
        ];
        read_folded(value, &TABLE)
    }
}

/// A specific need of a person, as the command line and the référentiel name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The person sees badly: places equipped for visual impairment.
    DeficienceVisuelle,
    /// The person reads with difficulty.
    Illettrisme,
    /// The person speaks another language.
    Langues,
    /// The person hears badly.
    Surdite,
    /// The person needs it free (or paid by a pass numérique).
    Gratuit,
}

impl Need {
    /// The five, in this order.
    pub const ALL: [Need; 5] = [
        Need::DeficienceVisuelle,
        Need::Illettrisme,
        Need::Langues,
        Need::Surdite,
        Need::Gratuit,
    ];

    /// The id (`deficience-visuelle`…).
    pub fn id(self) -> &'static str {
        match self {
            Need::DeficienceVisuelle => "deficience-visuelle",
            Need::Illettrisme => "illettrisme",
            Need::Langues => "langues",
            Need::Surdite => "surdite",
            Need::Gratuit => "gratuit",
        }
    }

    /// The need of an id.
    pub fn from_id(id: &str) -> Option<Need> {
        Need::ALL.into_iter().find(|n| n.id() == id)
    }
}

/// The national programmes (`dispositif_programmes_nationaux`) in their schema
/// spelling; a value read is mapped onto one of them when it folds to it.
pub const PROGRAMMES: [&str; 11] = [
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
];

/// A programme value of a published file, in the schema's spelling (singular and
/// plural, case and accents are forgiven); an unknown programme is kept as written.
pub fn read_programme(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    // As published, most values are the schema's own spelling.
    if let Some(p) = PROGRAMMES.iter().find(|p| **p == v) {
        return Some((*p).to_string());
    }
    let f = fold(v).replace('-', " ");
    let singular = |s: &str| {
        s.split(' ')
            .map(|w| w.strip_suffix('s').unwrap_or(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let f1 = singular(&f);
    PROGRAMMES
        .iter()
        .find(|p| {
            let pf = fold(p).replace('-', " ");
            pf == f || singular(&pf) == f1
        })
        .map(|p| (*p).to_string())
        .or_else(|| Some(v.to_string()))
}

/// A place of the national file (or a structure's own place), as kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The file's id (unique in the file).
    pub id: String,
    /// Name.
    pub nom: String,
    /// Street part of the address (may be empty when the file has none).
    #[serde(default)]
    pub adresse: String,
    /// Floor, building, lieu-dit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complement_adresse: Option<String>,
    /// Postcode, 5 digits (empty when the file has none or a wrong one).
    #[serde(default)]
    pub code_postal: String,
    /// Town.
    #[serde(default)]
    pub commune: String,
    /// INSEE code of the town.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_insee: Option<String>,
    /// WGS84 latitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Services offered (at least one).
    #[serde(with = "labels")]
    pub services: Vec<Service>,
    /// How people are accompanied (may be empty: not said).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "labels")]
    pub modalites_accompagnement: Vec<Accompaniment>,
    /// How to go there.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "labels")]
    pub modalites_acces: Vec<Access>,
    /// Cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "labels")]
    pub frais_a_charge: Vec<Fee>,
    /// Publics the place is equipped for.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "labels")]
    pub prise_en_charge_specifique: Vec<Support>,
    /// National programmes (France Services, Aidants Connect…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispositif_programmes_nationaux: Vec<String>,
    /// Kinds of organisation (CCAS, MUNI, BIB…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub typologie: Vec<String>,
    /// Phone, international form (`+33…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Web site (the first of the file's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_web: Option<String>,
    /// Opening hours as written in the file (OSM `opening_hours` syntax, or free
    /// text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horaires: Option<String>,
    /// Booking link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prise_rdv: Option<String>,
    /// Accessibility sheet (acceslibre).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiche_acces_libre: Option<String>,
    /// Short presentation (≤ 280 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation_resume: Option<String>,
    /// Last update, `YYYY-MM-DD` as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_maj: Option<String>,
}

impl Place {
    /// Its coordinates, when the file gave both.
    pub fn point(&self) -> Option<crate::places::Point> {
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => Some(crate::places::Point { lat, lon }),
            _ => None,
        }
    }

    /// Whether the place says it receives no public (and no other way in).
    pub fn closed_to_public(&self) -> bool {
        self.modalites_acces.contains(&Access::PasDePublic)
            && !self.modalites_acces.iter().any(|a| {
                matches!(
                    a,
                    Access::SePresenter | Access::Telephoner | Access::RdvEnLigne
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_leniently() {
        assert_eq!(
            Service::read("aide aux demarches administratives"),
            Some(Service::Demarches)
        );
        assert_eq!(
            Service::read("  MAÎTRISE des outils numériques  du quotidien "),
            Some(Service::OutilsDuQuotidien)
        );
        assert_eq!(
            Service::read("Accéder à une connexion internet"),
            Some(Service::AccesInternet)
        );
        assert_eq!(Service::read("Cuisine"), None);
        assert_eq!(
            Fee::read("Gratuit : Je peux accéder gratuitement au lieu et à ses services"),
            Some(Fee::Gratuit)
        );
        assert_eq!(
            Fee::read("Gratuit sous condition : l'adhésion ou le pass numérique"),
            Some(Fee::SousCondition)
        );
        assert_eq!(
            Accompaniment::read(
                "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique"
            ),
            Some(Accompaniment::Atelier)
        );
        assert_eq!(
            Accompaniment::read("À distance (par téléphone ou en visioconférence)"),
            Some(Accompaniment::Distance)
        );
        assert_eq!(Support::read("Illetrisme"), Some(Support::Illettrisme));
        assert_eq!(
            Support::read("Langues étrangères (anglais)"),
            Some(Support::LanguesAnglais)
        );
        assert_eq!(
            Support::read("langues etrangeres (autres)"),
            Some(Support::LanguesAutres)
        );
        assert_eq!(
            Access::read("Prendre un RDV en ligne"),
            Some(Access::RdvEnLigne)
        );
        assert_eq!(
            read_programme("France Service").as_deref(),
            Some("France Services")
        );
        assert_eq!(
            read_programme("aidants connect").as_deref(),
            Some("Aidants Connect")
        );
        assert_eq!(
            read_programme("Réseau local").as_deref(),
            Some("Réseau local")
        );
    }

    #[test]
    fn labels_are_the_serde_names() {
        fn check<T: Label + Serialize + PartialEq + std::fmt::Debug>() {
            for v in T::ALL_VALUES {
                let json = serde_json::to_string(v).expect("json");
                assert_eq!(json, format!("\"{}\"", v.label()));
                assert_eq!(T::from_label(v.label()), Some(*v));
            }
        }
        check::<Service>();
        check::<Accompaniment>();
        check::<Access>();
        check::<Fee>();
        check::<Support>();
        assert_eq!(
            Accompaniment::from_label("À distance (par téléphone ou en visioconférence)"),
            Some(Accompaniment::Distance)
        );
    }

    #[test]
    fn serde_names_are_the_schema_strings() {
        for s in Service::ALL {
            let json = serde_json::to_string(&s).expect("json");
            assert_eq!(json, format!("\"{}\"", s.label()));
            assert_eq!(Service::from_label(s.label()), Some(s));
            assert_eq!(Service::read(s.label()), Some(s));
        }
        for a in Accompaniment::ALL {
            let json = serde_json::to_string(&a).expect("json");
            assert_eq!(json, format!("\"{}\"", a.label()));
        }
        assert_eq!(
            serde_json::to_string(&Need::DeficienceVisuelle).expect("json"),
            "\"deficience-visuelle\""
        );
        for n in Need::ALL {
            assert_eq!(Need::from_id(n.id()), Some(n));
        }
    }
}
