//! `score` for every item type, on the shipped items and the README examples:
//! right and wrong responses, partial credit of simulations, and the typed errors
//! the server relies on to reject tampered submissions.

mod common;

use std::collections::BTreeMap;

use repere_items::{score, Action, Bank, BankItem, Body, Response, ScoreError};

fn shipped() -> Bank {
    repere_items::embedded().expect("shipped bank")
}

fn item<'b>(bank: &'b Bank, id: &str) -> &'b BankItem {
    bank.item(id).unwrap_or_else(|| panic!("no item {id}"))
}

fn tap(t: &str) -> Action {
    Action::Tap {
        target: t.to_string(),
    }
}

fn toggle(t: &str, on: bool) -> Action {
    Action::Toggle {
        target: t.to_string(),
        on,
    }
}

fn fill(t: &str, v: &str) -> Action {
    Action::Fill {
        target: t.to_string(),
        value: v.to_string(),
    }
}

fn actions(a: &[Action]) -> Response {
    Response::Actions(a.to_vec())
}

#[test]
fn single() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.01"); // trombone, poubelle, envoyer, crayon
    assert_eq!(score(it, &Response::Choice(0)), Ok(1));
    assert_eq!(score(it, &Response::Choice(1)), Ok(0));
    assert_eq!(score(it, &Response::Choice(3)), Ok(0));
    assert_eq!(
        score(it, &Response::Choice(4)),
        Err(ScoreError::OutOfRange { index: 4, len: 4 })
    );
    assert_eq!(score(it, &Response::Skip), Ok(0));
    assert!(matches!(
        score(it, &Response::Choices(vec![0])),
        Err(ScoreError::WrongKind {
            expected: "choice",
            got: "choices",
            ..
        })
    ));
}

#[test]
fn multiple_needs_exactly_the_right_set() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.06"); // impot, photo, facture, ordonnance
    assert_eq!(score(it, &Response::Choices(vec![2, 0])), Ok(1));
    assert_eq!(score(it, &Response::Choices(vec![0, 2])), Ok(1));
    assert_eq!(score(it, &Response::Choices(vec![0])), Ok(0));
    assert_eq!(score(it, &Response::Choices(vec![0, 2, 1])), Ok(0));
    assert_eq!(score(it, &Response::Choices(vec![])), Ok(0));
    assert_eq!(
        score(it, &Response::Choices(vec![0, 0])),
        Err(ScoreError::Duplicate(0))
    );
    assert_eq!(
        score(it, &Response::Choices(vec![9])),
        Err(ScoreError::OutOfRange { index: 9, len: 4 })
    );
}

#[test]
fn hotspot_uses_view_box_coordinates() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.02"); // region x 228..294, y 4..74 in 360 x 640
    let pt = |x, y| Response::Point { x, y };
    assert_eq!(score(it, &pt(260.0, 40.0)), Ok(1));
    assert_eq!(score(it, &pt(228.0, 4.0)), Ok(1), "edges are inside");
    assert_eq!(score(it, &pt(320.0, 40.0)), Ok(0), "the send button");
    assert_eq!(score(it, &pt(100.0, 300.0)), Ok(0));
    assert_eq!(
        score(it, &pt(400.0, 10.0)),
        Err(ScoreError::PointOutside { x: 400.0, y: 10.0 })
    );
    assert!(matches!(
        score(it, &pt(f64::NAN, 10.0)),
        Err(ScoreError::PointOutside { .. })
    ));
    assert!(matches!(
        score(it, &Response::Choice(0)),
        Err(ScoreError::WrongKind { .. })
    ));
}

#[test]
fn ordering_is_all_or_nothing() {
    let bank = shipped();
    // Options in file order: mot-de-passe, reglages, reseau, activer.
    let it = item(&bank, "device.wifi.06");
    assert_eq!(score(it, &Response::Order(vec![1, 3, 2, 0])), Ok(1));
    assert_eq!(score(it, &Response::Order(vec![1, 2, 3, 0])), Ok(0));
    assert_eq!(score(it, &Response::Order(vec![0, 1, 2, 3])), Ok(0));
    for bad in [
        vec![1, 1, 2, 0],
        vec![1, 3, 2],
        vec![1, 3, 2, 4],
        vec![1, 3, 2, 0, 0],
    ] {
        assert_eq!(
            score(it, &Response::Order(bad)),
            Err(ScoreError::NotAPermutation { len: 4 })
        );
    }
}

