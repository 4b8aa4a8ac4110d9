//! The référentiel of beginner digital skills and the item bank of Repère.
//!
//! Data files live beside this crate (`items/data/`): `referentiel.toml` (domains,
//! skills, profile and orientation rules), `context.toml` (context questions and
//! start rules) and `bank/<skill>.toml` (the items of one skill). `items/README.md`
//! is the authors' guide to their format.
//!
//! This crate loads and checks them, hands the engine checked item parameters
//! ([`BankItem::engine_item`]) and owns the scoring of responses ([`score`]), which
//! the app (wasm) and the server share.
//!
//! Three ways in, same result:
//! - `embedded()`: the data files compiled into the binary, parsed and checked at
//!   start (the server);
//! - `load_dir` / `check_dir`: a folder on disk (`repere items check`, build
//!   scripts), `check_dir` also checks the pictures of `assets/pictures/`;
//! - [`Bank::from_compact`]: a bank already checked at build time and encoded by
//!   [`Bank::to_compact`] (the browser app: no TOML parser, no validator in the wasm).
//!
//! The first two, with the TOML parser and the validator, are behind the `source`
//! feature (on by default); the app turns it off.
//!
//! The library never prints and never panics on bad data: every problem comes back
//! as a `Problem` with its `file:line:col`.

use std::collections::BTreeMap;
use std::fmt;
#[cfg(feature = "source")]
use std::path::Path;

pub mod assessment;
mod compact;
#[cfg(feature = "source")]
mod diag;
mod item;
#[cfg(feature = "source")]
mod load;
#[cfg(feature = "source")]
mod note;
pub mod places;
pub mod qr;
mod referentiel;
#[cfg(feature = "simulate")]
pub mod respond;
mod score;
pub mod spoken;
#[cfg(feature = "source")]
mod spoken_form;
mod svg;
mod text;
#[cfg(feature = "simulate")]
pub mod validate;

pub use compact::CompactError;
#[cfg(feature = "source")]
pub use diag::{line_col, Problem};
pub use item::*;
#[cfg(feature = "source")]
pub use load::{
    build, build_archived, build_calibrated, PictureReader, Rules, BANK_DIR, CONTEXT_FILE,
    REFERENTIEL_FILE,
};
pub use referentiel::*;
pub use score::{
    field_error, score, Response, ScoreError, FORM_SUBMIT, MAILBOX_BUTTONS, MAILBOX_FIELDS,
    MAX_ACTIONS, MAX_TEXT_CHARS,
};
pub use svg::view_box;
pub use text::{breakable_spaces, fold_accents, long_sentences, normalise, MAX_WORDS_PER_SENTENCE};

#[cfg(feature = "source")]
mod files {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The name under which the browser app fetches a compact bank: `bank-` and a
/// hash (FNV-1a, 64 bits, hexadecimal) of its bytes, `.bin`. The same bytes give the
/// same name on the server, which serves them, and in the app, which asks for
/// them; other bytes give another name, so a cached copy is never stale.
pub fn delivery_file_name(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("bank-{h:016x}.bin")
}

/// Without a `[bank]` table in the référentiel (test fixtures), the summary lists
/// the skills with fewer live items than this (a warning, not an error).
pub const MIN_LIVE_ITEMS_PER_SKILL: usize = 5;

/// Floor and ceiling of the summary without a `[bank]` table: live items at or
/// below this location…
pub const DEFAULT_FLOOR_B: f64 = -3.0;
/// …and at or above this one.
pub const DEFAULT_CEILING_B: f64 = 1.0;

/// The référentiel, the context questions and the items, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Bank {
    /// The référentiel.
    pub referentiel: Referentiel,
    /// Context questions and start rules.
    pub context: Context,
    items: Vec<BankItem>,
    by_id: BTreeMap<String, usize>,
}

