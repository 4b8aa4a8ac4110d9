//! The national file of mediation places: reading (both separators, JSON, broken
//! rows, long wordings, old spellings, a generated file of 50,000 rows) and the
//! choice of the nearest suitable places, against distances computed independently.

use repere_items::places::read::{read, read_csv, read_json, synthetic_csv, ReadError};
use repere_items::places::{
    haversine_km, rank, Access, Accompaniment, Candidate, Fee, Need, Needs, Origin, Place, Point,
    Relation, Service, Support,
};

const HEADER: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,telephone,horaires,services,prise_en_charge_specifique,frais_a_charge,dispositif_programmes_nationaux,modalites_acces,modalites_accompagnement,prise_rdv";

/// Nine rows: 1 good, 2 with values dropped but taken, 5 not taken, 1 with long
/// wordings and old spellings. Line numbers: header is line 1.
fn rows() -> Vec<&'static str> {
    vec![
        // line 2: good.
        r#"p1,12345678901234,Médiathèque des Tilleuls,Villefictive,99100,99101,1 place du Marché,46.51,2.5,01 23 45 67 89,"Mo-Fr 09:00-12:00,14:00-18:30","Maîtrise des outils numériques du quotidien;Aide aux démarches administratives",Déficience visuelle,Gratuit,France Services,Se présenter,"Accompagnement individuel;Dans un atelier collectif",https://rdv.exemple.fr/p1"#,
        // line 3: no id.
        r#",1,Sans identifiant,Villefictive,99100,,,46.5,2.5,,,Aide aux démarches administratives,,,,,,"#,
        // line 4: duplicate of line 2.
        r#"p1,1,Doublon,Villefictive,99100,,,46.5,2.5,,,Aide aux démarches administratives,,,,,,"#,
        // line 5: only unknown services.
        r#"p3,1,Cuisine partagée,Villefictive,99100,,,46.5,2.5,,,Cuisine;Jardinage,,,,,,"#,
        // line 6: no position at all.
        r#"p4,1,Nulle part,,,,,,,,,Aide aux démarches administratives,,,,,,"#,
        // line 7: bad latitude, but a postcode: taken without coordinates.
        r#"p5,1,Espace numérique du Bourg,Villefictive,1000,,,quatre-vingt,2.5,0612,,Loisirs et créations numériques,,,,,,"#,
        // line 8: one unknown service among known ones: taken, value reported.
        r#"p6,1,Tiers-lieu des Sources,Villefictive,99100,,,"46,53","2,46",,,"Compréhension du monde numérique|Astrologie",,,,,,"#,
        // line 9: long wordings, old spellings, `|` separators, old service names.
        r#"p7,1,Centre social des Aulnes,Villefictive,99100,99101,,46.47,2.46,+33 1 98 76 54 32,,"Réaliser des démarches administratives avec un accompagnement|Accéder à une connexion internet","Illetrisme|langues etrangeres (autres)","Gratuit sous condition : l'adhésion ou le pass numérique","France Service|aidants connect","Téléphoner|Prendre un RDV en ligne","Dans un atelier collectif : j'apprends collectivement à utiliser le numérique|À distance (par téléphone ou en visioconférence)",www.exemple.fr/rdv"#,
        // line 10: no name.
        r#"p8,1,,Villefictive,99100,,,46.5,2.5,,,Aide aux démarches administratives,,,,,,"#,
    ]
}

