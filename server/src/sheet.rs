//! Printable pages (HTML, French, no outside resource): the sheet given to a person
//! after a screening, and a trainer's session plan.

use jiff::tz::TimeZone;
use repere_items::Bank;

use crate::clock::{format_date_fr, format_datetime_fr};
use crate::groups::Group;
use crate::records::ProfileRecord;
use crate::view::{class_label, level_label, modality_label, skill_label, status_label};
use repere_items::places::{text, CardStyle, Suggestion};

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
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

const STYLE: &str = "body{font-family:'Atkinson Hyperlegible',Arial,sans-serif;font-size:14pt;line-height:1.5;\
color:#111;max-width:45em;margin:1em auto;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.5em}\
.code{font-size:2em;font-weight:bold;letter-spacing:.1em;border:3px solid #111;padding:.2em .6em;display:inline-block}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #555;padding:.3em .5em;text-align:left;vertical-align:top}\
.note{font-size:.9em;color:#333}input,button{font:inherit;min-height:3rem;padding:.3em .6em}\
a.button{display:inline-block;min-height:3rem;padding:.5em 1em;border:2px solid #111;border-radius:.4em;margin:.3em .3em .3em 0;color:#111}.qr svg{width:8em;height:auto}.place-card h3{margin:.2em 0}@media print{body{margin:0}.noprint{display:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head>\
<body>{body}<p class=\"noprint\"><button type=\"button\" onclick=\"window.print()\">Imprimer</button></p></body></html>\n",
        esc(title)
    )
}

/// The sheet of one result; its date and time are those of `tz`.
pub fn result_sheet(
    bank: &Bank,
    p: &ProfileRecord,
    structure: Option<&str>,
    places: &[Suggestion],
    tz: &TimeZone,
) -> String {
    let r = &bank.referentiel;
    let mut b = String::new();
    b.push_str("<h1>Votre résultat Repère</h1>");
    if let Some(name) = &p.person {
        b.push_str(&format!("<p>Pour : <strong>{}</strong></p>", esc(name)));
    }
    b.push_str(&format!(
        "<p>Test du {}{}.</p>",
        esc(&format_datetime_fr(p.received_at, tz)),
        structure
            .map(|s| format!(", {}", esc(s)))
            .unwrap_or_default()
    ));
    b.push_str(&format!(
        "<p>Votre code : <span class=\"code\">{}</span></p><p>Montrez ce code à un médiateur numérique : il retrouvera votre résultat.</p>",
        esc(&p.code)
    ));
    match &p.outcome.profile {
        None => b.push_str("<p>Le profil n'est pas encore disponible.</p>"),
        Some(pr) => {
            let class = r.profile.classes.iter().find(|c| c.id == pr.class);
            b.push_str(&format!(
                "<h2>Votre niveau : {}</h2>",
                esc(class_label(bank, &pr.class))
            ));
            if let Some(c) = class {
                b.push_str(&format!("<p>{}</p>", esc(&c.description)));
            }
            let modality = r
                .profile
                .orientation
                .modalities
                .iter()
                .find(|m| m.id == pr.orientation.modality);
            b.push_str(&format!(
                "<h2>Ce que nous vous proposons : {}</h2>",
                esc(modality_label(bank, &pr.orientation.modality))
            ));
            if let Some(m) = modality {
                b.push_str(&format!("<p>{}</p>", esc(&m.description)));
            }
            if !places.is_empty() {
                // The cards of the screens, in the paper style (the booking link's
                // QR code, no link to follow).
                b.push_str("<h2>Où aller</h2><ol class=\"places-list\">");
                for s in places {
                    b.push_str(&format!(
                        "<li>{}</li>",
                        text::card_html(s, CardStyle::Kiosk)
                    ));
                }
                b.push_str("</ol>");
            } else if !pr.orientation.services.is_empty() {
                b.push_str("<p>Cherchez un lieu qui propose :</p><ul>");
                for s in &pr.orientation.services {
                    b.push_str(&format!("<li>{}</li>", esc(s)));
                }
                b.push_str("</ul>");
            }
            b.push_str("<h2>Domaine par domaine</h2><table><thead><tr><th scope=\"col\">Domaine</th><th scope=\"col\">Niveau</th></tr></thead><tbody>");
            for d in &pr.domains {
                let label = r
                    .domain(&d.domain)
                    .map_or(d.domain.as_str(), |x| x.label.as_str());
                b.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(label),
                    esc(level_label(bank, &d.level))
                ));
            }
            b.push_str("</tbody></table>");
            let work = pr.work_on();
            if !work.is_empty() {
                b.push_str("<h2>À travailler</h2><ul>");
                for s in work {
                    b.push_str(&format!(
                        "<li>{} ({})</li>",
                        esc(skill_label(bank, &s.skill)),
                        esc(status_label(bank, &s.status))
                    ));
                }
                b.push_str("</ul>");
            }
            if p.outcome.assessment.is_none() {
                b.push_str("<p class=\"note\">Profil calculé à partir du niveau global (version provisoire).</p>");
            }
        }
    }
    b.push_str(&format!(
        "<p class=\"note\">Référentiel {} version {}. Questions : {}.</p>",
        esc(&p.outcome.referentiel_id),
        esc(&p.outcome.referentiel_version),
        p.outcome.items
    ));
    page(&format!("Résultat Repère {}", p.code), &b)
}

