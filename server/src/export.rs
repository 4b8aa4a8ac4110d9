//! Exports of a structure's profiles, for trainers (HTTP) and admins (`repere
//! export`): CSV for spreadsheets and JSON for programs, in two kinds
//! ([`Kind`]).
//!
//! - The **trainer's export** says what a trainer reads: who, when (day and time
//!   of day), where the test was taken, how many questions and « Je ne sais pas »
//!   answers, the context answers (equipment, e-mail, goals, sight) and the
//!   profile in words. No θ: it means nothing to a trainer.
//! - The **technical export** holds what studies the test: θ, its standard
//!   error, the estimator and versions, the context answers as ids, and the
//!   tallies of every skill. No first name: it is not needed there.
//!
//! The CSV opens cleanly in a French Excel or LibreOffice: UTF-8 with a byte-order
//! mark, `;` separators, CRLF line ends, French headers, dates `DD/MM/YYYY`, times
//! `HH:MM` (both in the structure's time zone), decimal commas, and one column per
//! context question, domain level and skill status (the columns come from the
//! référentiel, so they are right whatever profiles hold). A cell a person typed
//! (the first name) that starts with `= + - @` is prefixed with `'` so that a
//! spreadsheet never runs it as a formula. The JSON says the same things with the
//! same words (`place`, `dont_know`, `context`, `time`).

use std::io::Write;

use jiff::tz::TimeZone;
use repere_items::assessment::ContextAnswer;
use repere_items::Bank;
use serde::Serialize;

use crate::clock::{format_date_fr, format_time_hm, time_zone};
use crate::records::ProfileRecord;
use crate::store::{Store, StoreError};
use crate::view::{
    class_label, level_label, modality_label, result_view, skill_label, source_name, status_label,
    Labelled, ProfileFilter, ProfileView,
};

/// UTF-8 byte-order mark: tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Header of the column that says where the test was taken.
pub const PLACE_HEADER: &str = "Lieu du test";
/// Header of the column that counts the « Je ne sais pas » answers.
pub const DONT_KNOW_HEADER: &str = "Réponses « Je ne sais pas »";
/// Header of the column that counts the questions shown.
pub const QUESTIONS_HEADER: &str = "Questions posées";
/// Header of the technical export's column of context answers.
pub const CONTEXT_IDS_HEADER: &str = "Contexte (identifiants)";

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CSV for spreadsheets.
    Csv,
    /// JSON array of rows.
    Json,
}

impl Format {
    /// Parses `csv` or `json`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// What an export holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// For trainers: the profile in words, the context answers, no θ.
    #[default]
    Trainer,
    /// For whoever studies the test: θ, SE, versions, tallies; no first name.
    Technical,
}