fn csv_with(sep: char) -> String {
    let mut out = String::new();
    for line in std::iter::once(HEADER).chain(rows()) {
        // Re-separate outside quotes.
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    out.push(c)
                }
                ',' if !quoted => out.push(sep),
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

fn check_rows(report: &repere_items::places::read::ReadReport) {
    assert_eq!(report.rows, 9);
    let ids: Vec<&str> = report.places.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p5", "p6", "p7"]);
    let problems: Vec<(usize, &str, bool)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str(), p.kept))
        .collect();
    assert_eq!(
        problems,
        [
            (3, "id", false),
            (4, "id", false),
            (5, "services", false),
            (6, "code_postal", false),
            (7, "latitude", true),
            (7, "telephone", true),
            (8, "services", true),
            (10, "nom", false),
        ],
        "{:#?}",
        report.problems
    );
    assert_eq!(report.rejected(), 5);
    assert!(
        report.problems[1].message.contains("first on line 2"),
        "{}",
        report.problems[1].message
    );
    assert_eq!(
        report.problems[0].render("lieux.csv"),
        "lieux.csv:3: id: missing: a place needs the file's id"
    );

    let p1 = &report.places[0];
    assert_eq!(p1.nom, "Médiathèque des Tilleuls");
    assert_eq!(p1.telephone.as_deref(), Some("+33123456789"));
    assert_eq!(
        p1.horaires.as_deref(),
        Some("Mo-Fr 09:00-12:00,14:00-18:30")
    );
    assert_eq!(
        p1.services,
        [Service::OutilsDuQuotidien, Service::Demarches]
    );
    assert_eq!(
        p1.modalites_accompagnement,
        [Accompaniment::Individuel, Accompaniment::Atelier]
    );
    assert_eq!(p1.prise_en_charge_specifique, [Support::DeficienceVisuelle]);
    assert_eq!(p1.dispositif_programmes_nationaux, ["France Services"]);
    assert_eq!(
        p1.point(),
        Some(Point {
            lat: 46.51,
            lon: 2.5
        })
    );

    // Taken without the coordinates that could not be read; the postcode lost
    // its leading zero in a spreadsheet.
    let p5 = &report.places[1];
    assert_eq!((p5.latitude, p5.longitude), (None, None));
    assert_eq!(p5.code_postal, "01000");
    assert_eq!(p5.telephone, None);

    // Decimal commas.
    let p6 = &report.places[2];
    assert_eq!(
        p6.point(),
        Some(Point {
            lat: 46.53,
            lon: 2.46
        })
    );
    assert_eq!(p6.services, [Service::ComprehensionDuMonde]);

    // Long wordings, old spellings, old separators.
    let p7 = &report.places[3];
    assert_eq!(p7.services, [Service::Demarches, Service::AccesInternet]);
    assert_eq!(
        p7.prise_en_charge_specifique,
        [Support::Illettrisme, Support::LanguesAutres]
    );
    assert_eq!(p7.frais_a_charge, [Fee::SousCondition]);
    assert_eq!(
        p7.dispositif_programmes_nationaux,
        ["France Services", "Aidants Connect"]
    );
    assert_eq!(p7.modalites_acces, [Access::Telephoner, Access::RdvEnLigne]);
    assert_eq!(
        p7.modalites_accompagnement,
        [Accompaniment::Atelier, Accompaniment::Distance]
    );
    assert_eq!(p7.telephone.as_deref(), Some("+33198765432"));
    assert_eq!(p7.prise_rdv.as_deref(), Some("https://www.exemple.fr/rdv"));
}

#[test]
fn a_comma_file_with_broken_rows_gives_the_good_ones_and_names_the_others() {
    let report = read_csv(&csv_with(',')).expect("readable");
    assert_eq!(report.format, "csv ,");
    check_rows(&report);
}

#[test]
fn a_semicolon_file_reads_the_same() {
    let text = csv_with(';');
    assert!(text.lines().next().is_some_and(|h| h.contains(";nom;")));
    let report = read(text.as_bytes()).expect("readable");
    assert_eq!(report.format, "csv ;");
    check_rows(&report);
    assert_eq!(
        report.places,
        read_csv(&csv_with(',')).expect("readable").places
    );
}

#[test]
fn headers_in_other_case_and_with_accents_and_a_bom() {
    let text = "\u{feff}ID;Nom;Code postal;Téléphone;Services\nx;Lieu X;23000;0555000000;aide aux demarches administratives\n";
    let report = read(text.as_bytes()).expect("readable");
    assert_eq!(report.places.len(), 1, "{:?}", report.problems);
    assert_eq!(report.places[0].code_postal, "23000");
    assert_eq!(report.places[0].telephone.as_deref(), Some("+33555000000"));
}

#[test]
fn a_spreadsheet_file_in_windows_1252_is_read() {
    // « Médiathèque » and « Maîtrise » in Windows-1252: é = 0xE9, î = 0xEE.
    let mut bytes = b"id,nom,code_postal,services\nw1,M\xe9diath\xe8que,23000,Ma\xeetrise des outils num\xe9riques du quotidien\n".to_vec();
    bytes.extend_from_slice(b"w2,L\x92Atelier,23000,Loisirs et cr\xe9ations num\xe9riques\n");
    let report = read(&bytes).expect("readable");
    assert_eq!(report.format, "csv ,, windows-1252");
    assert_eq!(report.places[0].nom, "Médiathèque");
    assert_eq!(report.places[1].nom, "L’Atelier");
    assert_eq!(report.places[0].services, [Service::OutilsDuQuotidien]);
}

