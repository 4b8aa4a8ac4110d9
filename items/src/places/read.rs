//! Reading a file of the national schema of mediation places, as published: CSV
//! (separated by `,` or `;`, quoted, UTF-8 or, from spreadsheets, Windows-1252) or
//! JSON (an array of objects, or an object holding one).
//!
//! Leniently: header names in any case and with or without accents
//! (`Code postal`, `code_postal`, `cp`), multi-valued fields separated by `;` or
//! `|` (older exports) or given as JSON arrays, values in any case, the long
//! wordings and old spellings ([`super::model`]), decimal commas in coordinates,
//! postcodes and INSEE codes that lost their leading zero in a spreadsheet, phone
//! numbers written the French way (`01 23 45 67 89`).
//!
//! A row is taken when it has an id (unique in the file), a name, at least one
//! service of the schema and a position (coordinates, a postcode or an INSEE
//! code). Every row that is not taken gives one [`RowProblem`] naming its line and
//! field; a value that cannot be read in a row that is taken (an unknown service
//! among known ones, a malformed phone number) gives one too, marked `kept`. The
//! whole file is refused ([`ReadError`]) only when it cannot be read at all: not
//! CSV or JSON, or without the columns every row needs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::value::RawValue;
use serde_json::Value;

use super::model::{
    fold, read_programme, Access, Accompaniment, Fee, Label, Place, Service, Support,
};

/// Something a row could not give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// Line of the row in the file (1-based; a CSV row's first line).
    pub line: usize,
    /// The field (schema name).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// The row was taken anyway, without this value.
    pub kept: bool,
}

impl RowProblem {
    /// `file:line: field: problem`, with « (row kept) » for a value dropped from a
    /// row that was taken.
    pub fn render(&self, file: &str) -> String {
        let kept = if self.kept { " (row kept)" } else { "" };
        format!(
            "{file}:{}: {}: {}{kept}",
            self.line, self.field, self.message
        )
    }
}

/// What reading a file gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadReport {
    /// The places taken, in file order.
    pub places: Vec<Place>,
    /// Rows of data seen (header excluded).
    pub rows: usize,
    /// One entry per row not taken, and per value dropped from a row taken.
    pub problems: Vec<RowProblem>,
    /// `csv ,`, `csv ;`, `csv tab` or `json`, and the encoding when it was not
    /// UTF-8.
    pub format: String,
}

impl ReadReport {
    /// Rows not taken.
    pub fn rejected(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| !p.kept)
            .map(|p| p.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }
}

/// Why a whole file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing in it.
    Empty,
    /// JSON that does not parse.
    Json {
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// JSON that holds no array of places.
    NoArray,
    /// A column every row needs is missing (CSV header, or no JSON object has it).
    MissingColumn {
        /// Line of the header (1 for CSV).
        line: usize,
        /// The schema's name of the column.
        column: &'static str,
    },
}

impl ReadError {
    /// `file:line:col: message` (or `file: message`).
    pub fn render(&self, file: &str) -> String {
        match self {
            ReadError::Empty => format!("{file}: the file is empty"),
            ReadError::Json {
                line,
                column,
                message,
            } => format!("{file}:{line}:{column}: not valid JSON: {message}"),
            ReadError::NoArray => {
                format!("{file}:1: the JSON holds no array of places (expected [ {{…}}, … ])")
            }
            ReadError::MissingColumn { line, column } => format!(
                "{file}:{line}: {column}: missing column (the national schema's `{column}` is required)"
            ),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("file"))
    }
}

impl std::error::Error for ReadError {}

/// The fields Repère reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Field {
    Id,
    Nom,
    Commune,
    CodePostal,
    CodeInsee,
    Adresse,
    Complement,
    Latitude,
    Longitude,
    Typologie,
    Telephone,
    SiteWeb,
    Horaires,
    Resume,
    DateMaj,
    Services,
    PriseEnCharge,
    Frais,
    Dispositifs,
    Acces,
    Accompagnement,
    FicheAccesLibre,
    PriseRdv,
}

