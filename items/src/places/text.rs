//! The words screens and sheets show about a suggested place, in plain French:
//! the same on the agent's screen, the printed sheet, the kiosk and read aloud.

use super::matching::{Relation, Suggestion};
use super::model::{Access, Fee, Place};

/// A distance as people say it: « 350 m » below 1 km (to the nearest 50 m),
/// « 1,2 km » below 10 km, « 12 km » beyond. A no-break space before the unit.
pub fn distance(km: f64) -> String {
    if !km.is_finite() || km < 0.0 {
        return String::new();
    }
    if km < 0.975 {
        let m = ((km * 1000.0 / 50.0).round() * 50.0).max(50.0);
        format!("{m:.0}\u{a0}m")
    } else if km < 9.95 {
        format!("{:.1}\u{a0}km", km).replace('.', ",")
    } else {
        format!("{km:.0}\u{a0}km")
    }
}

/// « à 1,2 km », or « à environ 5 km » when the distance is from the town's
/// centre.
pub fn distance_phrase(s: &Suggestion) -> String {
    let d = distance(s.distance_km);
    if s.approximate {
        format!("à environ {d}")
    } else {
        format!("à {d}")
    }
}

/// A phone number as written in France: `+33123456789` → « 01 23 45 67 89 ».
/// Overseas and foreign numbers keep their international form, grouped.
pub fn phone(international: &str) -> String {
    let digits: String = international
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let national = match international.strip_prefix("+33") {
        Some(_) if digits.len() == 11 => Some(format!("0{}", &digits[2..])),
        _ => None,
    };
    match national {
        Some(n) => n
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\u{a0}"),
        None => international.to_string(),
    }
}

/// The address on one line: « 12 rue des Lilas, bâtiment B, 23000 Guéret ».
pub fn address(p: &Place) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !p.adresse.trim().is_empty() {
        parts.push(p.adresse.trim().to_string());
    }
    if let Some(c) = p.complement_adresse.as_deref().map(str::trim) {
        if !c.is_empty() {
            parts.push(c.to_string());
        }
    }
    let town = format!("{} {}", p.code_postal, p.commune);
    if !town.trim().is_empty() {
        parts.push(town.trim().to_string());
    }
    parts.join(", ")
}

/// How to go there, one short phrase per way the place accepts, in a fixed
/// order: walk in, call, book online, write.
pub fn how_to_go(p: &Place) -> Vec<&'static str> {
    let mut out = Vec::new();
    let has = |a: Access| p.modalites_acces.contains(&a);
    if has(Access::SePresenter) {
        out.push("Se présenter sur place, sans rendez-vous");
    }
    if has(Access::Telephoner) {
        out.push("Téléphoner pour prendre rendez-vous");
    }
    if has(Access::RdvEnLigne) || p.prise_rdv.is_some() {
        out.push("Prendre rendez-vous en ligne");
    }
    if has(Access::Mail) {
        out.push("Écrire un e-mail au lieu");
    }
    out
}

/// What it costs, in words; `None` when the place does not say.
pub fn cost(p: &Place) -> Option<&'static str> {
    let has = |f: Fee| p.frais_a_charge.contains(&f);
    if has(Fee::Gratuit) {
        Some("Gratuit")
    } else if has(Fee::SousCondition) {
        Some("Gratuit sous condition, par exemple avec un pass numérique")
    } else if has(Fee::Payant) {
        Some("Payant")
    } else {
        None
    }
}

/// Where the place stands for the person: « Dans ce bâtiment », « Partenaire de
/// votre structure », or nothing.
pub fn relation(r: Relation) -> Option<&'static str> {
    match r {
        Relation::SameBuilding => Some("Dans ce bâtiment"),
        Relation::Partner => Some("Un partenaire de notre structure"),
        Relation::None => None,
    }
}

/// The sentence an agent can say to the person about the first place.
pub fn agent_sentence(s: &Suggestion) -> String {
    let p = &s.place;
    let first = match s.relation {
        Relation::SameBuilding => format!("« {} » est dans ce bâtiment.", s.nom),
        _ => format!("Je vous conseille « {} », {}.", s.nom, distance_phrase(s)),
    };
    let then = if p.modalites_acces.contains(&Access::SePresenter) {
        "Vous pouvez y aller sans rendez-vous.".to_string()
    } else if let (true, Some(t)) = (
        p.modalites_acces.contains(&Access::Telephoner),
        p.telephone.as_deref(),
    ) {
        format!("Appelez le {} pour prendre rendez-vous.", phone(t))
    } else if p.prise_rdv.is_some() {
        "Prenez rendez-vous en ligne avec le code QR de la feuille.".to_string()
    } else {
        "Je vous donne la feuille avec l'adresse.".to_string()
    };
    let free = if cost(p) == Some("Gratuit") {
        " C'est gratuit."
    } else {
        ""
    };
    format!("{first} {then}{free}")
}

/// What the read-aloud button says about one place (`n`: its rank, from 1).
pub fn read_aloud(n: usize, s: &Suggestion) -> String {
    let p = &s.place;
    let mut parts = vec![format!("Lieu {n} : {}, {}.", s.nom, distance_phrase(s))];
    if let Some(r) = relation(s.relation) {
        parts.push(format!("{r}."));
    }
    parts.push(format!("Adresse : {}.", address(p)));
    for line in &s.horaires_fr {
        parts.push(line.clone());
    }
    if let Some(t) = p.telephone.as_deref() {
        parts.push(format!("Téléphone : {}.", phone(t)));
    }
    for h in how_to_go(p) {
        parts.push(format!("{h}."));
    }
    if let Some(c) = cost(p) {
        parts.push(format!("{c}."));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_as_people_say_them() {
        assert_eq!(distance(0.0), "50\u{a0}m");
        assert_eq!(distance(0.349), "350\u{a0}m");
        assert_eq!(distance(0.97), "950\u{a0}m");
        assert_eq!(distance(0.98), "1,0\u{a0}km");
        assert_eq!(distance(1.24), "1,2\u{a0}km");
        assert_eq!(distance(9.94), "9,9\u{a0}km");
        assert_eq!(distance(9.96), "10\u{a0}km");
        assert_eq!(distance(42.4), "42\u{a0}km");
        assert_eq!(distance(f64::NAN), "");
    }

    #[test]
    fn phones_as_written_in_france() {
        assert_eq!(phone("+33123456789"), "01\u{a0}23\u{a0}45\u{a0}67\u{a0}89");
        assert_eq!(phone("+590590123456"), "+590590123456");
    }
}