impl Bank {
    pub(crate) fn new(
        referentiel: Referentiel,
        context: Context,
        mut items: Vec<BankItem>,
    ) -> Self {
        // Order: skills in référentiel order, then item id.
        let rank: BTreeMap<&str, usize> = referentiel
            .skills
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        items.sort_by(|a, b| {
            let ra = rank.get(a.skill.as_str()).copied().unwrap_or(usize::MAX);
            let rb = rank.get(b.skill.as_str()).copied().unwrap_or(usize::MAX);
            (ra, &a.id).cmp(&(rb, &b.id))
        });
        let by_id = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.clone(), i))
            .collect();
        Bank {
            referentiel,
            context,
            items,
            by_id,
        }
    }

    /// Id of the référentiel (`repere-gd`).
    pub fn id(&self) -> &str {
        &self.referentiel.id
    }

    /// Version of the référentiel and bank (semver).
    pub fn version(&self) -> &str {
        &self.referentiel.version
    }

    /// Every item (all statuses), by skill in référentiel order, then by id.
    pub fn items(&self) -> &[BankItem] {
        &self.items
    }

    /// Live items only: the ones a test may show.
    pub fn live_items(&self) -> impl Iterator<Item = &BankItem> {
        self.items.iter().filter(|i| i.status == Status::Live)
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&BankItem> {
        self.by_id.get(id).and_then(|i| self.items.get(*i))
    }

    /// The items of a skill (all statuses).
    pub fn items_of_skill<'a>(&'a self, skill: &'a str) -> impl Iterator<Item = &'a BankItem> + 'a {
        self.items.iter().filter(move |i| i.skill == skill)
    }

    /// The items of a domain (all statuses).
    pub fn items_of_domain<'a>(
        &'a self,
        domain: &'a str,
    ) -> impl Iterator<Item = &'a BankItem> + 'a {
        self.items.iter().filter(move |i| {
            self.referentiel
                .skill(&i.skill)
                .is_some_and(|s| s.domain == domain)
        })
    }

    /// The bank as a test needs it, for delivery to a browser: retired items (never
    /// shown; their ids stay readable in the server's banks), the reviewers' notes
    /// (items' `note`, `provenance.note` and `provenance.date`, the rules' `note`,
    /// the steps' `label`, written for trainers' reports) and the labels of the CRCN
    /// and DigComp competences (the codes stay) are left out, every other field is
    /// kept. The app embeds this form (`Bank::to_compact` of it), which keeps its
    /// download small.
    pub fn for_delivery(&self) -> Bank {
        let items = self
            .items
            .iter()
            .filter(|i| i.status != Status::Retired)
            .map(|i| {
                let mut i = i.clone();
                i.note = None;
                i.irt.provenance.note = None;
                i.irt.provenance.date.clear();
                i.body.clear_step_labels();
                i
            })
            .collect();
        let mut referentiel = self.referentiel.clone();
        referentiel.frameworks.crcn.competences.clear();
        referentiel.frameworks.digcomp.competences.clear();
        for r in &mut referentiel.profile.orientation.rules {
            r.note = None;
        }
        for a in &mut referentiel.profile.orientation.adjustments {
            a.note = None;
        }
        let mut context = self.context.clone();
        for r in &mut context.start_rules {
            r.note = None;
        }
        Bank::new(referentiel, context, items)
    }

    /// Counts for authors: by domain, skill, type, band and status.
    pub fn summary(&self) -> Summary {
        let targets = self.referentiel.bank.as_ref();
        let min_live_per_skill = targets.map_or(MIN_LIVE_ITEMS_PER_SKILL, |t| t.min_live_per_skill);
        let floor_b = targets.map_or(DEFAULT_FLOOR_B, |t| t.floor_b);
        let ceiling_b = targets.map_or(DEFAULT_CEILING_B, |t| t.ceiling_b);
        let mut s = Summary {
            id: self.id().to_string(),
            version: self.version().to_string(),
            items: self.items.len(),
            min_live_per_skill,
            floor_b,
            ceiling_b,
            ..Summary::default()
        };
        for d in &self.referentiel.domains {
            s.by_domain
                .push((d.id.clone(), self.items_of_domain(&d.id).count()));
            let live: Vec<f64> = self
                .items_of_domain(&d.id)
                .filter(|i| i.status == Status::Live)
                .map(|i| i.irt.location())
                .collect();
            s.floor
                .push((d.id.clone(), live.iter().filter(|b| **b <= floor_b).count()));
            s.ceiling.push((
                d.id.clone(),
                live.iter().filter(|b| **b >= ceiling_b).count(),
            ));
        }
        for sk in &self.referentiel.skills {
            let mut c = StatusCounts::default();
            for it in self.items_of_skill(&sk.id) {
                c.add(it.status);
            }
            if c.live < min_live_per_skill {
                s.under_minimum.push((sk.id.clone(), c.live));
            }
            s.by_skill.push((sk.id.clone(), c));
        }
        for t in ItemType::ALL {
            let n = self.items.iter().filter(|i| i.item_type() == t).count();
            s.by_type.push((t.name().to_string(), n));
        }
        for b in Band::ALL {
            let n = self
                .live_items()
                .filter(|i| Band::of(i.irt.location()) == b)
                .count();
            s.by_band.push((b, n));
        }
        for it in &self.items {
            s.by_status.add(it.status);
        }
        s
    }
}