impl Kind {
    /// The start of the file's name (`repere-profils-2026-03-01.csv`).
    pub fn file_stem(self) -> &'static str {
        match self {
            Kind::Trainer => "repere-profils",
            Kind::Technical => "repere-technique",
        }
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportReport {
    /// Profiles written.
    pub rows: usize,
    /// Records skipped because they could not be decoded.
    pub corrupt: usize,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Write(String),
}

/// The header row of an export of `kind`.
pub fn csv_header(bank: &Bank, kind: Kind) -> Vec<String> {
    let r = &bank.referentiel;
    let mut h: Vec<String> = match kind {
        Kind::Trainer => vec![
            "Code",
            "Date",
            "Heure",
            "Prénom ou initiales",
            PLACE_HEADER,
            "Classe d'autonomie",
            "Niveau d'atelier",
            "Orientation",
            "Services conseillés",
            QUESTIONS_HEADER,
            DONT_KNOW_HEADER,
        ],
        Kind::Technical => vec![
            "Code",
            "Date",
            "Heure",
            PLACE_HEADER,
            QUESTIONS_HEADER,
            DONT_KNOW_HEADER,
            "Estimation θ (logits)",
            "Erreur type de θ",
            "Estimateur",
            "Profil provisoire",
            "Version du moteur",
            "Référentiel",
            "Version du référentiel",
            CONTEXT_IDS_HEADER,
        ],
    }
    .into_iter()
    .map(str::to_string)
    .collect();
    match kind {
        Kind::Trainer => {
            for q in &bank.context.questions {
                h.push(format!("Contexte : {}", q.label));
            }
            for d in &r.domains {
                h.push(format!("Domaine : {}", d.label));
            }
            for s in &r.skills {
                h.push(format!("Compétence : {}", s.label));
            }
        }
        Kind::Technical => {
            for s in &r.skills {
                h.push(format!("Questions : {}", s.label));
                h.push(format!("« Je ne sais pas » : {}", s.label));
                h.push(format!("Score : {}", s.label));
                h.push(format!("Score maximal : {}", s.label));
            }
        }
    }
    h
}

fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

/// A typed cell, defused for spreadsheets.
fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// The context answers of a question, in the order the question lists them
/// (answers the référentiel no longer knows come last, by id).
fn answers_to<'a>(
    bank: &'a Bank,
    question: &str,
    context: &'a [ContextAnswer],
) -> Vec<Labelled<'a>> {
    let given: Vec<&str> = context
        .iter()
        .filter(|c| c.question == question)
        .map(|c| c.answer.as_str())
        .collect();
    let known = bank.context.questions.iter().find(|q| q.id == question);
    let mut out: Vec<Labelled<'a>> = known
        .map(|q| {
            q.answers
                .iter()
                .filter(|a| given.contains(&a.id.as_str()))
                .map(|a| Labelled {
                    id: &a.id,
                    label: &a.label,
                })
                .collect()
        })
        .unwrap_or_default();
    for id in given {
        if !out.iter().any(|l| l.id == id) {
            out.push(Labelled { id, label: id });
        }
    }
    out
}

/// Where the test was taken, in words (`Au guichet`, `Borne`, `En autonomie`).
fn place(p: &ProfileRecord) -> Labelled<'static> {
    Labelled {
        id: source_name(&p.source),
        label: p.source.label(),
    }
}

/// One row of the trainer's CSV, in the order of [`csv_header`]; the date and the
/// time are those of `tz`; `context` is the record's context answers.
pub fn csv_row(
    bank: &Bank,
    p: &ProfileRecord,
    context: &[ContextAnswer],
    tz: &TimeZone,
) -> Vec<String> {
    let o = &p.outcome;
    let pr = o.profile.as_ref();
    let class = pr.map(|x| x.class.as_str());
    let workshop = class.and_then(|c| {
        bank.referentiel
            .profile
            .classes
            .iter()
            .find(|x| x.id == c)
            .map(|x| x.workshop_level.clone())
    });
    let mut row = vec![
        p.code.clone(),
        format_date_fr(p.received_at, tz),
        format_time_hm(p.received_at, tz),
        p.person.as_deref().map(defuse).unwrap_or_default(),
        p.source.label().to_string(),
        class
            .map(|c| class_label(bank, c).to_string())
            .unwrap_or_default(),
        workshop.unwrap_or_default(),
        pr.map(|x| modality_label(bank, &x.orientation.modality).to_string())
            .unwrap_or_default(),
        pr.map(|x| x.orientation.services.join(" / "))
            .unwrap_or_default(),
        o.items.to_string(),
        o.skipped.to_string(),
    ];
    for q in &bank.context.questions {
        let answers = answers_to(bank, &q.id, context);
        row.push(
            answers
                .iter()
                .map(|a| a.label)
                .collect::<Vec<_>>()
                .join(" / "),
        );
    }
    for d in &bank.referentiel.domains {
        let level = pr.and_then(|x| x.domains.iter().find(|l| l.domain == d.id));
        row.push(
            level
                .map(|l| level_label(bank, &l.level).to_string())
                .unwrap_or_default(),
        );
    }
    for s in &bank.referentiel.skills {
        let status = pr.and_then(|x| x.skills.iter().find(|k| k.skill == s.id));
        row.push(
            status
                .map(|k| status_label(bank, &k.status).to_string())
                .unwrap_or_default(),
        );
    }
    row
}