const FIELD_COUNT: usize = 23;

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Nom => "nom",
            Field::Commune => "commune",
            Field::CodePostal => "code_postal",
            Field::CodeInsee => "code_insee",
            Field::Adresse => "adresse",
            Field::Complement => "complement_adresse",
            Field::Latitude => "latitude",
            Field::Longitude => "longitude",
            Field::Typologie => "typologie",
            Field::Telephone => "telephone",
            Field::SiteWeb => "site_web",
            Field::Horaires => "horaires",
            Field::Resume => "presentation_resume",
            Field::DateMaj => "date_maj",
            Field::Services => "services",
            Field::PriseEnCharge => "prise_en_charge_specifique",
            Field::Frais => "frais_a_charge",
            Field::Dispositifs => "dispositif_programmes_nationaux",
            Field::Acces => "modalites_acces",
            Field::Accompagnement => "modalites_accompagnement",
            Field::FicheAccesLibre => "fiche_acces_libre",
            Field::PriseRdv => "prise_rdv",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The field of a column name, in any case, with or without accents, spaces
    /// or hyphens for underscores; a few common short names too.
    fn of_header(name: &str) -> Option<Field> {
        let n: String = fold(name.trim_start_matches('\u{feff}'))
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        Some(match n.as_str() {
            "id" | "identifiant" => Field::Id,
            "nom" => Field::Nom,
            "commune" | "ville" => Field::Commune,
            "code_postal" | "codepostal" | "cp" => Field::CodePostal,
            "code_insee" | "insee" | "cog" => Field::CodeInsee,
            "adresse" => Field::Adresse,
            "complement_adresse" | "complement_d'adresse" => Field::Complement,
            "latitude" | "lat" => Field::Latitude,
            "longitude" | "lon" | "lng" => Field::Longitude,
            "typologie" => Field::Typologie,
            "telephone" | "tel" => Field::Telephone,
            "site_web" | "site" => Field::SiteWeb,
            "horaires" | "opening_hours" => Field::Horaires,
            "presentation_resume" => Field::Resume,
            "date_maj" | "date_mise_a_jour" => Field::DateMaj,
            "services" => Field::Services,
            "prise_en_charge_specifique" => Field::PriseEnCharge,
            "frais_a_charge" => Field::Frais,
            "dispositif_programmes_nationaux" => Field::Dispositifs,
            "modalites_acces" => Field::Acces,
            "modalites_accompagnement" => Field::Accompagnement,
            "fiche_acces_libre" => Field::FicheAccesLibre,
            "prise_rdv" => Field::PriseRdv,
            _ => return None,
        })
    }
}

/// The values of one row, by field (borrowed from the CSV record, owned from
/// JSON).
struct Row<'a> {
    line: usize,
    values: [Option<Cow<'a, str>>; FIELD_COUNT],
}

impl<'a> Row<'a> {
    fn new(line: usize) -> Row<'a> {
        Row {
            line,
            values: Default::default(),
        }
    }

    fn get(&self, f: Field) -> Option<&str> {
        self.values[f.index()]
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// Reads a file (its bytes): JSON when it starts with `[` or `{`, CSV otherwise.
pub fn read(bytes: &[u8]) -> Result<ReadReport, ReadError> {
    let (text, encoding) = decode(bytes);
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let mut report = if text.trim_start().starts_with(['[', '{']) {
        read_json(text)?
    } else {
        read_csv(text)?
    };
    if let Some(e) = encoding {
        report.format.push_str(&format!(", {e}"));
    }
    Ok(report)
}

/// UTF-8 when it is, else Windows-1252 (what spreadsheets write in France).
fn decode(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Option<&'static str>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), None),
        Err(_) => {
            const HIGH: [char; 32] = [
                '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}',
                'Ž', '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›',
                'œ', '\u{9d}', 'ž', 'Ÿ',
            ];
            let s = bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9f => HIGH[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect();
            (std::borrow::Cow::Owned(s), Some("windows-1252"))
        }
    }
}

/// The separator of a CSV file: the most frequent of `,` `;` and tab outside
/// quotes on its first line.
fn separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let (mut comma, mut semi, mut tab, mut quoted) = (0, 0, 0, false);
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab > semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// Reads CSV text (see the module documentation).
pub fn read_csv(text: &str) -> Result<ReadReport, ReadError> {
    let sep = separator(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| ReadError::Empty)?.clone();
    let columns: Vec<Option<Field>> = headers.iter().map(Field::of_header).collect();
    for required in [Field::Id, Field::Nom, Field::Services] {
        if !columns.contains(&Some(required)) {
            return Err(ReadError::MissingColumn {
                line: 1,
                column: required.name(),
            });
        }
    }
    let mut builder = Builder::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                if record.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                let mut row = Row::new(line);
                for (value, column) in record.iter().zip(&columns) {
                    if let Some(f) = column {
                        row.values[f.index()] = Some(Cow::Borrowed(value));
                    }
                }
                builder.row(&row);
            }
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                builder.rows += 1;
                builder.problems.push(RowProblem {
                    line,
                    field: "row".into(),
                    message: format!("not readable as CSV: {e}"),
                    kept: false,
                });
            }
        }
    }
    let name = match sep {
        b';' => "csv ;",
        b'\t' => "csv tab",
        _ => "csv ,",
    };
    Ok(builder.finish(name))
}

