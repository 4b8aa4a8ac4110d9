//! The words screens and sheets show about a suggested place, in plain French:
//! the same on the agent's screen, the printed sheet, the kiosk and read aloud.

use serde::{Deserialize, Serialize};

use super::matching::{Relation, Suggestion};
use super::model::{Access, Fee, Place};

/// A suggested place as screens show it: an HTML fragment with every word
/// written (what the app inserts: it decodes no place and formats nothing), and
/// what the read-aloud button says. The same on the kiosk, the self-test, the
/// agent's screen and their printed sheets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// The file's id.
    pub id: String,
    /// The card (`<article class="place-card">…`), text escaped.
    pub html: String,
    /// What the read-aloud button says about it (after « Lieu 1 : »).
    pub lecture: String,
}

/// Where a card is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardStyle {
    /// A kiosk: nothing to follow outside the test; the booking link's QR code
    /// shows, to scan with one's phone.
    Kiosk,
    /// A person's own device or the staff's: phone, booking and accessibility
    /// links to follow; the QR code and the addresses are printed only.
    Links,
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A web address a card may link to: `http(s)://`, else nothing.
fn web(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

impl Card {
    /// The card of a suggested place (the screens number the cards: an ordered
    /// list).
    pub fn of(s: &Suggestion, style: CardStyle) -> Card {
        Card {
            id: s.id.clone(),
            html: card_html(s, style),
            lecture: read_aloud(s),
        }
    }
}

/// The HTML of a card (see [`Card`]).
pub fn card_html(s: &Suggestion, style: CardStyle) -> String {
    let p = &s.place;
    let links = style == CardStyle::Links;
    let mut h = format!(
        "<article class=\"place-card\"><h3 class=\"place-name\">{}</h3><p class=\"place-where\"><strong>{}</strong>",
        esc(&s.nom),
        esc(&distance_phrase(s))
    );
    if let Some(r) = relation(s.relation) {
        h.push_str(&format!(" — {}", esc(r)));
    }
    h.push_str(&format!(
        "</p><p class=\"place-address\">{}</p>",
        esc(&address(p))
    ));
    let list = |h: &mut String, label: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        h.push_str(&format!(
            "<p class=\"place-label\">{}\u{a0}:</p><ul>",
            esc(label)
        ));
        for i in items {
            h.push_str(&format!("<li>{}</li>", esc(i)));
        }
        h.push_str("</ul>");
    };
    list(&mut h, "Horaires", &s.horaires_fr);
    if let Some(t) = &p.telephone {
        h.push_str(&format!("<p>Téléphone\u{a0}: {}</p>", esc(&phone(t))));
    }
    let ways: Vec<String> = how_to_go(p).into_iter().map(str::to_string).collect();
    list(&mut h, "Comment y aller", &ways);
    if let Some(c) = cost(p) {
        h.push_str(&format!("<p class=\"place-cost\">{}</p>", esc(c)));
    }
    let booking = p.prise_rdv.as_deref().and_then(web);
    let access = p.fiche_acces_libre.as_deref().and_then(web);
    if links {
        let mut buttons = String::new();
        if let Some(t) = &p.telephone {
            buttons.push_str(&format!(
                "<a class=\"button secondary\" href=\"tel:{}\">Appeler le {}</a>",
                esc(t),
                esc(&phone(t))
            ));
        }
        if let Some(u) = booking {
            buttons.push_str(&format!(
                "<a class=\"button secondary\" href=\"{}\" rel=\"noopener\" target=\"_blank\">Prendre rendez-vous en ligne</a>",
                esc(u)
            ));
        }
        if let Some(u) = access {
            buttons.push_str(&format!(
                "<a class=\"button secondary\" href=\"{}\" rel=\"noopener\" target=\"_blank\">Voir l'accessibilité du lieu</a>",
                esc(u)
            ));
        }
        if !buttons.is_empty() {
            h.push_str(&format!(
                "<div class=\"place-actions no-print\">{buttons}</div>"
            ));
        }
    }
    if let Some(u) = booking {
        if let Some(qr) = crate::qr::Qr::bytes(u) {
            h.push_str(&format!(
                "<div class=\"place-qr{}\"><div class=\"qr\" role=\"img\" aria-label=\"Code QR du lien pour prendre rendez-vous en ligne\">{}</div><p class=\"place-url\">Rendez-vous en ligne\u{a0}: {}</p></div>",
                if links { " print-only" } else { "" },
                qr.svg(),
                esc(u)
            ));
        }
    }
    if let Some(u) = access {
        h.push_str(&format!(
            "<p class=\"place-url print-only\">Accessibilité\u{a0}: {}</p>",
            esc(u)
        ));
    }
    h.push_str("</article>");
    h
}

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