#[test]
fn a_file_without_a_required_column_is_refused_whole() {
    let err = read_csv("id,nom,code_postal\na,b,23000\n").expect_err("no services column");
    assert_eq!(
        err,
        ReadError::MissingColumn {
            line: 1,
            column: "services"
        }
    );
    assert_eq!(
        err.render("x.csv"),
        "x.csv:1: services: missing column (the national schema's `services` is required)"
    );
    assert_eq!(read(b"  \n"), Err(ReadError::Empty));
}

#[test]
fn json_arrays_and_wrapped_exports_with_line_numbers() {
    let text = r#"[
  {"id": "j1", "nom": "Lieu J1", "code_postal": "23000", "latitude": 46.17, "longitude": 1.87,
   "services": ["Aide aux démarches administratives", "Loisirs et créations numériques"],
   "frais_a_charge": ["Gratuit"], "modalites_acces": "Se présenter;Téléphoner"},
  {"id": "j2", "nom": "", "code_postal": "23000", "services": ["Loisirs et créations numériques"]},
  "not an object",
  {"id": "j3", "nom": "Lieu J3", "code_insee": "2A004", "services": "Loisirs et créations numériques"}
]"#;
    let report = read_json(text).expect("readable");
    assert_eq!(report.rows, 4);
    let ids: Vec<&str> = report.places.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["j1", "j3"]);
    let problems: Vec<(usize, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(problems, [(5, "nom"), (6, "row")]);
    let j1 = &report.places[0];
    assert_eq!(
        j1.point(),
        Some(Point {
            lat: 46.17,
            lon: 1.87
        })
    );
    assert_eq!(j1.services, [Service::Demarches, Service::Loisirs]);
    assert_eq!(
        j1.modalites_acces,
        [Access::SePresenter, Access::Telephoner]
    );
    assert_eq!(report.places[1].code_insee.as_deref(), Some("2A004"));

    let wrapped = format!(r#"{{"version": "1.0.2", "data": {text}}}"#);
    let again = read(wrapped.as_bytes()).expect("readable");
    assert_eq!(again.places, report.places);

    let err = read_json("[{\"id\": \"a\",}]").expect_err("bad JSON");
    assert!(matches!(err, ReadError::Json { line: 1, .. }), "{err:?}");
    assert_eq!(read_json(r#"{"a": 1}"#), Err(ReadError::NoArray));
}

#[test]
fn a_generated_file_of_fifty_thousand_rows_is_read_whole() {
    let text = synthetic_csv(50_000, 7);
    let report = read(text.as_bytes()).expect("readable");
    assert_eq!(report.rows, 50_000);
    assert!(report.problems.is_empty(), "{:?}", &report.problems[..3]);
    assert_eq!(report.places.len(), 50_000);
    let ids: std::collections::HashSet<&str> =
        report.places.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 50_000);
    assert!(report.places.iter().all(|p| p.point().is_some()
        && !p.services.is_empty()
        && p.horaires.as_deref() == Some("Mo-Fr 09:00-12:00,14:00-17:30")));
    // The same seed gives the same file.
    assert_eq!(synthetic_csv(200, 7), synthetic_csv(200, 7));
}

// ------------------------------------------------------------------ matching

/// The person's position and places around it; expected distances computed
/// independently (spherical Vincenty formula, same Earth radius 6371.0088 km,
/// Python `math`), to the nanometre.
const ORIGIN: Point = Point {
    lat: 46.5,
    lon: 2.5,
};
const EXPECTED_KM: [(&str, f64, f64, f64); 7] = [
    ("a", 46.51, 2.5, 1.111950802),
    ("b", 46.5, 2.53, 2.296249254),
    ("c", 46.47, 2.46, 4.528452174),
    ("d", 46.62, 2.41, 15.013214777),
    ("e", 46.3, 2.9, 37.886617013),
    ("f", 48.8566, 2.3522, 262.275698705),
    ("g", -21.115, 55.536, 9210.271850735),
];

fn place(id: &str, lat: f64, lon: f64, services: &[Service]) -> Place {
    Place {
        id: id.into(),
        nom: format!("Lieu {id}"),
        adresse: String::new(),
        code_postal: "99100".into(),
        commune: "Villefictive".into(),
        code_insee: Some("99101".into()),
        latitude: Some(lat),
        longitude: Some(lon),
        services: services.to_vec(),
        modalites_acces: vec![Access::SePresenter],
        ..Place::default()
    }
}

#[test]
fn haversine_agrees_with_an_independent_computation() {
    for (id, lat, lon, km) in EXPECTED_KM {
        let d = haversine_km(ORIGIN, Point { lat, lon });
        assert!((d - km).abs() < 1e-6, "{id}: {d} vs {km}");
        // Symmetric.
        assert!((haversine_km(Point { lat, lon }, ORIGIN) - d).abs() < 1e-9);
    }
    assert_eq!(haversine_km(ORIGIN, ORIGIN), 0.0);
}

#[test]
fn the_three_nearest_that_offer_what_is_needed_in_distance_order() {
    let mut places: Vec<Candidate> = EXPECTED_KM
        .iter()
        .map(|(id, lat, lon, _)| Candidate::of(place(id, *lat, *lon, &[Service::Demarches])))
        .collect();
    // The nearest one does not offer the service.
    places[0].place.services = vec![Service::Loisirs];
    let origin = Origin {
        point: Some(ORIGIN),
        ..Origin::default()
    };
    let needs = Needs {
        services: vec![Service::Demarches],
        ..Needs::default()
    };
    let got = rank(&places, &origin, &needs, |c| c.relation, 3);
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["b", "c", "d"]);
    for s in &got {
        let (_, _, _, km) = EXPECTED_KM
            .iter()
            .find(|(id, ..)| *id == s.id)
            .expect("known");
        assert!((s.distance_km - km).abs() < 1e-6);
        assert!(!s.approximate);
    }
    // Limits and an empty result.
    assert_eq!(rank(&places, &origin, &needs, |c| c.relation, 10).len(), 6);
    assert!(rank(&places, &origin, &needs, |c| c.relation, 0).is_empty());
    let nobody = Needs {
        services: vec![Service::MaterielSolidaire],
        ..Needs::default()
    };
    assert!(rank(&places, &origin, &nobody, |c| c.relation, 3).is_empty());
}

#[test]
fn specific_needs_modes_programmes_and_relations_order_the_places() {
    let mut near = place("near", 46.51, 2.5, &[Service::Demarches]);
    near.modalites_accompagnement = vec![Accompaniment::Atelier];
    let mut sight = place("sight", 46.62, 2.41, &[Service::Demarches]);
    sight.prise_en_charge_specifique = vec![Support::DeficienceVisuelle];
    let mut fs = place("fs", 46.3, 2.9, &[Service::Demarches]);
    fs.dispositif_programmes_nationaux = vec!["France Services".into()];
    let mut closed = place("closed", 46.5, 2.5001, &[Service::Demarches]);
    closed.modalites_acces = vec![Access::PasDePublic];
    let mut paying = place("paying", 46.5, 2.53, &[Service::Demarches]);
    paying.frais_a_charge = vec![Fee::Payant];
    let candidates: Vec<Candidate> = [near, sight, fs, closed, paying]
        .into_iter()
        .map(Candidate::of)
        .collect();
    let origin = Origin {
        point: Some(ORIGIN),
        ..Origin::default()
    };
    let ids = |needs: &Needs, rel: &dyn Fn(&Candidate) -> Relation| -> Vec<String> {
        rank(&candidates, &origin, needs, rel, 5)
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    let none = |_: &Candidate| Relation::None;
    // Distance only; the place closed to the public is never suggested.
    assert_eq!(
        ids(&Needs::default(), &none),
        ["near", "paying", "sight", "fs"]
    );
    // « Je vois mal »: only the place equipped for visual impairment.
    let sight_needs = Needs {
        needs: vec![Need::DeficienceVisuelle],
        ..Needs::default()
    };
    assert_eq!(ids(&sight_needs, &none), ["sight"]);
    // Individual help: a place that only runs workshops is out; one that does
    // not say is kept.
    let individual = Needs {
        accompaniment: vec![Accompaniment::Individuel],
        ..Needs::default()
    };
    assert_eq!(ids(&individual, &none), ["paying", "sight", "fs"]);
    // Free: the paying place is out, and so are places that do not say.
    let free = Needs {
        needs: vec![Need::Gratuit],
        ..Needs::default()
    };
    assert!(ids(&free, &none).is_empty());
    // Démarches: France Services first, however far.
    let demarches = Needs {
        services: vec![Service::Demarches],
        programmes: vec!["France Services".into(), "Aidants Connect".into()],
        ..Needs::default()
    };
    assert_eq!(ids(&demarches, &none), ["fs", "near", "paying", "sight"]);
    // The structure's own building, then its partners, before the programme.
    let marks = |c: &Candidate| match c.place.id.as_str() {
        "sight" => Relation::SameBuilding,
        "paying" => Relation::Partner,
        _ => Relation::None,
    };
    assert_eq!(ids(&demarches, &marks), ["sight", "paying", "fs", "near"]);
}

#[test]
fn places_without_coordinates_are_placed_in_their_town() {
    let with = place("with", 46.51, 2.5, &[Service::Loisirs]);
    let mut without = place("without", 0.0, 0.0, &[Service::Loisirs]);
    without.latitude = None;
    without.longitude = None;
    let mut elsewhere = without.clone();
    elsewhere.id = "elsewhere".into();
    elsewhere.code_insee = Some("98000".into());
    elsewhere.code_postal = "98000".into();
    let candidates =
        repere_items::places::matching::with_town_centres(vec![with, without, elsewhere]);
    assert_eq!(
        candidates[1].centre,
        Some(Point {
            lat: 46.51,
            lon: 2.5
        })
    );
    assert_eq!(candidates[2].centre, None);
    let origin = Origin {
        point: Some(ORIGIN),
        ..Origin::default()
    };
    let got = rank(&candidates, &origin, &Needs::default(), |c| c.relation, 5);
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    // `elsewhere` has no position and is not in the person's town: left out.
    assert_eq!(ids, ["with", "without"]);
    assert!(got[1].approximate);
    assert!((got[1].distance_km - 1.111950802).abs() < 1e-6);
    // A person known by their town only finds the places of that town.
    let by_town = Origin {
        point: None,
        code_insee: Some("98000".into()),
        code_postal: None,
    };
    let got = rank(&candidates, &by_town, &Needs::default(), |c| c.relation, 5);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, "elsewhere");
    assert_eq!(
        got[0].distance_km,
        repere_items::places::matching::SAME_TOWN_KM
    );
}

#[test]
fn a_kiosk_ranks_its_kept_places_as_the_server_does() {
    use repere_items::places::{rank_by, Card, CardStyle, KioskPlace, Traits};
    let mut near = place("near", 46.51, 2.5, &[Service::Demarches, Service::Loisirs]);
    near.modalites_accompagnement = vec![Accompaniment::Atelier];
    let mut sight = place("sight", 46.62, 2.41, &[Service::Demarches]);
    sight.prise_en_charge_specifique = vec![Support::DeficienceVisuelle];
    sight.frais_a_charge = vec![Fee::SousCondition];
    let mut fs = place("fs", 46.3, 2.9, &[Service::Demarches]);
    fs.dispositif_programmes_nationaux = vec!["France Services".into()];
    let mut closed = place("closed", 46.5, 2.5001, &[Service::Demarches]);
    closed.modalites_acces = vec![Access::PasDePublic];
    let candidates: Vec<Candidate> = [near, sight, fs, closed]
        .into_iter()
        .map(Candidate::of)
        .collect();
    let origin = Origin {
        point: Some(ORIGIN),
        ..Origin::default()
    };
    let marks = |c: &Candidate| {
        if c.place.id == "sight" {
            Relation::Partner
        } else {
            Relation::None
        }
    };
    // What the server sends a kiosk: every place, with its traits and distance.
    let kept: Vec<KioskPlace> = rank(&candidates, &origin, &Needs::default(), marks, 10)
        .iter()
        .map(|s| KioskPlace {
            card: Card::of(s, CardStyle::Kiosk),
            traits: Traits::of(&s.place, s.relation),
            km: s.distance_km,
        })
        .collect();
    assert_eq!(kept.len(), 3, "the place closed to the public is not kept");
    for needs in [
        Needs::default(),
        Needs {
            needs: vec![Need::DeficienceVisuelle],
            ..Needs::default()
        },
        Needs {
            needs: vec![Need::Gratuit],
            ..Needs::default()
        },
        Needs {
            accompaniment: vec![Accompaniment::Individuel],
            ..Needs::default()
        },
        Needs {
            services: vec![Service::Demarches],
            programmes: vec!["France Services".into()],
            ..Needs::default()
        },
        Needs {
            services: vec![Service::Loisirs],
            ..Needs::default()
        },
    ] {
        let server: Vec<String> = rank(&candidates, &origin, &needs, marks, 3)
            .into_iter()
            .map(|s| s.id)
            .collect();
        let kiosk: Vec<String> = rank_by(&kept, &needs, |k| Some((k.traits, k.km, false)), 3)
            .into_iter()
            .map(|b| b.item.card.id.clone())
            .collect();
        assert_eq!(kiosk, server, "{needs:?}");
    }
    // A round trip through JSON keeps the traits.
    let json = serde_json::to_string(&kept).expect("json");
    let back: Vec<KioskPlace> = serde_json::from_str(&json).expect("back");
    assert_eq!(back, kept);
    assert_eq!(kept[0].traits.relation(), Relation::Partner);
}