/// Reads JSON text (see the module documentation).
pub fn read_json(text: &str) -> Result<ReadReport, ReadError> {
    let json_error = |e: serde_json::Error| ReadError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let items: Vec<&RawValue> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(json_error)?
    } else {
        // The first member that is an array (data.gouv.fr wraps exports in one).
        let members: HashMap<String, &RawValue> = serde_json::from_str(text).map_err(json_error)?;
        let mut arrays: Vec<&&RawValue> = members
            .values()
            .filter(|v| v.get().trim_start().starts_with('['))
            .collect();
        arrays.sort_by_key(|v| v.get().as_ptr() as usize);
        let first = arrays.first().ok_or(ReadError::NoArray)?;
        serde_json::from_str(first.get()).map_err(json_error)?
    };
    let base = text.as_ptr() as usize;
    let mut builder = Builder::default();
    let mut seen_columns = [false; FIELD_COUNT];
    let (mut line, mut scanned) = (1usize, 0usize);
    for raw in items {
        let offset = (raw.get().as_ptr() as usize)
            .saturating_sub(base)
            .min(text.len());
        if offset >= scanned {
            line += text.as_bytes()[scanned..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            scanned = offset;
        }
        let object: serde_json::Map<String, Value> = match serde_json::from_str(raw.get()) {
            Ok(o) => o,
            Err(_) => {
                builder.rows += 1;
                builder.problems.push(RowProblem {
                    line,
                    field: "row".into(),
                    message: "not a JSON object".into(),
                    kept: false,
                });
                continue;
            }
        };
        let mut row = Row::new(line);
        for (key, value) in &object {
            let Some(f) = Field::of_header(key) else {
                continue;
            };
            seen_columns[f.index()] = true;
            row.values[f.index()] = json_text(value).map(Cow::Owned);
        }
        builder.row(&row);
    }
    if builder.rows > 0 {
        for required in [Field::Id, Field::Nom, Field::Services] {
            if !seen_columns[required.index()] {
                return Err(ReadError::MissingColumn {
                    line: 1,
                    column: required.name(),
                });
            }
        }
    }
    Ok(builder.finish("json"))
}

/// A JSON value as the text a CSV cell would hold: arrays joined by `;`.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => Some(a.iter().filter_map(json_text).collect::<Vec<_>>().join(";")),
        Value::Object(_) => None,
    }
}

/// Rows into places, with their problems.
#[derive(Default)]
struct Builder {
    places: Vec<Place>,
    rows: usize,
    problems: Vec<RowProblem>,
    ids: HashMap<String, usize>,
}

/// The values of a multi-valued field: split on `;` and `|`.
fn values(v: Option<&str>) -> impl Iterator<Item = &str> {
    v.unwrap_or("")
        .split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The schema's services, folded once.
fn folded_services() -> &'static [(String, Service); 9] {
    static TABLE: OnceLock<[(String, Service); 9]> = OnceLock::new();
    TABLE.get_or_init(|| Service::ALL.map(|s| (fold(s.label()), s)))
}

