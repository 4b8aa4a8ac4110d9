//! The item bank as the adaptive session sees it.
//!
//! The engine knows nothing of the items' file format: the items crate (or the command
//! line, or a test) converts whatever it reads into [`BankItem`]s, and [`Bank::new`]
//! checks the set as a whole (unique ids, enemies that exist) and precomputes what the
//! selection step reads at every question (domain indices, enemy lists, the easiest and
//! hardest difficulty) so that step does no lookup by string and no allocation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::irt::Item;
use crate::select::{ItemTable, KullbackLeibler, LogLikTable};

/// What a person must be able to use to answer an item.
///
/// A session excludes every item that needs something the person or the device lacks
/// (a kiosk without a keyboard, a person using a screen reader, no sound, no touch
/// screen), so nobody is shown a question they cannot physically answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Requirements {
    /// The item needs a physical keyboard (typing text).
    pub keyboard: bool,
    /// The item needs sight (a picture to look at, a visual layout to point into).
    pub sight: bool,
    /// The item needs hearing (a sound or a spoken message).
    pub hearing: bool,
    /// The item needs a touch screen (a gesture).
    pub touch: bool,
}

impl Requirements {
    /// Nothing needed: the default of an item, and of a person who can use everything.
    pub const NONE: Requirements = Requirements {
        keyboard: false,
        sight: false,
        hearing: false,
        touch: false,
    };

    /// The flags as bits, so that the exclusion test is one `&`.
    pub fn bits(self) -> u8 {
        u8::from(self.keyboard)
            | u8::from(self.sight) << 1
            | u8::from(self.hearing) << 2
            | u8::from(self.touch) << 3
    }

    /// Whether an item needing `self` can be given to someone lacking `unavailable`.
    pub fn compatible_with(self, unavailable: Requirements) -> bool {
        self.bits() & unavailable.bits() == 0
    }
}

/// One item of the bank: its calibrated parameters and what the session needs to know
/// to use it well (where it belongs in the référentiel, what it needs, what it must not
/// be given with).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankItem {
    /// Stable identifier, used in answer logs (a log names items, never positions, so a
    /// reordered bank still replays).
    pub id: String,
    /// Calibrated item parameters.
    pub item: Item,
    /// Domain of the référentiel the item measures (content balancing, per-domain
    /// estimates and stopping rules).
    pub domain: String,
    /// Skill of the référentiel the item measures (kept for the profile; the session
    /// does not use it to select).
    pub skill: String,
    /// What the item needs the person to be able to use.
    #[serde(default)]
    pub requires: Requirements,
    /// Ids of items that must not appear in the same test as this one (they give each
    /// other's answer away, or test the very same task). The relation is made symmetric
    /// by [`Bank::new`].
    #[serde(default)]
    pub enemies: Vec<String>,
}

/// Why a set of items does not make a bank.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BankError {
    /// A bank needs at least one item.
    #[error("the bank has no item")]
    Empty,
    /// Two items share an id.
    #[error("item {index}: id `{id}` is already used by item {first}")]
    DuplicateId {
        /// Position of the second item with this id.
        index: usize,
        /// Position of the first one.
        first: usize,
        /// The id.
        id: String,
    },
    /// An item has an empty id.
    #[error("item {index}: empty id")]
    EmptyId {
        /// Position of the item.
        index: usize,
    },
    /// An enemy id names no item of the bank.
    #[error("item `{id}`: enemy `{enemy}` is not in the bank")]
    UnknownEnemy {
        /// The item.
        id: String,
        /// The enemy id that matches nothing.
        enemy: String,
    },
    /// An item lists itself as its own enemy.
    #[error("item `{id}` lists itself as an enemy")]
    SelfEnemy {
        /// The item.
        id: String,
    },
    /// More items or domains than the compact indices hold.
    #[error("the bank is too large ({0} items; at most 4,294,967,295 items and 65,535 domains)")]
    TooLarge(usize),
}

/// A checked item bank with the lookup tables the session reads at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Bank {
    items: Vec<BankItem>,
    by_id: BTreeMap<String, u32>,
    domains: Vec<String>,
    domain_of: Vec<u16>,
    /// Enemies of each item (indices, symmetric, sorted, no duplicates).
    enemies: Vec<Vec<u32>>,
    requires: Vec<u8>,
    /// Smallest and largest "difficulty" (see [`Bank::difficulty`]).
    difficulty_range: (f64, f64),
    /// The selection tables of the items, built on first use and shared by every
    /// session on this bank (see [`Bank::item_table`]).
    tables: TableCache,
}