/// Expert difficulty bands (see the README): the band of an item is the band of its
/// location ([`Irt::location`]). A location on a boundary belongs to the harder band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// b < −3 (expert value −3.5): a first contact with a screen.
    FirstContact,
    /// −3 ≤ b < −2 (expert value −2.5).
    VeryEasy,
    /// −2 ≤ b < −1 (expert value −1.5).
    Easy,
    /// −1 ≤ b < 0 (expert value −0.5).
    Medium,
    /// 0 ≤ b < 1 (expert value +0.5).
    Intermediate,
    /// b ≥ 1 (expert value +1.5): what an autonomous person does.
    Hard,
}

impl Band {
    /// All bands, easiest first.
    pub const ALL: [Band; 6] = [
        Band::FirstContact,
        Band::VeryEasy,
        Band::Easy,
        Band::Medium,
        Band::Intermediate,
        Band::Hard,
    ];

    /// The band of a location on the θ scale.
    pub fn of(b: f64) -> Band {
        if b < -3.0 {
            Band::FirstContact
        } else if b < -2.0 {
            Band::VeryEasy
        } else if b < -1.0 {
            Band::Easy
        } else if b < 0.0 {
            Band::Medium
        } else if b < 1.0 {
            Band::Intermediate
        } else {
            Band::Hard
        }
    }

    /// The value an expert gives `b` for this band.
    pub fn expert_b(self) -> f64 {
        match self {
            Band::FirstContact => -3.5,
            Band::VeryEasy => -2.5,
            Band::Easy => -1.5,
            Band::Medium => -0.5,
            Band::Intermediate => 0.5,
            Band::Hard => 1.5,
        }
    }

    /// Whether a location fits this band as an expert states it in a note
    /// (`bande moyen`): strictly inside the band, half a logit either side of its
    /// expert value (the first and last bands are open outwards). A location on a
    /// boundary is a half-band, stated `bande entre facile et moyen`.
    pub fn fits(self, location: f64) -> bool {
        let e = self.expert_b();
        let under_upper = self == Band::Hard || location < e + 0.5;
        let over_lower = self == Band::FirstContact || location > e - 0.5;
        under_upper && over_lower
    }

    /// English name.
    pub fn name(self) -> &'static str {
        match self {
            Band::FirstContact => "first contact",
            Band::VeryEasy => "very easy",
            Band::Easy => "easy",
            Band::Medium => "medium",
            Band::Intermediate => "intermediate",
            Band::Hard => "hard",
        }
    }

    /// French name, as written in notes (`bande très facile`).
    pub fn french(self) -> &'static str {
        match self {
            Band::FirstContact => "premier contact",
            Band::VeryEasy => "très facile",
            Band::Easy => "facile",
            Band::Medium => "moyen",
            Band::Intermediate => "intermédiaire",
            Band::Hard => "difficile",
        }
    }
}

/// Items by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// Live items.
    pub live: usize,
    /// Drafts.
    pub draft: usize,
    /// Retired items.
    pub retired: usize,
}

impl StatusCounts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Live => self.live += 1,
            Status::Draft => self.draft += 1,
            Status::Retired => self.retired += 1,
        }
    }
}