/// Whether a stored profile is the interim one (records stored before the real
/// assessment): `oui`, `non`, or empty without a profile.
fn provisional_cell(p: &ProfileRecord) -> &'static str {
    match (&p.outcome.profile, &p.outcome.assessment) {
        (None, _) => "",
        (Some(_), None) => "oui",
        (Some(_), Some(_)) => "non",
    }
}

/// One row of the technical CSV, in the order of [`csv_header`].
pub fn technical_row(
    bank: &Bank,
    p: &ProfileRecord,
    context: &[ContextAnswer],
    tz: &TimeZone,
) -> Vec<String> {
    let o = &p.outcome;
    let mut row = vec![
        p.code.clone(),
        format_date_fr(p.received_at, tz),
        format_time_hm(p.received_at, tz),
        p.source.label().to_string(),
        o.items.to_string(),
        o.skipped.to_string(),
        decimal(o.theta, 3),
        decimal(o.se, 3),
        o.estimator.clone(),
        provisional_cell(p).to_string(),
        o.engine_version.clone(),
        o.referentiel_id.clone(),
        o.referentiel_version.clone(),
        context
            .iter()
            .map(|c| format!("{}:{}", c.question, c.answer))
            .collect::<Vec<_>>()
            .join(" "),
    ];
    for s in &bank.referentiel.skills {
        match o.skills.iter().find(|t| t.skill == s.id) {
            Some(t) => row.extend([
                t.items.to_string(),
                t.skipped.to_string(),
                t.score.to_string(),
                t.max_score.to_string(),
            ]),
            None => row.extend(["0", "0", "0", "0"].map(str::to_string)),
        }
    }
    row
}

/// A context question and the answers given, in a JSON export.
#[derive(Serialize)]
pub struct ContextView<'a> {
    /// Question id.
    pub id: &'a str,
    /// The question, as asked.
    pub label: &'a str,
    /// The answers chosen (none: not answered).
    pub answers: Vec<Labelled<'a>>,
}

/// One profile in the trainer's JSON export: the trainer's CSV row, with ids.
#[derive(Serialize)]
pub struct TrainerRow<'a> {
    /// Result code.
    pub code: &'a str,
    /// Day of the test, `DD/MM/YYYY`, in the structure's time zone.
    pub date: String,
    /// Time of the test, `HH:MM`, in the structure's time zone.
    pub time: String,
    /// First name or initials (with consent).
    pub person: Option<&'a str>,
    /// Where the test was taken (« Lieu du test »).
    pub place: Labelled<'static>,
    /// Questions shown (« Questions posées »).
    pub questions: usize,
    /// « Je ne sais pas » answers.
    pub dont_know: usize,
    /// Every context question, with the answers given.
    pub context: Vec<ContextView<'a>>,
    /// The profile.
    pub profile: Option<ProfileView<'a>>,
}

/// One skill's tally in the technical JSON export.
#[derive(Serialize)]
pub struct TallyRow<'a> {
    /// Skill id.
    pub id: &'a str,
    /// Skill label.
    pub label: &'a str,
    /// Questions of this skill shown.
    pub questions: usize,
    /// « Je ne sais pas » answers among them.
    pub dont_know: usize,
    /// Sum of the scores.
    pub score: usize,
    /// Sum of the maximum scores.
    pub max_score: usize,
}

/// One profile in the technical JSON export: the technical CSV row, with ids.
#[derive(Serialize)]
pub struct TechnicalRow<'a> {
    /// Result code.
    pub code: &'a str,
    /// Day, `DD/MM/YYYY`.
    pub date: String,
    /// Time, `HH:MM`.
    pub time: String,
    /// Reception time (ms since the epoch, UTC).
    pub received_at: i64,
    /// Where the test was taken.
    pub place: Labelled<'static>,
    /// Questions shown.
    pub questions: usize,
    /// « Je ne sais pas » answers.
    pub dont_know: usize,
    /// Overall θ (logits).
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// Ability estimator.
    pub estimator: &'a str,
    /// Interim profile (records stored before the real assessment).
    pub provisional: bool,
    /// Engine version.
    pub engine_version: &'a str,
    /// Référentiel id.
    pub referentiel_id: &'a str,
    /// Référentiel version.
    pub referentiel_version: &'a str,
    /// The context answers, as ids.
    pub context: &'a [ContextAnswer],
    /// Tallies by skill (skills with answers only).
    pub skills: Vec<TallyRow<'a>>,
}