#[test]
fn text_is_normalised() {
    let bank = common::readme_bank();
    let it = item(&bank, "mail.write.01"); // lea.durand@exemple.fr, spaces removed
    let t = |s: &str| Response::Text(s.to_string());
    assert_eq!(score(it, &t("lea.durand@exemple.fr")), Ok(1));
    assert_eq!(score(it, &t("  Lea.Durand @ exemple.fr ")), Ok(1));
    assert_eq!(
        score(it, &t("léa.durand@exemple.fr")),
        Ok(1),
        "accents ignored by default"
    );
    assert_eq!(score(it, &t("lea.durand@exemple.com")), Ok(0));
    assert_eq!(score(it, &t("")), Ok(0));
    assert_eq!(
        score(it, &t(&"a".repeat(501))),
        Err(ScoreError::TooLong { len: 501, max: 500 })
    );
}

#[test]
fn mailbox_counts_steps_in_order() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.04"); // open m-mairie, reply, f-facture, send
    assert_eq!(it.max_score(), 4);
    let full = [
        tap("m-mairie"),
        tap("reply"),
        tap("attach"),
        tap("f-facture"),
        tap("send"),
    ];
    assert_eq!(score(it, &actions(&full)), Ok(4));
    // Wrong file, then send: opened and replied only.
    let wrong = [
        tap("m-mairie"),
        tap("reply"),
        tap("attach"),
        tap("f-impot"),
        tap("send"),
    ];
    assert_eq!(score(it, &actions(&wrong)), Ok(2));
    // A mistake corrected costs nothing.
    let fixed = [
        tap("m-promo"),
        tap("back"),
        tap("m-mairie"),
        tap("reply"),
        tap("attach"),
        tap("f-impot"),
        tap("attach"),
        tap("f-facture"),
        tap("send"),
    ];
    assert_eq!(score(it, &actions(&fixed)), Ok(4));
    // Order matters: replying before opening does not count.
    assert_eq!(
        score(it, &actions(&[tap("reply"), tap("m-mairie"), tap("send")])),
        Ok(1)
    );
    assert_eq!(score(it, &actions(&[])), Ok(0));
    assert_eq!(
        score(it, &actions(&[tap("m-mairie"), tap("print")])),
        Err(ScoreError::BadAction {
            index: 1,
            action: "tap",
            target: "print".to_string()
        })
    );
    assert!(matches!(
        score(it, &actions(&[toggle("reply", true)])),
        Err(ScoreError::BadAction {
            action: "toggle",
            ..
        })
    ));
}

#[test]
fn mailbox_draft() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.07"); // f-gateau, send
    assert_eq!(
        score(it, &actions(&[tap("attach"), tap("f-gateau"), tap("send")])),
        Ok(2)
    );
    assert_eq!(score(it, &actions(&[tap("send")])), Ok(0));
    assert_eq!(
        score(it, &actions(&[tap("attach"), tap("f-chat"), tap("send")])),
        Ok(0)
    );
    assert_eq!(
        score(it, &actions(&[tap("attach"), tap("f-gateau")])),
        Ok(1)
    );
}

#[test]
fn settings_state_and_event_steps() {
    let bank = shipped();
    let it = item(&bank, "device.wifi.03"); // toggle wifi on, tap n-durand
    assert_eq!(
        score(it, &actions(&[toggle("wifi", true), tap("n-durand")])),
        Ok(2)
    );
    assert_eq!(
        score(it, &actions(&[toggle("wifi", true), tap("n-cafe")])),
        Ok(1)
    );
    assert_eq!(score(it, &actions(&[toggle("bluetooth", true)])), Ok(0));
    // The network tap only counts once Wi-Fi is on.
    assert_eq!(
        score(it, &actions(&[tap("n-durand"), toggle("wifi", true)])),
        Ok(1)
    );
    assert!(matches!(
        score(it, &actions(&[fill("wifi", "on")])),
        Err(ScoreError::BadAction { action: "fill", .. })
    ));

    let one = item(&bank, "device.wifi.04"); // airplane off, 1 step, 2pl
    assert_eq!(one.max_score(), 1);
    assert_eq!(score(one, &actions(&[toggle("airplane", false)])), Ok(1));
    assert_eq!(score(one, &actions(&[toggle("wifi", true)])), Ok(0));
    assert_eq!(score(one, &actions(&[toggle("airplane", true)])), Ok(0));
}