/// The page a person's own device opens from its result to find mediation places
/// near a postcode: a form (the postcode; the orientation's needs as hidden
/// fields), then the places found (`cards`, in the style with links), or
/// `message` (why none). Nothing of it is stored.
pub fn places_page(
    needs: &[(String, String)],
    postcode: &str,
    cards: &[String],
    message: Option<&str>,
) -> String {
    let mut b = String::from(
        "<h1>Trouver un lieu près de chez vous</h1>\
         <p>Ces lieux aident à utiliser le numérique. Votre code postal sert seulement à chercher.</p>\
         <form method=\"get\" action=\"/api/places/page\"><p><label for=\"cp\">Votre code postal</label></p>",
    );
    b.push_str(&format!(
        "<p><input id=\"cp\" name=\"code_postal\" inputmode=\"numeric\" autocomplete=\"postal-code\" maxlength=\"5\" value=\"{}\" aria-describedby=\"cp-aide\"></p>\
         <p id=\"cp-aide\" class=\"note\">5 chiffres, par exemple 23000.</p>",
        esc(postcode)
    ));
    for (k, v) in needs {
        b.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(k),
            esc(v)
        ));
    }
    b.push_str("<p><button type=\"submit\">Chercher</button></p></form>");
    if let Some(m) = message {
        b.push_str(&format!(
            "<p role=\"alert\"><strong>{}</strong></p>",
            esc(m)
        ));
    }
    if !cards.is_empty() {
        b.push_str("<h2>Où aller</h2><ol class=\"places-list\">");
        for c in cards {
            b.push_str(&format!("<li>{c}</li>"));
        }
        b.push_str("</ol>");
    }
    b.push_str(
        "<p class=\"noprint\"><a href=\"/\" onclick=\"history.back();return false;\">Revenir à mon résultat</a></p>",
    );
    page("Trouver un lieu — Repère", &b)
}

/// A trainer's session plan: each group, its members, the skills to cover (dates
/// in `tz`).
pub fn groups_sheet(
    bank: &Bank,
    structure: &str,
    size: usize,
    profiles: &[&ProfileRecord],
    groups: &[Group],
    tz: &TimeZone,
) -> String {
    let mut b = String::new();
    b.push_str(&format!(
        "<h1>Plan des séances — {}</h1><p>{} personnes, groupes de {} au plus : {} groupe(s).</p>",
        esc(structure),
        profiles.len(),
        size,
        groups.len()
    ));
    for (n, g) in groups.iter().enumerate() {
        b.push_str(&format!(
            "<h2>Groupe {} ({} personnes)</h2>",
            n + 1,
            g.members.len()
        ));
        b.push_str("<p>Compétences à travailler, dans l'ordre :</p><ol>");
        for p in g.priorities.iter().take(6) {
            b.push_str(&format!(
                "<li>{} — {} personne(s) sur {}</li>",
                esc(skill_label(bank, &p.skill)),
                p.members,
                g.members.len()
            ));
        }
        if g.priorities.is_empty() {
            b.push_str("<li>Aucune compétence à travailler.</li>");
        }
        b.push_str("</ol><table><thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Prénom</th><th scope=\"col\">Date</th><th scope=\"col\">Niveau</th></tr></thead><tbody>");
        for &i in &g.members {
            let Some(p) = profiles.get(i) else { continue };
            let class = p
                .outcome
                .profile
                .as_ref()
                .map(|x| class_label(bank, &x.class).to_string())
                .unwrap_or_default();
            b.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.code),
                esc(p.person.as_deref().unwrap_or("")),
                esc(&format_date_fr(p.received_at, tz)),
                esc(&class)
            ));
        }
        b.push_str("</tbody></table>");
    }
    page(&format!("Plan des séances — {structure}"), &b)
}