fn trainer_row<'a>(
    bank: &'a Bank,
    p: &'a ProfileRecord,
    context: &'a [ContextAnswer],
    tz: &TimeZone,
) -> TrainerRow<'a> {
    TrainerRow {
        code: &p.code,
        date: format_date_fr(p.received_at, tz),
        time: format_time_hm(p.received_at, tz),
        person: p.person.as_deref(),
        place: place(p),
        questions: p.outcome.items,
        dont_know: p.outcome.skipped,
        context: bank
            .context
            .questions
            .iter()
            .map(|q| ContextView {
                id: &q.id,
                label: &q.label,
                answers: answers_to(bank, &q.id, context),
            })
            .collect(),
        profile: result_view(bank, p, tz).profile,
    }
}

fn technical_json<'a>(
    bank: &'a Bank,
    p: &'a ProfileRecord,
    context: &'a [ContextAnswer],
    tz: &TimeZone,
) -> TechnicalRow<'a> {
    let o = &p.outcome;
    TechnicalRow {
        code: &p.code,
        date: format_date_fr(p.received_at, tz),
        time: format_time_hm(p.received_at, tz),
        received_at: p.received_at,
        place: place(p),
        questions: o.items,
        dont_know: o.skipped,
        theta: o.theta,
        se: o.se,
        estimator: &o.estimator,
        provisional: o.profile.is_some() && o.assessment.is_none(),
        engine_version: &o.engine_version,
        referentiel_id: &o.referentiel_id,
        referentiel_version: &o.referentiel_version,
        context,
        skills: o
            .skills
            .iter()
            .map(|t| TallyRow {
                id: &t.skill,
                label: skill_label(bank, &t.skill),
                questions: t.items,
                dont_know: t.skipped,
                score: t.score,
                max_score: t.max_score,
            })
            .collect(),
    }
}