/// The bank's selection tables: pure functions of the items (and, for the
/// log-likelihood tables, of a grid), built on first use and shared by every session
/// on the bank. They take no part in equality or debugging output.
#[derive(Default)]
struct TableCache {
    plain: OnceLock<Arc<ItemTable>>,
    with_success: OnceLock<Arc<ItemTable>>,
    /// Tables on the few grids in use (see [`MAX_CACHED_GRIDS`]).
    grids: Mutex<Vec<GridTables>>,
}

/// The log-likelihood tables of the bank on one grid, given by the bits of its nodes.
#[derive(Clone)]
struct GridTables {
    nodes: Vec<u64>,
    direct: Option<Arc<LogLikTable>>,
    eap_kernel: Option<Arc<LogLikTable>>,
    kl: Option<Arc<KullbackLeibler>>,
}

/// Grids whose tables a bank keeps: a server or a simulator uses one or two; a
/// caller trying many grids gets fresh tables beyond these, not a growing cache.
const MAX_CACHED_GRIDS: usize = 8;

impl Clone for TableCache {
    fn clone(&self) -> Self {
        let grids = match self.grids.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        TableCache {
            plain: self.plain.clone(),
            with_success: self.with_success.clone(),
            grids: Mutex::new(grids),
        }
    }
}

impl PartialEq for TableCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for TableCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TableCache")
    }
}

impl TableCache {
    fn grids(&self) -> std::sync::MutexGuard<'_, Vec<GridTables>> {
        // The cache holds only complete tables: a panic elsewhere cannot leave one
        // half-built, so a poisoned lock is safe to use.
        match self.grids.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The cached value for `nodes`, or `build()` stored (while there is room).
    fn grid_entry<T>(
        &self,
        nodes: &[f64],
        get: impl Fn(&mut GridTables) -> &mut Option<Arc<T>>,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        let key: Vec<u64> = nodes.iter().map(|t| t.to_bits()).collect();
        if let Some(found) = self
            .grids()
            .iter_mut()
            .find(|g| g.nodes == key)
            .and_then(|g| get(g).clone())
        {
            return found;
        }
        // Built outside the lock: two sessions may build the same table at once;
        // both are the same values and the first stored is kept.
        let built = Arc::new(build());
        let mut grids = self.grids();
        let entry = match grids.iter().position(|g| g.nodes == key) {
            Some(i) => grids.get_mut(i),
            None if grids.len() < MAX_CACHED_GRIDS => {
                grids.push(GridTables {
                    nodes: key,
                    direct: None,
                    eap_kernel: None,
                    kl: None,
                });
                grids.last_mut()
            }
            None => None,
        };
        match entry {
            Some(e) => Arc::clone(get(e).get_or_insert(built)),
            None => built,
        }
    }
}

impl Bank {
    /// Checks the items as a whole and builds the lookup tables.
    ///
    /// Domains are numbered in order of first appearance.
    pub fn new(items: Vec<BankItem>) -> Result<Self, BankError> {
        if items.is_empty() {
            return Err(BankError::Empty);
        }
        if u32::try_from(items.len()).is_err() {
            return Err(BankError::TooLarge(items.len()));
        }
        let mut by_id = BTreeMap::new();
        for (index, it) in items.iter().enumerate() {
            if it.id.is_empty() {
                return Err(BankError::EmptyId { index });
            }
            if let Some(&first) = by_id.get(&it.id) {
                return Err(BankError::DuplicateId {
                    index,
                    first: first as usize,
                    id: it.id.clone(),
                });
            }
            by_id.insert(it.id.clone(), index as u32);
        }
        let mut domains: Vec<String> = Vec::new();
        let mut domain_of = Vec::with_capacity(items.len());
        for it in &items {
            let ix = match domains.iter().position(|d| *d == it.domain) {
                Some(ix) => ix,
                None => {
                    domains.push(it.domain.clone());
                    domains.len() - 1
                }
            };
            let ix = u16::try_from(ix).map_err(|_| BankError::TooLarge(items.len()))?;
            domain_of.push(ix);
        }
        let mut enemies = vec![Vec::new(); items.len()];
        for (i, it) in items.iter().enumerate() {
            for e in &it.enemies {
                let Some(&j) = by_id.get(e) else {
                    return Err(BankError::UnknownEnemy {
                        id: it.id.clone(),
                        enemy: e.clone(),
                    });
                };
                if j as usize == i {
                    return Err(BankError::SelfEnemy { id: it.id.clone() });
                }
                enemies[i].push(j);
                enemies[j as usize].push(i as u32);
            }
        }
        for list in &mut enemies {
            list.sort_unstable();
            list.dedup();
        }
        let requires = items.iter().map(|it| it.requires.bits()).collect();
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for it in &items {
            let b = difficulty_of(&it.item);
            lo = lo.min(b);
            hi = hi.max(b);
        }
        Ok(Bank {
            items,
            by_id,
            domains,
            domain_of,
            enemies,
            requires,
            difficulty_range: (lo, hi),
            tables: TableCache::default(),
        })
    }

