//! A person who hears well but reads badly is measured on digital skill, not on
//! reading: the read-aloud text of every live search, message and mailbox item of
//! the shipped bank names what its key depends on — every result's address and
//! which results are ads; the sender, address and links of a message; the sender of
//! every e-mail in a mailbox and the files its steps ask for.
//!
//! Addresses may be said as written (`ameli.fr`) or spelled as a voice says them
//! (`ameli point f r`, `colis tiret livraison`): both forms are accepted.

use repere_items::{fold_accents, BankItem, Body, Status};

/// Lowercase letters and digits only, accents folded: how the comparison sees a
/// text, so that punctuation and spacing do not matter.
fn letters(text: &str) -> String {
    fold_accents(text)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A written form as a French voice says it: signs become words
/// (`a-b.fr` → `a tiret b point fr`, `Dr` → `docteur`).
fn said_as(written: &str) -> String {
    let mut out = String::new();
    for word in written.split_whitespace() {
        let word = match word {
            "Dr" => "docteur".to_string(),
            w => w
                .replace('@', " arobase ")
                .replace('.', " point ")
                .replace('-', " tiret ")
                .replace('/', " barre ")
                .replace('+', " plus "),
        };
        out.push_str(&word);
        out.push(' ');
    }
    letters(&out)
}

/// The host of an address as a results page or a link shows it
/// (`www.ameli.fr › assure` → `ameli.fr`, `https://a.fr/b` → `a.fr`).
fn host(url: &str) -> &str {
    let url = url.trim();
    let url = url.split_once("://").map_or(url, |(_, rest)| rest);
    let url = url.split('›').next().unwrap_or(url).trim();
    let url = url.split('/').next().unwrap_or(url);
    url.strip_prefix("www.").unwrap_or(url)
}

/// Whether the spoken text says `written`, as written or as a voice says it.
fn says(item: &BankItem, written: &str) -> bool {
    let spoken = letters(&item.read_aloud);
    spoken.contains(&letters(written)) || spoken.contains(&said_as(written))
}

/// Whether the spoken text names a sender: as written, or without the kind of
/// place that comes before the name (« Cabinet Dr Martin » said « le docteur
/// Martin »), or by the digits of its number.
fn says_sender(item: &BankItem, sender: &str) -> bool {
    let name = sender.strip_prefix("Cabinet ").unwrap_or(sender);
    says(item, sender) || says(item, name) || says_number(item, sender)
}

/// Whether the spoken text gives the digits of a phone number, in order.
fn says_number(item: &BankItem, number: &str) -> bool {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let spoken: String = item
        .read_aloud
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    !digits.is_empty() && spoken.contains(&digits)
}

/// What the spoken text of `item` leaves out, if anything.
fn unsaid(item: &BankItem) -> Vec<String> {
    let mut missing = Vec::new();
    match &item.body {
        Body::Search { scene, .. } => {
            for r in &scene.results {
                if !says(item, host(&r.url)) {
                    missing.push(format!("the address of result `{}` ({})", r.id, r.url));
                }
                let spoken = letters(&item.read_aloud);
                if r.ad && !(spoken.contains("sponsoris") || spoken.contains("annonce")) {
                    missing.push(format!("that result `{}` is an ad", r.id));
                }
            }
        }
        Body::Message { scene, .. } => {
            if !says_sender(item, &scene.from) {
                missing.push(format!("the sender ({})", scene.from));
            }
            if let Some(address) = &scene.from_address {
                if !says(item, address) {
                    missing.push(format!("the sender's address ({address})"));
                }
            }
            for link in &scene.links {
                // A link shows either an address or a label ("Recevoir mon remboursement").
                let shown = if link.text.contains(' ') {
                    link.text.as_str()
                } else {
                    host(&link.text)
                };
                if !says(item, shown) {
                    missing.push(format!("the link `{}` ({})", link.id, link.text));
                }
            }
        }
        Body::Mailbox { scene, steps } => {
            for m in &scene.messages {
                if !says(item, &m.from) {
                    missing.push(format!("the sender of `{}` ({})", m.id, m.from));
                }
            }
            for step in steps {
                if let Some(file) = scene.files.iter().find(|f| f.id == step.target) {
                    if !says(item, &file.name) {
                        missing.push(format!("the file `{}` ({})", file.id, file.name));
                    }
                }
            }
        }
        _ => {}
    }
    missing
}

#[test]
fn spoken_text_names_what_the_key_depends_on() {
    let bank = repere_items::embedded().expect("shipped bank");
    let mut checked = 0;
    let mut problems = Vec::new();
    for item in bank.items().iter().filter(|i| i.status == Status::Live) {
        if !matches!(
            item.body,
            Body::Search { .. } | Body::Message { .. } | Body::Mailbox { .. }
        ) {
            continue;
        }
        checked += 1;
        for m in unsaid(item) {
            problems.push(format!("{}: the read-aloud text does not say {m}", item.id));
        }
    }
    assert!(
        checked >= 30,
        "only {checked} search, message and mailbox items"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_what_a_voice_would_leave_out() {
    // The example: a parcel SMS read without its number and its link.
    let bank = repere_items::embedded().expect("shipped bank");
    let sms = bank.item("safety.phishing.04").expect("the parcel SMS");
    assert!(unsaid(sms).is_empty(), "{:?}", unsaid(sms));
    let mut silent = sms.clone();
    silent.read_aloud = "Vous attendez un colis. Vous recevez ce SMS. Que faites-vous ? \
        Le SMS dit : Colissimo. Votre colis n'a pas pu être livré, avec un lien."
        .to_string();
    let missing = unsaid(&silent);
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing[0].contains("+33 6 39 98 24 09"), "{missing:?}");
    assert!(
        missing[1].contains("colis-livraison-suivi.info"),
        "{missing:?}"
    );

    // A results page read as « Les résultats de la recherche sont à l'écran ».
    let page = bank.item("web.official.01").expect("a search item");
    let mut silent = page.clone();
    silent.read_aloud =
        "Touchez le site officiel. Les résultats de la recherche sont à l'écran.".to_string();
    let Body::Search { scene, .. } = &page.body else {
        panic!("web.official.01 is a search item");
    };
    let ads = scene.results.iter().filter(|r| r.ad).count();
    assert_eq!(unsaid(&silent).len(), scene.results.len() + ads);
}

#[test]
fn addresses_are_read_as_written_or_as_spelled() {
    assert_eq!(host("www.ameli.fr › assure › compte-ameli"), "ameli.fr");
    assert_eq!(
        host("https://colis-livraison-suivi.info/fr"),
        "colis-livraison-suivi.info"
    );
    assert_eq!(host("17cyber.gouv.fr"), "17cyber.gouv.fr");
    assert_eq!(
        said_as("ne-pas-repondre@dgfip.fr"),
        "netiretpastiretrepondrearobasedgfippointfr"
    );
    assert_eq!(said_as("Cabinet Dr Martin"), "cabinetdocteurmartin");
    let bank = repere_items::embedded().expect("shipped bank");
    let mut sms = bank.item("safety.phishing.04").expect("an SMS").clone();
    sms.read_aloud = "Un SMS du docteur Martin.".to_string();
    assert!(says_sender(&sms, "Cabinet Dr Martin"));
    assert!(!says_sender(&sms, "Cabinet Dr Morel"));
    assert_eq!(said_as("Protect+ Antivirus"), "protectplusantivirus");
    assert_eq!(letters("Élodie, l'ÉTÉ !"), "elodielete");
}