#[test]
fn form_fill_submit_fix() {
    let bank = common::readme_bank();
    let it = item(&bank, "procedures.form.01"); // fill code-postal (5 digits), tap submit
    assert_eq!(
        score(it, &actions(&[fill("code-postal", "50000"), tap("submit")])),
        Ok(2)
    );
    assert_eq!(
        score(
            it,
            &actions(&[tap("submit"), fill("code-postal", "50 000"), tap("submit")])
        ),
        Ok(2),
        "digits ignore spaces; an early submit costs nothing"
    );
    assert_eq!(
        score(it, &actions(&[fill("code-postal", "500"), tap("submit")])),
        Ok(0)
    );
    assert_eq!(score(it, &actions(&[fill("code-postal", "50000")])), Ok(1));
    assert!(matches!(
        score(it, &actions(&[fill("ville", "Saint-Lô")])),
        Err(ScoreError::BadAction { .. })
    ));

    // The renderer shows what Form::errors says; the scoring agrees with it.
    let Body::Form { scene, .. } = &it.body else {
        panic!("form body")
    };
    let mut values = BTreeMap::new();
    assert_eq!(
        scene.errors(&values),
        vec![(
            "code-postal",
            "Le code postal a 5 chiffres. Exemple\u{a0}: 50000."
        )]
    );
    values.insert("code-postal".to_string(), String::new());
    values.insert("nom".to_string(), " ".to_string());
    assert_eq!(
        scene.errors(&values),
        vec![
            ("nom", "Écrivez votre nom."),
            ("code-postal", "Écrivez votre code postal.")
        ]
    );
    values.insert("code-postal".to_string(), "50000".to_string());
    values.insert("nom".to_string(), "Durand".to_string());
    assert!(scene.errors(&values).is_empty());
}

#[test]
fn message_first_decision_counts() {
    let bank = common::readme_bank();
    let it = item(&bank, "safety.phishing.01");
    assert_eq!(score(it, &actions(&[tap("supprimer")])), Ok(1));
    assert_eq!(
        score(it, &actions(&[tap("lien")])),
        Ok(0),
        "tapping the link is a decision"
    );
    assert_eq!(
        score(it, &actions(&[tap("toucher-lien"), tap("supprimer")])),
        Ok(0)
    );
    assert_eq!(score(it, &actions(&[])), Ok(0));
    assert!(matches!(
        score(it, &actions(&[tap("x")])),
        Err(ScoreError::BadAction { .. })
    ));
}

#[test]
fn search_first_result_counts() {
    let bank = common::readme_bank();
    let it = item(&bank, "web.official.01");
    assert_eq!(score(it, &actions(&[tap("ameli")])), Ok(1));
    assert_eq!(score(it, &actions(&[tap("annonce"), tap("ameli")])), Ok(0));
    assert!(matches!(
        score(it, &Response::Choice(1)),
        Err(ScoreError::WrongKind { .. })
    ));
}

#[test]
fn limits_reject_oversized_responses() {
    let bank = shipped();
    let it = item(&bank, "mail.attach.04");
    let many = vec![tap("back"); 501];
    assert_eq!(
        score(it, &Response::Actions(many)),
        Err(ScoreError::TooManyActions { len: 501, max: 500 })
    );
    let long = fill("body", &"x".repeat(501));
    assert_eq!(
        score(it, &actions(&[long])),
        Err(ScoreError::TooLong { len: 501, max: 500 })
    );
}

#[test]
fn scores_never_exceed_max_score() {
    let bank = shipped();
    for it in bank.items() {
        for r in [
            Response::Skip,
            Response::Choice(0),
            Response::Choices(vec![0, 1]),
            Response::Order((0..4).collect()),
            Response::Point { x: 50.0, y: 50.0 },
            Response::Actions(vec![tap("send"), toggle("wifi", true)]),
        ] {
            if let Ok(s) = score(it, &r) {
                assert!(s <= it.max_score(), "{}: {s}", it.id);
            }
        }
    }
}

#[test]
fn response_json_forms() {
    let r: Response = serde_json::from_str(r#"{"actions":[{"do":"tap","target":"reply"},{"do":"toggle","target":"wifi","on":true},{"do":"fill","target":"to","value":"a@b.fr"}]}"#)
        .expect("valid JSON");
    assert_eq!(
        r,
        actions(&[tap("reply"), toggle("wifi", true), fill("to", "a@b.fr")])
    );
    assert_eq!(
        serde_json::from_str::<Response>(r#""skip""#).ok(),
        Some(Response::Skip)
    );
    assert_eq!(
        serde_json::from_str::<Response>(r#"{"point":{"x":1.5,"y":2}}"#).ok(),
        Some(Response::Point { x: 1.5, y: 2.0 })
    );
    assert_eq!(
        serde_json::from_str::<Response>(r#"{"choice":2}"#).ok(),
        Some(Response::Choice(2))
    );
    assert!(serde_json::from_str::<Response>(r#"{"choice":-1}"#).is_err());
    assert!(
        serde_json::from_str::<Response>(r#"{"actions":[{"do":"swipe","target":"x"}]}"#).is_err()
    );
}
