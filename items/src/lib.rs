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
pub mod places;
pub mod qr;
mod referentiel;
mod score;
mod svg;
mod text;

pub use compact::CompactError;
#[cfg(feature = "source")]
pub use diag::{line_col, Problem};
pub use item::*;
#[cfg(feature = "source")]
pub use load::{build, PictureReader, BANK_DIR, CONTEXT_FILE, REFERENTIEL_FILE};
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

/// A skill needs at least this many live items for the adaptive test to vary them.
pub const MIN_LIVE_ITEMS_PER_SKILL: usize = 5;

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

    /// Counts for authors: by domain, skill, type, band and status.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            id: self.id().to_string(),
            version: self.version().to_string(),
            items: self.items.len(),
            ..Summary::default()
        };
        for d in &self.referentiel.domains {
            s.by_domain
                .push((d.id.clone(), self.items_of_domain(&d.id).count()));
        }
        for sk in &self.referentiel.skills {
            let mut c = StatusCounts::default();
            for it in self.items_of_skill(&sk.id) {
                c.add(it.status);
            }
            if c.live < MIN_LIVE_ITEMS_PER_SKILL {
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
                .items
                .iter()
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
/// location ([`Irt::location`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// b < −2 (expert value −2.5).
    VeryEasy,
    /// −2 ≤ b < −1 (expert value −1.5).
    Easy,
    /// −1 ≤ b < 0 (expert value −0.5).
    Medium,
    /// b ≥ 0 (expert value +0.5).
    Intermediate,
}

impl Band {
    /// All bands, easiest first.
    pub const ALL: [Band; 4] = [Band::VeryEasy, Band::Easy, Band::Medium, Band::Intermediate];

    /// The band of a location on the θ scale.
    pub fn of(b: f64) -> Band {
        if b < -2.0 {
            Band::VeryEasy
        } else if b < -1.0 {
            Band::Easy
        } else if b < 0.0 {
            Band::Medium
        } else {
            Band::Intermediate
        }
    }

    /// The value an expert gives `b` for this band.
    pub fn expert_b(self) -> f64 {
        match self {
            Band::VeryEasy => -2.5,
            Band::Easy => -1.5,
            Band::Medium => -0.5,
            Band::Intermediate => 0.5,
        }
    }

    /// English name.
    pub fn name(self) -> &'static str {
        match self {
            Band::VeryEasy => "very easy",
            Band::Easy => "easy",
            Band::Medium => "medium",
            Band::Intermediate => "intermediate",
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
    /// Items by difficulty band.
    pub by_band: Vec<(Band, usize)>,
    /// Skills with fewer than [`MIN_LIVE_ITEMS_PER_SKILL`] live items, with their count.
    pub under_minimum: Vec<(String, usize)>,
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
        writeln!(f, "by difficulty band:")?;
        for (b, n) in &self.by_band {
            writeln!(f, "  {:<28} {n:>4}", b.name())?;
        }
        if self.under_minimum.is_empty() {
            writeln!(
                f,
                "every skill has at least {MIN_LIVE_ITEMS_PER_SKILL} live items"
            )?;
        } else {
            writeln!(
                f,
                "skills under {MIN_LIVE_ITEMS_PER_SKILL} live items ({}):",
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