/// What `repere items check` prints for a valid bank.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Référentiel id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Number of items (all statuses).
    pub items: usize,
    /// Items by status.
    pub by_status: StatusCounts,
    /// Items by domain id, in référentiel order.
    pub by_domain: Vec<(String, usize)>,
    /// Items by skill id, in référentiel order.
    pub by_skill: Vec<(String, StatusCounts)>,
    /// Items by type, in [`ItemType::ALL`] order.
    pub by_type: Vec<(String, usize)>,
    /// Live items by difficulty band.
    pub by_band: Vec<(Band, usize)>,
    /// Live items every skill should have (`[bank] min_live_per_skill`, or
    /// [`MIN_LIVE_ITEMS_PER_SKILL`]).
    pub min_live_per_skill: usize,
    /// Skills with fewer than `min_live_per_skill` live items, with their count.
    pub under_minimum: Vec<(String, usize)>,
    /// Location of the floor (`[bank] floor_b`, or [`DEFAULT_FLOOR_B`]).
    pub floor_b: f64,
    /// Live items at or below the floor, by domain in référentiel order.
    pub floor: Vec<(String, usize)>,
    /// Location of the ceiling (`[bank] ceiling_b`, or [`DEFAULT_CEILING_B`]).
    pub ceiling_b: f64,
    /// Live items at or above the ceiling, by domain in référentiel order.
    pub ceiling: Vec<(String, usize)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.by_status;
        writeln!(
            f,
            "{} {}: {} items ({} live, {} draft, {} retired)",
            self.id, self.version, self.items, s.live, s.draft, s.retired
        )?;
        writeln!(f, "by domain:")?;
        for (d, n) in &self.by_domain {
            writeln!(f, "  {d:<28} {n:>4}")?;
        }
        writeln!(f, "by skill (live / draft / retired):")?;
        for (k, c) in &self.by_skill {
            writeln!(f, "  {k:<28} {:>4} {:>4} {:>4}", c.live, c.draft, c.retired)?;
        }
        writeln!(f, "by type:")?;
        for (t, n) in &self.by_type {
            writeln!(f, "  {t:<28} {n:>4}")?;
        }
        writeln!(f, "live items by difficulty band:")?;
        for (b, n) in &self.by_band {
            writeln!(f, "  {:<28} {n:>4}", b.name())?;
        }
        writeln!(
            f,
            "floor and ceiling (live items at b <= {} / b >= {}):",
            self.floor_b, self.ceiling_b
        )?;
        for ((d, lo), (_, hi)) in self.floor.iter().zip(&self.ceiling) {
            writeln!(f, "  {d:<28} {lo:>4} {hi:>4}")?;
        }
        let total = |v: &[(String, usize)]| v.iter().map(|(_, n)| n).sum::<usize>();
        writeln!(
            f,
            "  {:<28} {:>4} {:>4}",
            "all",
            total(&self.floor),
            total(&self.ceiling)
        )?;
        let min = self.min_live_per_skill;
        if self.under_minimum.is_empty() {
            writeln!(f, "every skill has at least {min} live items")?;
        } else {
            writeln!(
                f,
                "skills under {min} live items ({}):",
                self.under_minimum.len()
            )?;
            for (k, n) in &self.under_minimum {
                writeln!(f, "  {k:<28} {n:>4}")?;
            }
        }
        Ok(())
    }
}

/// Why a folder could not be loaded.
#[cfg(feature = "source")]
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The data has problems.
    #[error("{} problem(s) in the data", .0.len())]
    Invalid(Vec<Problem>),
}

/// The data files embedded at build time, as `(path relative to data/, text)`.
#[cfg(feature = "source")]
pub fn embedded_sources() -> Vec<(String, String)> {
    files::FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// The bank compiled into the binary (the shipped `items/data/`). Pictures are not
/// checked here (tests check them on disk); otherwise identical to
/// [`load_dir`]`("items/data")`.
#[cfg(feature = "source")]
pub fn embedded() -> Result<Bank, Vec<Problem>> {
    build(&embedded_sources(), None)
}

/// The versions kept in `items/archive/` (each frozen as it shipped), oldest first.
#[cfg(feature = "source")]
pub fn archived_versions() -> Vec<&'static str> {
    files::ARCHIVE.iter().map(|(v, _)| *v).collect()
}

/// The bank of an archived version, checked by the rules of an archive
/// ([`Rules::Archived`]), or `None` if that version is not kept. Logs of that
/// version replay on it exactly as they did when it shipped (see
/// [`assessment::Assessor`]). A folder whose référentiel is not the version it is
/// filed under is refused.
#[cfg(feature = "source")]
pub fn archived(version: &str) -> Option<Result<Bank, Vec<Problem>>> {
    let (v, files) = files::ARCHIVE.iter().find(|(v, _)| *v == version)?;
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    Some(build_archived(&sources).and_then(|bank| {
        if bank.version() == *v {
            Ok(bank)
        } else {
            Err(vec![Problem {
                file: REFERENTIEL_FILE.to_string(),
                line: 1,
                col: 1,
                message: format!(
                    "archived under `{v}` but the référentiel says version `{}`",
                    bank.version()
                ),
            }])
        }
    }))
}

/// Reads every `.toml` file under `data` as `(relative path with '/', text)`.
#[cfg(feature = "source")]
pub fn read_sources(data: &Path) -> Result<Vec<(String, String)>, LoadError> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) -> Result<(), LoadError> {
        let io = |source| LoadError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, text));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(data, data, &mut out)?;
    Ok(out)
}

/// Loads a data folder without checking pictures.
#[cfg(feature = "source")]
pub fn load_dir(data: &Path) -> Result<Bank, LoadError> {
    build(&read_sources(data)?, None).map_err(LoadError::Invalid)
}

/// Loads and fully checks a data folder, pictures included (`pictures` is the
/// `assets/pictures/` folder).
#[cfg(feature = "source")]
pub fn check_dir(data: &Path, pictures: &Path) -> Result<Bank, LoadError> {
    let sources = read_sources(data)?;
    let reader = |name: &str| std::fs::read_to_string(pictures.join(name)).ok();
    build(&sources, Some(&reader)).map_err(LoadError::Invalid)
}