/// The context answers of a stored profile: its own copy, or, for records stored
/// before profiles kept one, those of its log (none if the log is gone).
fn context_of(store: &dyn Store, p: &ProfileRecord) -> Vec<ContextAnswer> {
    if let Some(c) = &p.context {
        return c.clone();
    }
    match store.session(&p.id) {
        Ok(s) => s.map(|s| s.submission.context).unwrap_or_default(),
        Err(e) => {
            tracing::error!(error = %e, "export: the log of a profile could not be read; its context answers are left empty");
            Vec::new()
        }
    }
}

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// Exports the profiles of a structure that pass `filter`, streaming from the store
/// into `out`. Dates and times are those of the structure's time zone.
pub fn export_structure<W: Write>(
    store: &dyn Store,
    bank: &Bank,
    structure: u64,
    filter: &ProfileFilter,
    format: Format,
    kind: Kind,
    mut out: W,
) -> Result<ExportReport, ExportError> {
    let tz = time_zone(store.structure(structure)?.and_then(|s| s.tz).as_deref());
    let mut failed: Option<String> = None;
    let mut rows = 0usize;
    let corrupt = match format {
        Format::Csv => {
            out.write_all(BOM)
                .map_err(|e| ExportError::Write(e.to_string()))?;
            let mut w = csv_writer(&mut out);
            w.write_record(csv_header(bank, kind))
                .map_err(|e| ExportError::Write(e.to_string()))?;
            let report = store.scan_profiles(structure, filter.from, filter.to, &mut |p| {
                if failed.is_none() && filter.matches(&p) {
                    let context = context_of(store, &p);
                    let row = match kind {
                        Kind::Trainer => csv_row(bank, &p, &context, &tz),
                        Kind::Technical => technical_row(bank, &p, &context, &tz),
                    };
                    match w.write_record(row) {
                        Ok(()) => rows += 1,
                        Err(e) => failed = Some(e.to_string()),
                    }
                }
            })?;
            w.flush().map_err(|e| ExportError::Write(e.to_string()))?;
            report.corrupt.len()
        }
        Format::Json => {
            out.write_all(b"[")
                .map_err(|e| ExportError::Write(e.to_string()))?;
            let report = store.scan_profiles(structure, filter.from, filter.to, &mut |p| {
                if failed.is_none() && filter.matches(&p) {
                    let context = context_of(store, &p);
                    let sep: &[u8] = if rows == 0 { b"\n" } else { b",\n" };
                    let res = out
                        .write_all(sep)
                        .map_err(|e| e.to_string())
                        .and_then(|()| {
                            match kind {
                                Kind::Trainer => serde_json::to_writer(
                                    &mut out,
                                    &trainer_row(bank, &p, &context, &tz),
                                ),
                                Kind::Technical => serde_json::to_writer(
                                    &mut out,
                                    &technical_json(bank, &p, &context, &tz),
                                ),
                            }
                            .map_err(|e| e.to_string())
                        });
                    match res {
                        Ok(()) => rows += 1,
                        Err(e) => failed = Some(e),
                    }
                }
            })?;
            out.write_all(b"\n]\n")
                .map_err(|e| ExportError::Write(e.to_string()))?;
            report.corrupt.len()
        }
    };
    if let Some(e) = failed {
        return Err(ExportError::Write(e));
    }
    out.flush().map_err(|e| ExportError::Write(e.to_string()))?;
    Ok(ExportReport { rows, corrupt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::compute_with;
    use crate::records::{Source, SCHEMA_VERSION};
    use crate::store::sled_store::tests::{records, temp_store};

    /// The export of `structure` with no filter, and its report.
    fn export(
        store: &dyn Store,
        bank: &Bank,
        structure: u64,
        format: Format,
        kind: Kind,
    ) -> (Vec<u8>, ExportReport) {
        let mut out = Vec::new();
        let report = export_structure(
            store,
            bank,
            structure,
            &ProfileFilter::default(),
            format,
            kind,
            &mut out,
        )
        .expect("export");
        (out, report)
    }

    /// The header and the rows of a CSV export (after its byte-order mark).
    fn parse(out: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
        assert!(out.starts_with(BOM));
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(&out[3..]);
        let header = r
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let rows = r.records().map(|x| x.expect("row")).collect();
        (header, rows)
    }

    fn answer(question: &str, answer: &str) -> ContextAnswer {
        ContextAnswer {
            question: question.into(),
            answer: answer.into(),
        }
    }

    /// Two results of structure 9 received at 2024-06-30 22:30 UTC (00:30 on
    /// 1 July in Paris): "=1+1" with its context answers in its record, "Zoé…"
    /// stored before records kept them (in its log only).
    fn two_results(t: &crate::store::sled_store::tests::TempStore) -> crate::outcome::Outcome {
        let assessor = crate::outcome::assessor().expect("assessor");
        let mut test = assessor
            .start(
                "0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d2e".into(),
                7,
                repere_items::assessment::Mode::Agent,
                Vec::new(),
                1_000,
            )
            .expect("start");
        let first = test.next_item().expect("an item").id.clone();
        test.answer(&first, repere_items::Response::Skip, 1_000)
            .expect("answer");
        let (sub, _) = test.finish(2_000).expect("finish");
        let outcome = compute_with(assessor, &sub).expect("outcome");
        let at = 1_719_786_600_000;
        let contexts = [
            vec![
                answer("equipment", "tablet"),
                answer("equipment", "smartphone"),
                answer("phone", "iphone"),
                answer("email", "no"),
                answer("sight", "no"),
            ],
            vec![answer("goal", "emploi"), answer("email", "yes")],
        ];
        for (i, person) in ["=1+1", "Zoé; \"la\" grande"].iter().enumerate() {
            let (mut s, mut p) = records(
                &format!("x{i}"),
                &format!("HHHH-HHH{}", i + 2),
                at + i as i64 * 61_000,
                Some(9),
            );
            p.v = SCHEMA_VERSION;
            p.person = Some((*person).to_string());
            p.source = Source::Agent { user: 1 };
            p.outcome = outcome.clone();
            s.submission.context = contexts[i].clone();
            p.context = (i == 0).then(|| contexts[i].clone());
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        outcome
    }

    #[test]
    fn the_trainers_csv_opens_in_a_french_spreadsheet_with_plain_headers() {
        let bank = crate::outcome::bank().expect("bank");
        let t = temp_store();
        let outcome = two_results(&t);
        let (out, report) = export(&t.store, bank, 9, Format::Csv, Kind::Trainer);
        assert_eq!(
            report,
            ExportReport {
                rows: 2,
                corrupt: 0
            }
        );
        let text = std::str::from_utf8(&out[3..]).expect("utf-8");
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 3);
        assert_eq!(text.matches('\n').count(), 3, "no bare LF");
        let (header, rows) = parse(&out);
        assert_eq!(header, csv_header(bank, Kind::Trainer));
        assert_eq!(
            header[..11],
            [
                "Code",
                "Date",
                "Heure",
                "Prénom ou initiales",
                "Lieu du test",
                "Classe d'autonomie",
                "Niveau d'atelier",
                "Orientation",
                "Services conseillés",
                "Questions posées",
                "Réponses « Je ne sais pas »",
            ]
        );
        assert_eq!(
            header[11..16],
            [
                "Contexte : Quels appareils avez-vous chez vous\u{a0}?",
                "Contexte : Quel smartphone avez-vous\u{a0}?",
                "Contexte : Avez-vous une adresse e-mail\u{a0}?",
                "Contexte : Que voulez-vous faire avec le numérique\u{a0}?",
                "Contexte : Voyez-vous bien l'écran\u{a0}?",
            ]
        );
        assert_eq!(
            header.len(),
            11 + 5 + bank.referentiel.domains.len() + bank.referentiel.skills.len()
        );
        for gone in [
            "Passé",
            "Questions passées",
            "Estimation (θ)",
            "Erreur type",
        ] {
            assert!(!header.iter().any(|h| h == gone), "{gone}");
        }
        assert!(!header.iter().any(|h| h.contains('θ')), "no θ for trainers");
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        assert_eq!(&rows[0][col("Code")], "HHHH-HHH2");
        assert_eq!(&rows[0][col("Date")], "01/07/2024");
        assert_eq!(&rows[0][col("Heure")], "00:30");
        assert_eq!(&rows[1][col("Heure")], "00:31", "61 s later");
        let person = col("Prénom ou initiales");
        assert_eq!(&rows[0][person], "'=1+1", "formula defused");
        assert_eq!(&rows[1][person], "Zoé; \"la\" grande", "quoted, not split");
        assert_eq!(&rows[0][col("Lieu du test")], "Au guichet");
        assert_eq!(&rows[0][col("Questions posées")], "1");
        assert_eq!(&rows[0][col("Réponses « Je ne sais pas »")], "1");
        assert_eq!(outcome.skipped, 1);
        // Context answers in the question's order, whatever order they were given.
        fn context(r: &csv::StringRecord) -> Vec<&str> {
            r.iter().skip(11).take(5).collect()
        }
        assert_eq!(
            context(&rows[0]),
            [
                "Un smartphone / Une tablette",
                "Un iPhone",
                "Non",
                "",
                "Non, je vois mal"
            ]
        );
        // A record stored before profiles kept them: read from its log.
        assert_eq!(context(&rows[1]), ["", "", "Oui", "Chercher un emploi", ""]);
        let first_domain = 16;
        let first_skill = first_domain + bank.referentiel.domains.len();
        assert!(!rows[0][first_domain].is_empty(), "domain levels filled");
        assert!(!rows[0][first_skill].is_empty(), "skill statuses filled");
        let class = outcome.profile.as_ref().expect("profile").class.clone();
        assert_eq!(
            &rows[0][col("Classe d'autonomie")],
            class_label(bank, &class)
        );
        let (none, _) = export(&t.store, bank, 10, Format::Csv, Kind::Trainer);
        assert_eq!(parse(&none).1.len(), 0);
    }

    #[test]
    fn the_technical_csv_has_theta_and_tallies_and_no_first_name() {
        let bank = crate::outcome::bank().expect("bank");
        let t = temp_store();
        let outcome = two_results(&t);
        let (out, report) = export(&t.store, bank, 9, Format::Csv, Kind::Technical);
        assert_eq!(report.rows, 2);
        let (header, rows) = parse(&out);
        assert_eq!(header, csv_header(bank, Kind::Technical));
        assert_eq!(header.len(), 14 + 4 * bank.referentiel.skills.len());
        assert!(!header.iter().any(|h| h.contains("Prénom")));
        let text = String::from_utf8_lossy(&out);
        assert!(
            !text.contains("Zoé") && !text.contains("=1+1"),
            "no first name"
        );
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let r = &rows[0];
        assert_eq!(&r[col("Code")], "HHHH-HHH2");
        assert_eq!(&r[col("Heure")], "00:30");
        assert_eq!(&r[col("Lieu du test")], "Au guichet");
        assert_eq!(&r[col("Estimation θ (logits)")], decimal(outcome.theta, 3));
        assert_eq!(&r[col("Erreur type de θ")], decimal(outcome.se, 3));
        assert!(r[col("Erreur type de θ")].contains(','), "decimal comma");
        let back: f64 = r[col("Estimation θ (logits)")]
            .replace(',', ".")
            .parse()
            .expect("a number");
        assert!((back - outcome.theta).abs() <= 5e-4);
        assert_eq!(&r[col("Estimateur")], outcome.estimator);
        assert_eq!(&r[col("Profil provisoire")], "non");
        assert_eq!(&r[col("Version du moteur")], outcome.engine_version);
        assert_eq!(
            &r[col("Contexte (identifiants)")],
            "equipment:tablet equipment:smartphone phone:iphone email:no sight:no"
        );
        assert_eq!(
            &rows[1][col("Contexte (identifiants)")],
            "goal:emploi email:yes"
        );
        // The one skill answered (skipped) counts 1 question, 1 « Je ne sais pas ».
        let tally = &outcome.skills[0];
        let label = skill_label(bank, &tally.skill);
        assert_eq!(&r[col(&format!("Questions : {label}"))], "1");
        assert_eq!(&r[col(&format!("« Je ne sais pas » : {label}"))], "1");
        assert_eq!(&r[col(&format!("Score : {label}"))], "0");
        assert_eq!(
            r[col(&format!("Score maximal : {label}"))],
            tally.max_score.to_string()
        );
        let answered: usize = (14..r.len())
            .step_by(4)
            .map(|i| r[i].parse::<usize>().expect("count"))
            .sum();
        assert_eq!(answered, outcome.items, "every question in one skill");
    }

    #[test]
    fn the_json_exports_use_the_same_words() {
        let bank = crate::outcome::bank().expect("bank");
        let t = temp_store();
        let outcome = two_results(&t);
        let (js, _) = export(&t.store, bank, 9, Format::Json, Kind::Trainer);
        let v: serde_json::Value = serde_json::from_slice(&js).expect("valid JSON");
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        let row = &v[0];
        assert_eq!(row["code"], "HHHH-HHH2");
        assert_eq!(row["date"], "01/07/2024");
        assert_eq!(row["time"], "00:30");
        assert_eq!(row["person"], "=1+1", "JSON is not a spreadsheet");
        assert_eq!(
            row["place"],
            serde_json::json!({"id": "agent", "label": "Au guichet"})
        );
        assert_eq!(
            (row["questions"].as_u64(), row["dont_know"].as_u64()),
            (Some(1), Some(1))
        );
        assert!(row.get("theta").is_none() && row.get("se").is_none());
        assert_eq!(row["context"][0]["id"], "equipment");
        assert_eq!(
            row["context"][0]["answers"],
            serde_json::json!([
                {"id": "smartphone", "label": "Un smartphone"},
                {"id": "tablet", "label": "Une tablette"},
            ])
        );
        assert_eq!(row["context"][1]["id"], "phone");
        assert_eq!(
            row["context"][1]["answers"],
            serde_json::json!([{"id": "iphone", "label": "Un iPhone"}])
        );
        assert_eq!(row["context"][3]["answers"], serde_json::json!([]));
        assert_eq!(v[1]["context"][3]["answers"][0]["id"], "emploi");
        let class = &outcome.profile.as_ref().expect("profile").class;
        assert_eq!(row["profile"]["class"]["id"], class.as_str());

        let (js, _) = export(&t.store, bank, 9, Format::Json, Kind::Technical);
        let v: serde_json::Value = serde_json::from_slice(&js).expect("valid JSON");
        let row = &v[0];
        assert_eq!(row["theta"].as_f64(), Some(outcome.theta));
        assert_eq!(row["se"].as_f64(), Some(outcome.se));
        assert_eq!(row["time"], "00:30");
        assert_eq!(row["place"]["label"], "Au guichet");
        assert!(row.get("person").is_none(), "no first name");
        assert_eq!(
            row["context"][0],
            serde_json::json!({"question": "equipment", "answer": "tablet"})
        );
        assert_eq!(row["skills"][0]["dont_know"], 1);
        let (none, _) = export(&t.store, bank, 10, Format::Json, Kind::Technical);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&none).expect("json"),
            serde_json::json!([])
        );
    }

    /// The dates of an export are the days of the structure's time zone.
    #[test]
    fn export_dates_are_days_of_the_structure_time_zone() {
        let bank = crate::outcome::bank().expect("bank");
        let t = temp_store();
        let paris = crate::records::Structure {
            v: SCHEMA_VERSION,
            id: 1,
            name: "Paris".into(),
            created_at: 0,
            tz: None,
            second_factor_required: false,
        };
        let cayenne = crate::records::Structure {
            id: 2,
            name: "Cayenne".into(),
            tz: Some("America/Cayenne".into()),
            ..paris.clone()
        };
        t.store.add_structure(&paris).expect("structure");
        t.store.add_structure(&cayenne).expect("structure");
        // 2026-03-29T00:30Z and 2026-12-31T23:30Z.
        let instants = [1_774_744_200_000_i64, 1_798_759_800_000];
        for st in [1u64, 2] {
            for (i, at) in instants.iter().enumerate() {
                let (s, p) = records(
                    &format!("s{st}-{i}"),
                    &format!("JJJJ-JJ{st}{}", i + 2),
                    *at,
                    Some(st),
                );
                t.store.insert_result(&s, &p, None).expect("insert");
            }
        }
        let dates = |structure: u64, kind: Kind| -> Vec<(String, String)> {
            let (out, _) = export(&t.store, bank, structure, Format::Csv, kind);
            parse(&out)
                .1
                .iter()
                .map(|r| (r[1].to_string(), r[2].to_string()))
                .collect()
        };
        let pair = |d: &str, t: &str| (d.to_string(), t.to_string());
        assert_eq!(
            dates(1, Kind::Trainer),
            [pair("29/03/2026", "01:30"), pair("01/01/2027", "00:30")]
        );
        assert_eq!(
            dates(2, Kind::Trainer),
            [pair("28/03/2026", "21:30"), pair("31/12/2026", "20:30")]
        );
        assert_eq!(dates(2, Kind::Technical), dates(2, Kind::Trainer));
        let (js, _) = export(&t.store, bank, 1, Format::Json, Kind::Trainer);
        let v: serde_json::Value = serde_json::from_slice(&js).expect("json");
        assert_eq!(v[1]["date"], "01/01/2027");
        assert_eq!(v[1]["time"], "00:30");
    }
}