/// What the read-aloud button says about one place (the screen says « Lieu 1 : »
/// before it).
pub fn read_aloud(s: &Suggestion) -> String {
    let p = &s.place;
    let mut parts = vec![format!("{}, {}.", s.nom, distance_phrase(s))];
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
    fn a_card_escapes_what_it_shows_and_links_only_web_addresses() {
        use crate::places::{Place, Service};
        let place = Place {
            id: "x".into(),
            nom: "Lieu <b>\"A\"</b>".into(),
            adresse: "1 rue & Co".into(),
            complement_adresse: None,
            code_postal: "99100".into(),
            commune: "Villefictive".into(),
            code_insee: None,
            latitude: None,
            longitude: None,
            services: vec![Service::Loisirs],
            modalites_accompagnement: vec![],
            modalites_acces: vec![Access::SePresenter],
            frais_a_charge: vec![Fee::Gratuit],
            prise_en_charge_specifique: vec![],
            dispositif_programmes_nationaux: vec![],
            typologie: vec![],
            telephone: Some("+33199000101".into()),
            site_web: None,
            horaires: None,
            prise_rdv: Some("https://rdv.exemple.fr/x?a=1&b=2".into()),
            fiche_acces_libre: Some("javascript:alert(1)".into()),
            presentation_resume: None,
            date_maj: None,
        };
        let s = Suggestion {
            id: "x".into(),
            nom: place.nom.clone(),
            distance_km: 1.24,
            approximate: false,
            relation: Relation::SameBuilding,
            programme: false,
            horaires_fr: vec!["Le lundi, de 9\u{a0}h à 12\u{a0}h.".into()],
            place,
        };
        let links = card_html(&s, CardStyle::Links);
        assert!(
            links.contains(">Lieu &lt;b&gt;&quot;A&quot;&lt;/b&gt;</h3>"),
            "{links}"
        );
        assert!(links.contains("1 rue &amp; Co"));
        assert!(links.contains("à 1,2\u{a0}km</strong> — Dans ce bâtiment"));
        assert!(links.contains("href=\"tel:+33199000101\""));
        assert!(links.contains("href=\"https://rdv.exemple.fr/x?a=1&amp;b=2\""));
        assert!(!links.contains("javascript"), "not a web address: no link");
        assert!(links.contains("place-qr print-only"));
        assert!(links.contains("<svg"));
        let kiosk = card_html(&s, CardStyle::Kiosk);
        assert!(!kiosk.contains("<a "), "a kiosk opens nothing: {kiosk}");
        assert!(kiosk.contains("class=\"place-qr\""));
        let card = Card::of(&s, CardStyle::Kiosk);
        assert!(card
            .lecture
            .starts_with("Lieu <b>\"A\"</b>, à 1,2\u{a0}km. Dans ce bâtiment."));
    }

    #[test]
    fn phones_as_written_in_france() {
        assert_eq!(phone("+33123456789"), "01\u{a0}23\u{a0}45\u{a0}67\u{a0}89");
        assert_eq!(phone("+590590123456"), "+590590123456");
    }
}