    /// The items' information (and, with `success`, success probabilities)
    /// tabulated for selection: built once per bank, on first use, and shared, so a
    /// server replaying thousands of logs, or a simulator running thousands of
    /// examinees, does not rebuild it for every session.
    pub fn item_table(&self, success: bool) -> Arc<ItemTable> {
        let cell = if success {
            &self.tables.with_success
        } else {
            &self.tables.plain
        };
        Arc::clone(cell.get_or_init(|| Arc::new(ItemTable::new(self, success))))
    }

    /// [`LogLikTable::on_grid`] (with `eap_kernel`) or [`LogLikTable::new`] of this
    /// bank on `nodes`, shared like [`Bank::item_table`].
    pub fn log_lik_table(&self, nodes: &[f64], eap_kernel: bool) -> Arc<LogLikTable> {
        self.tables.grid_entry(
            nodes,
            |g| {
                if eap_kernel {
                    &mut g.eap_kernel
                } else {
                    &mut g.direct
                }
            },
            || {
                if eap_kernel {
                    LogLikTable::on_grid(self, nodes)
                } else {
                    LogLikTable::new(self, nodes)
                }
            },
        )
    }

    /// The Kullback-Leibler ranking's tables on `nodes`, shared like
    /// [`Bank::item_table`].
    pub fn kl_tables(&self, nodes: &[f64]) -> Arc<KullbackLeibler> {
        self.tables
            .grid_entry(nodes, |g| &mut g.kl, || KullbackLeibler::new(self, nodes))
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: a bank has at least one item (kept for the usual pairing with
    /// [`len`](Bank::len)).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in the order given to [`Bank::new`].
    pub fn items(&self) -> &[BankItem] {
        &self.items
    }

    /// The item at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&BankItem> {
        self.items.get(index)
    }

    /// Position of the item with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).map(|&i| i as usize)
    }

    /// The domain ids, in order of first appearance (a domain's index is its position
    /// here).
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// Index of a domain id.
    pub fn domain_index(&self, domain: &str) -> Option<usize> {
        self.domains.iter().position(|d| d == domain)
    }

    /// Domain index of the item at `index` (0 past the end: callers pass valid indices).
    pub fn domain_of(&self, index: usize) -> usize {
        self.domain_of.get(index).copied().unwrap_or(0) as usize
    }

    /// Enemies of the item at `index` (indices, symmetric).
    pub fn enemies_of(&self, index: usize) -> &[u32] {
        self.enemies.get(index).map_or(&[], Vec::as_slice)
    }

    /// Requirement bits of the item at `index` (see [`Requirements::bits`]).
    pub fn requirement_bits(&self, index: usize) -> u8 {
        self.requires.get(index).copied().unwrap_or(0)
    }

    /// Smallest and largest difficulty in the bank (the bounds of Dodd's step for
    /// maximum likelihood with a constant response pattern).
    pub fn difficulty_range(&self) -> (f64, f64) {
        self.difficulty_range
    }

    /// A single "difficulty" of the item at `index`: `b` for a logistic item, the mean
    /// step (threshold) for a polytomous one.
    pub fn difficulty(&self, index: usize) -> f64 {
        self.items
            .get(index)
            .map_or(0.0, |it| difficulty_of(&it.item))
    }
}

fn difficulty_of(item: &Item) -> f64 {
    match item {
        Item::Logistic(l) => l.b,
        Item::Gpcm(g) => g.steps.iter().sum::<f64>() / g.steps.len().max(1) as f64,
        Item::Grm(g) => g.thresholds.iter().sum::<f64>() / g.thresholds.len().max(1) as f64,
    }
}
