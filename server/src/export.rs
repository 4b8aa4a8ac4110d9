//! Exports of a structure's profiles, for trainers (HTTP) and admins (`repere
//! export`): CSV for spreadsheets and JSON for programs.
//!
//! The CSV opens cleanly in a French Excel or LibreOffice: UTF-8 with a byte-order
//! mark, `;` separators, CRLF line ends, French headers, dates `DD/MM/YYYY`, decimal
//! commas, and one column per domain level and per skill status (the columns come
//! from the référentiel, so they are right whatever profiles hold). A cell a person
//! typed (the first name) that starts with `= + - @` is prefixed with `'` so that a
//! spreadsheet never runs it as a formula.

use std::io::Write;

use jiff::tz::TimeZone;
use repere_items::Bank;

use crate::clock::{format_date_fr, time_zone};
use crate::records::ProfileRecord;
use crate::store::{Store, StoreError};
use crate::view::{
    class_label, level_label, modality_label, result_view, status_label, ProfileFilter,
};

/// UTF-8 byte-order mark: tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CSV for spreadsheets.
    Csv,
    /// JSON array of result views.
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

/// The header row.
pub fn csv_header(bank: &Bank) -> Vec<String> {
    let mut h: Vec<String> = [
        "Code",
        "Date",
        "Prénom ou initiales",
        "Passé",
        "Classe d'autonomie",
        "Niveau d'atelier",
        "Orientation",
        "Services conseillés",
        "Questions",
        "Questions passées",
        "Estimation (θ)",
        "Erreur type",
        "Profil provisoire",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for d in &bank.referentiel.domains {
        h.push(format!("Domaine : {}", d.label));
    }
    for s in &bank.referentiel.skills {
        h.push(format!("Compétence : {}", s.label));
    }
    h
}

fn decimal(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// A typed cell, defused for spreadsheets.
fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// One row, in the order of [`csv_header`]; the date is the day in `tz`.
pub fn csv_row(bank: &Bank, p: &ProfileRecord, tz: &TimeZone) -> Vec<String> {
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
        decimal(o.theta),
        decimal(o.se),
        match pr {
            // Only records stored before the real assessment are provisional.
            Some(_) if o.assessment.is_none() => "oui".into(),
            Some(_) => "non".into(),
            None => String::new(),
        },
    ];
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

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// Exports the profiles of a structure that pass `filter`, streaming from the store
/// into `out`. Dates are days in the structure's time zone.
pub fn export_structure<W: Write>(
    store: &dyn Store,
    bank: &Bank,
    structure: u64,
    filter: &ProfileFilter,
    format: Format,
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
            w.write_record(csv_header(bank))
                .map_err(|e| ExportError::Write(e.to_string()))?;
            let report = store.scan_profiles(structure, filter.from, filter.to, &mut |p| {
                if failed.is_none() && filter.matches(&p) {
                    match w.write_record(csv_row(bank, &p, &tz)) {
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
                    let sep: &[u8] = if rows == 0 { b"\n" } else { b",\n" };
                    let res = out
                        .write_all(sep)
                        .map_err(|e| e.to_string())
                        .and_then(|()| {
                            serde_json::to_writer(&mut out, &result_view(bank, &p, &tz))
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
    ) -> (Vec<u8>, ExportReport) {
        let mut out = Vec::new();
        let report = export_structure(
            store,
            bank,
            structure,
            &ProfileFilter::default(),
            format,
            &mut out,
        )
        .expect("export");
        (out, report)
    }

    #[test]
    fn csv_opens_in_a_french_spreadsheet() {
        let bank = crate::outcome::bank().expect("bank");
        let t = temp_store();
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
        // 2024-06-30 22:30 UTC: 1 July in Paris (structure 9 does not exist: the
        // default time zone).
        let at = 1_719_786_600_000;
        for (i, person) in ["=1+1", "Zoé; \"la\" grande"].iter().enumerate() {
            let (s, mut p) = records(
                &format!("x{i}"),
                &format!("HHHH-HHH{}", i + 2),
                at + i as i64,
                Some(9),
            );
            p.v = SCHEMA_VERSION;
            p.person = Some((*person).to_string());
            p.source = Source::Agent { user: 1 };
            p.outcome = outcome.clone();
            t.store.insert_result(&s, &p, None).expect("insert");
        }
        let (out, report) = export(&t.store, bank, 9, Format::Csv);
        assert_eq!(
            report,
            ExportReport {
                rows: 2,
                corrupt: 0
            }
        );
        assert!(out.starts_with(BOM));
        let text = std::str::from_utf8(&out[3..]).expect("utf-8");
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 3);
        assert_eq!(text.matches('\n').count(), 3, "no bare LF");
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let header: Vec<String> = r
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(
            header.len(),
            13 + bank.referentiel.domains.len() + bank.referentiel.skills.len()
        );
        assert_eq!(header, csv_header(bank));
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
        assert_eq!(&rows[0][0], "HHHH-HHH2");
        assert_eq!(&rows[0][1], "01/07/2024");
        assert_eq!(&rows[0][2], "'=1+1", "formula defused");
        assert_eq!(&rows[1][2], "Zoé; \"la\" grande", "quoted, not split");
        assert_eq!(&rows[0][3], "Au guichet");
        assert!(rows[0][10].contains(','), "decimal comma: {}", &rows[0][10]);
        assert_eq!(&rows[0][12], "non", "computed by the real assessment");
        let first_skill = 13 + bank.referentiel.domains.len();
        assert!(
            !rows[0][first_skill].is_empty(),
            "skill statuses filled from the profile"
        );
        assert!(
            !rows[0][13].is_empty(),
            "domain levels filled from the profile"
        );

        let (js, _) = export(&t.store, bank, 9, Format::Json);
        let v: serde_json::Value = serde_json::from_slice(&js).expect("valid JSON");
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        let (none, _) = export(&t.store, bank, 10, Format::Json);
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
        let dates = |structure: u64| -> Vec<String> {
            let (out, _) = export(&t.store, bank, structure, Format::Csv);
            csv::ReaderBuilder::new()
                .delimiter(b';')
                .from_reader(&out[3..])
                .records()
                .map(|r| r.expect("row")[1].to_string())
                .collect()
        };
        assert_eq!(dates(1), ["29/03/2026", "01/01/2027"]);
        assert_eq!(dates(2), ["28/03/2026", "31/12/2026"]);
        let (js, _) = export(&t.store, bank, 1, Format::Json);
        let v: serde_json::Value = serde_json::from_slice(&js).expect("json");
        assert_eq!(v[1]["date"], "01/01/2027");
    }
}