fn read_service(v: &str) -> Option<Service> {
    if let Some(s) = Service::from_label(v) {
        return Some(s);
    }
    let f = fold(v);
    folded_services()
        .iter()
        .find(|(l, _)| *l == f)
        .map(|(_, s)| *s)
        .or_else(|| Service::read(v))
}

impl Builder {
    fn problem(&mut self, line: usize, field: Field, message: impl Into<String>, kept: bool) {
        self.problems.push(RowProblem {
            line,
            field: field.name().into(),
            message: message.into(),
            kept,
        });
    }

    /// The values of a closed list (the schema's exact strings first, then the
    /// lenient `read`); unknown ones are reported (row kept).
    fn list<T: Label + PartialEq>(
        &mut self,
        row: &Row,
        field: Field,
        read: impl Fn(&str) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for v in values(row.get(field)) {
            match T::from_label(v).or_else(|| read(v)) {
                Some(x) => {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
                None => self.problem(
                    row.line,
                    field,
                    format!("unknown value « {v} », ignored"),
                    true,
                ),
            }
        }
        out
    }

    fn row(&mut self, row: &Row) {
        self.rows += 1;
        let line = row.line;
        let before = self.problems.len();
        let reject = |b: &mut Builder, field: Field, message: &str| {
            b.problems.truncate(before);
            b.problem(line, field, message, false);
        };
        let Some(id) = row.get(Field::Id) else {
            return reject(self, Field::Id, "missing: a place needs the file's id");
        };
        if let Some(first) = self.ids.get(id) {
            let message = format!("duplicate id « {id} » (first on line {first})");
            return reject(self, Field::Id, &message);
        }
        let Some(nom) = row.get(Field::Nom) else {
            return reject(self, Field::Nom, "missing: a place needs a name");
        };
        let services = self.list(row, Field::Services, read_service);
        if services.is_empty() {
            let message = if row.get(Field::Services).is_some() {
                "none of the values is one of the nine services of the schema"
            } else {
                "missing: a place needs at least one service"
            };
            return reject(self, Field::Services, message);
        }
        let (latitude, longitude) = self.coordinates(row);
        let code_postal = self.postcode(row);
        let code_insee = self.insee(row);
        if latitude.is_none() && code_postal.is_empty() && code_insee.is_none() {
            return reject(
                self,
                Field::CodePostal,
                "no position: no coordinates, postcode or INSEE code",
            );
        }
        let telephone = self.phone(row);
        let site_web = self.url(row, Field::SiteWeb);
        let prise_rdv = self.url(row, Field::PriseRdv);
        let fiche_acces_libre = self.url(row, Field::FicheAccesLibre);
        let place = Place {
            id: id.to_string(),
            nom: nom.to_string(),
            adresse: row.get(Field::Adresse).unwrap_or("").to_string(),
            complement_adresse: row.get(Field::Complement).map(str::to_string),
            code_postal,
            commune: row.get(Field::Commune).unwrap_or("").to_string(),
            code_insee,
            latitude,
            longitude,
            services,
            modalites_accompagnement: self.list(row, Field::Accompagnement, Accompaniment::read),
            modalites_acces: self.list(row, Field::Acces, Access::read),
            frais_a_charge: self.list(row, Field::Frais, Fee::read),
            prise_en_charge_specifique: self.list(row, Field::PriseEnCharge, Support::read),
            dispositif_programmes_nationaux: values(row.get(Field::Dispositifs))
                .filter_map(read_programme)
                .fold(Vec::new(), |mut v, p| {
                    if !v.contains(&p) {
                        v.push(p);
                    }
                    v
                }),
            typologie: values(row.get(Field::Typologie))
                .map(str::to_string)
                .collect(),
            telephone,
            site_web,
            horaires: row.get(Field::Horaires).map(str::to_string),
            prise_rdv,
            fiche_acces_libre,
            presentation_resume: row.get(Field::Resume).map(str::to_string),
            date_maj: row.get(Field::DateMaj).map(str::to_string),
        };
        self.ids.insert(place.id.clone(), line);
        self.places.push(place);
    }

    fn coordinates(&mut self, row: &Row) -> (Option<f64>, Option<f64>) {
        let number = |v: &str| v.trim().replace(',', ".").parse::<f64>().ok();
        let (lat, lon) = (row.get(Field::Latitude), row.get(Field::Longitude));
        match (lat, lon) {
            (None, None) => (None, None),
            (Some(a), Some(o)) => match (number(a), number(o)) {
                (Some(la), Some(lo)) if super::Point::new(la, lo).is_some() => (Some(la), Some(lo)),
                (Some(la), Some(_)) if !(-90.0..=90.0).contains(&la) || !la.is_finite() => {
                    self.problem(
                        row.line,
                        Field::Latitude,
                        format!("« {a} » is not a latitude (−90 to 90)"),
                        true,
                    );
                    (None, None)
                }
                (Some(_), Some(_)) => {
                    self.problem(
                        row.line,
                        Field::Longitude,
                        format!("« {o} » is not a longitude (−180 to 180)"),
                        true,
                    );
                    (None, None)
                }
                (None, _) => {
                    self.problem(
                        row.line,
                        Field::Latitude,
                        format!("« {a} » is not a number"),
                        true,
                    );
                    (None, None)
                }
                (_, None) => {
                    self.problem(
                        row.line,
                        Field::Longitude,
                        format!("« {o} » is not a number"),
                        true,
                    );
                    (None, None)
                }
            },
            (Some(_), None) => {
                self.problem(
                    row.line,
                    Field::Longitude,
                    "missing while latitude is given",
                    true,
                );
                (None, None)
            }
            (None, Some(_)) => {
                self.problem(
                    row.line,
                    Field::Latitude,
                    "missing while longitude is given",
                    true,
                );
                (None, None)
            }
        }
    }

    fn postcode(&mut self, row: &Row) -> String {
        let Some(v) = row.get(Field::CodePostal) else {
            return String::new();
        };
        let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.chars().all(|c| c.is_ascii_digit()) {
            match digits.len() {
                5 => return digits,
                // A spreadsheet dropped the leading zero (01000 → 1000).
                4 => return format!("0{digits}"),
                _ => {}
            }
        }
        self.problem(
            row.line,
            Field::CodePostal,
            format!("« {v} » is not a postcode (5 digits)"),
            true,
        );
        String::new()
    }

    fn insee(&mut self, row: &Row) -> Option<String> {
        let v = row.get(Field::CodeInsee)?;
        let mut code: String = v
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if code.len() == 4 && code.chars().all(|c| c.is_ascii_digit()) {
            code.insert(0, '0');
        }
        let b = code.as_bytes();
        let ok = b.len() == 5
            && match (b[0], b[1]) {
                (b'2', b'A' | b'B') => true,
                (b'2', x) => (b'1'..=b'9').contains(&x),
                (a, x) => {
                    (a == b'0' || (b'1'..=b'9').contains(&a)) && a != b'2' && x.is_ascii_digit()
                }
            }
            && b[2..].iter().all(u8::is_ascii_digit);
        if ok {
            Some(code)
        } else {
            self.problem(
                row.line,
                Field::CodeInsee,
                format!("« {v} » is not an INSEE code"),
                true,
            );
            None
        }
    }

    fn phone(&mut self, row: &Row) -> Option<String> {
        let v = row.get(Field::Telephone)?;
        let kept: String = v
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let normalised = if let Some(rest) = kept.strip_prefix("0033") {
            format!("+33{rest}")
        } else if kept.starts_with('0') && kept.len() == 10 {
            format!("+33{}", &kept[1..])
        } else if kept.starts_with("33") && kept.len() == 11 {
            format!("+{kept}")
        } else {
            kept
        };
        const OVERSEAS: [&str; 9] = [
            "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
        ];
        let digits = normalised.len().saturating_sub(1);
        let ok = normalised.starts_with('+')
            && normalised[1..].chars().all(|c| c.is_ascii_digit())
            && ((normalised.starts_with("+33") && digits == 11)
                || (OVERSEAS.iter().any(|p| normalised.starts_with(p))
                    && (9..=12).contains(&digits)));
        if ok {
            Some(normalised)
        } else {
            self.problem(
                row.line,
                Field::Telephone,
                format!("« {v} » is not a phone number"),
                true,
            );
            None
        }
    }

    fn url(&mut self, row: &Row, field: Field) -> Option<String> {
        let v = row.get(field)?;
        let first = v
            .split([';', '|', ' ', ','])
            .map(str::trim)
            .find(|s| !s.is_empty())?;
        let lower = first.to_ascii_lowercase();
        if (lower.starts_with("https://") || lower.starts_with("http://")) && first.len() > 10 {
            Some(first.to_string())
        } else if lower.starts_with("www.") {
            Some(format!("https://{first}"))
        } else {
            self.problem(
                row.line,
                field,
                format!("« {first} » is not a web address"),
                true,
            );
            None
        }
    }

    fn finish(self, format: &str) -> ReadReport {
        ReadReport {
            places: self.places,
            rows: self.rows,
            problems: self.problems,
            format: format.to_string(),
        }
    }
}

/// A generated file of the national schema (CSV with `,`), `rows` fictional places
/// scattered over mainland France, for the tests and the import benchmark.
/// Deterministic for a seed.
pub fn synthetic_csv(rows: usize, seed: u64) -> String {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = String::with_capacity(rows * 600);
    out.push_str(
        "id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,\
typologie,telephone,courriels,site_web,horaires,presentation_resume,date_maj,services,\
prise_en_charge_specifique,frais_a_charge,dispositif_programmes_nationaux,modalites_acces,\
modalites_accompagnement,fiche_acces_libre,prise_rdv\n",
    );
    let modes = [
        "En autonomie",
        "Accompagnement individuel",
        "Dans un atelier collectif",
    ];
    let fees = ["Gratuit", "Gratuit sous condition", "Payant"];
    let supports = [
        "Surdité",
        "Illettrisme",
        "Déficience visuelle",
        "Langues étrangères (anglais)",
    ];
    let programmes = [
        "France Services",
        "Aidants Connect",
        "Conseillers numériques",
    ];
    for n in 0..rows {
        let r = next();
        let lat = 42.5 + (r % 8_000) as f64 / 1000.0;
        let lon = -4.5 + ((r >> 16) % 12_500) as f64 / 1000.0;
        // 20 is not a département any more (Corsica is 2A and 2B).
        let dept = match 1 + (r >> 32) % 95 {
            20 => 21,
            d => d,
        };
        let pick = |bits: u64, list: &[&str]| -> String {
            list.iter()
                .enumerate()
                .filter(|(i, _)| bits >> i & 1 == 1)
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
                .join(";")
        };
        let s = next();
        let mut services = pick(s | 1 << (s % 9), &Service::ALL.map(Service::label));
        if services.is_empty() {
            services = Service::OutilsDuQuotidien.label().to_string();
        }
        out.push_str(&format!(
            "lieu-{n},{siret:014},Lieu de médiation numérique n° {n},Commune {dept},{dept:02}{cp:03},{dept:02}{cp:03},\
{num} rue de l'Exemple,,{lat:.5},{lon:.5},ASSO,+33{phone:09},,https://lieu-{n}.exemple.fr,\
\"Mo-Fr 09:00-12:00,14:00-17:30\",,2026-01-15,\"{services}\",\"{supports}\",{fee},\"{programmes}\",\
Se présenter;Téléphoner,\"{modes}\",,\n",
            siret = 10_000_000_000_000 + n as u64,
            cp = (r >> 40) % 1000,
            num = 1 + (r >> 20) % 150,
            phone = 100_000_000 + (r >> 8) % 800_000_000,
            supports = pick(s >> 9, &supports),
            fee = fees[((s >> 13) % 3) as usize],
            programmes = pick(s >> 15, &programmes),
            modes = pick((s >> 18) | 2, &modes),
        ));
    }
    out
}
