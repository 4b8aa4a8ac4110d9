//! The compact form of a checked bank: what the browser app embeds instead of the
//! TOML files.
//!
//! The app's build script loads and validates `items/data/` natively (feature
//! `source`), encodes the [`Bank`] with [`Bank::to_compact`] and embeds the bytes;
//! the app decodes them with [`Bank::from_compact`]. So the wasm carries neither the
//! TOML parser nor the validator, and the bank it holds is the one the validator
//! accepted.
//!
//! The encoding is postcard (a serde binary format: no field names, varint
//! integers) behind a magic header that names the format version. Decoding never
//! trusts the bytes for the engine: every engine item is rebuilt from its `[item.irt]`
//! parameters by the engine's checked constructors, as the loader does.

use serde::{Deserialize, Serialize};

use repere_engine::irt::{Item, ParamError};

use crate::item::*;
use crate::referentiel::{Context, Referentiel};
use crate::Bank;

/// First bytes of every compact bank: format name and version. Bump the digit when
/// the encoding or one of the encoded types changes shape.
const MAGIC: &[u8; 8] = b"repere2\n";

/// Why bytes are not a compact bank.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompactError {
    /// The bytes do not start with this format's header (another file, or a bank
    /// written by another version of this crate).
    #[error("not a compact bank of this version (the first bytes are not {MAGIC:?})")]
    Header,
    /// The bank could not be encoded.
    #[error("compact bank: cannot encode: {0}")]
    Encode(String),
    /// The bytes are cut or do not follow the format.
    #[error("compact bank: cannot decode: {0}")]
    Decode(String),
    /// An item's IRT parameters are refused by the engine.
    #[error("compact bank: item `{id}`: invalid IRT parameters: {source}")]
    Irt {
        /// Item id.
        id: String,
        /// The engine's reason.
        source: ParamError,
    },
    /// Two items have the same id.
    #[error("compact bank: duplicate item id `{0}`")]
    DuplicateId(String),
}

/// The engine item of these parameters, built by the engine's checked constructors.
/// Missing parameters take the neutral values (`c` 0, `d` 1); the loader has already
/// refused a model without its parameters.
pub(crate) fn engine_item(irt: &Irt) -> Result<Item, ParamError> {
    match irt.model {
        Model::TwoPl | Model::ThreePl | Model::FourPl => Item::logistic(
            irt.a,
            irt.b.unwrap_or(0.0),
            irt.c.unwrap_or(0.0),
            irt.d.unwrap_or(1.0),
        ),
        Model::Gpcm => Item::gpcm(irt.a, irt.steps.clone().unwrap_or_default()),
        Model::Grm => Item::grm(irt.a, irt.thresholds.clone().unwrap_or_default()),
    }
}

/// What is encoded: the bank without what is derived from it (engine items, index).
#[derive(Serialize, Deserialize)]
struct Wire {
    referentiel: Referentiel,
    context: Context,
    items: Vec<WireItem>,
}

/// A [`BankItem`] without its engine item.
#[derive(Serialize, Deserialize)]
struct WireItem {
    id: String,
    skill: String,
    status: Status,
    stem: String,
    read_aloud: String,
    pictures: Vec<Picture>,
    requires: Vec<Requirement>,
    enemies: Vec<String>,
    note: Option<String>,
    irt: Irt,
    body: WireBody,
}

/// Declares `WireBody`: [`Body`] with serde's default (external) enum tagging,
/// which a non-self-describing format can decode (`Body` itself is tagged by a
/// `type` field, for JSON); and the conversions both ways, from one list of
/// variants. The conversions name every field: a variant or a field of `Body`
/// missing here stops the build.
macro_rules! wire_body {
    ($($variant:ident { $($field:ident: $ty:ty),+ $(,)? }),+ $(,)?) => {
        /// [`Body`] with serde's default (external) enum tagging.
        #[derive(Serialize, Deserialize)]
        enum WireBody {
            $($variant { $($field: $ty),+ },)+
        }

        impl From<Body> for WireBody {
            fn from(b: Body) -> Self {
                match b {
                    $(Body::$variant { $($field),+ } => WireBody::$variant { $($field),+ },)+
                }
            }
        }

        impl From<WireBody> for Body {
            fn from(b: WireBody) -> Self {
                match b {
                    $(WireBody::$variant { $($field),+ } => Body::$variant { $($field),+ },)+
                }
            }
        }
    };
}

wire_body! {
    Single { options: Vec<Choice>, answer: String },
    Multiple { options: Vec<Choice>, answer: Vec<String> },
    Hotspot { screen: Screen, regions: Vec<Rect> },
    Ordering { options: Vec<Choice>, answer: Vec<String> },
    Text { answer: Vec<String>, normalise: Normalise, input: TextInput },
    Mailbox { scene: Mailbox, steps: Vec<Step> },
    Form { scene: Form, steps: Vec<Step> },
    Settings { scene: Settings, steps: Vec<Step> },
    Message { scene: MessageScene, answer: Vec<String> },
    Search { scene: SearchPage, answer: Vec<String> },
}

impl Bank {
    /// The compact form of this bank (see [`Bank::from_compact`]). Meant for build
    /// scripts: encode a bank that the loader has checked.
    pub fn to_compact(&self) -> Result<Vec<u8>, CompactError> {
        let wire = Wire {
            referentiel: self.referentiel.clone(),
            context: self.context.clone(),
            items: self
                .items()
                .iter()
                .map(|it| WireItem {
                    id: it.id.clone(),
                    skill: it.skill.clone(),
                    status: it.status,
                    stem: it.stem.clone(),
                    read_aloud: it.read_aloud.clone(),
                    pictures: it.pictures.clone(),
                    requires: it.requires.clone(),
                    enemies: it.enemies.clone(),
                    note: it.note.clone(),
                    irt: it.irt.clone(),
                    body: it.body.clone().into(),
                })
                .collect(),
        };
        postcard::to_extend(&wire, MAGIC.to_vec()).map_err(|e| CompactError::Encode(e.to_string()))
    }

    /// Decodes a bank written by [`Bank::to_compact`]. Rebuilds every engine item
    /// with the engine's checked constructors; bad bytes give an error, never a panic.
    pub fn from_compact(bytes: &[u8]) -> Result<Bank, CompactError> {
        let body = bytes.strip_prefix(MAGIC).ok_or(CompactError::Header)?;
        let (wire, rest): (Wire, &[u8]) =
            postcard::take_from_bytes(body).map_err(|e| CompactError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CompactError::Decode(format!(
                "{} bytes left after the bank",
                rest.len()
            )));
        }
        let mut items = Vec::with_capacity(wire.items.len());
        for w in wire.items {
            let engine = engine_item(&w.irt).map_err(|source| CompactError::Irt {
                id: w.id.clone(),
                source,
            })?;
            items.push(BankItem {
                id: w.id,
                skill: w.skill,
                status: w.status,
                stem: w.stem,
                read_aloud: w.read_aloud,
                pictures: w.pictures,
                requires: w.requires,
                enemies: w.enemies,
                note: w.note,
                irt: w.irt,
                body: w.body.into(),
                engine,
            });
        }
        let count = items.len();
        let bank = Bank::new(wire.referentiel, wire.context, items);
        if bank.by_id.len() != count {
            let mut seen = std::collections::BTreeSet::new();
            let dup = bank
                .items()
                .iter()
                .find(|it| !seen.insert(it.id.as_str()))
                .map(|it| it.id.clone())
                .unwrap_or_default();
            return Err(CompactError::DuplicateId(dup));
        }
        Ok(bank)
    }
}

#[cfg(all(test, feature = "source"))]
mod tests {
    use std::path::Path;

    use super::*;

    fn shipped() -> Bank {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        crate::load_dir(&data).expect("items/data loads")
    }

    #[test]
    fn round_trip_gives_the_same_bank() {
        let bank = shipped();
        let bytes = bank.to_compact().expect("encodes");
        assert!(bytes.starts_with(MAGIC));
        let back = Bank::from_compact(&bytes).expect("decodes");
        assert_eq!(back, bank);
        // Field by field through JSON too, so a field left out of `PartialEq` would
        // still be compared.
        for (b, a) in back.items().iter().zip(bank.items()) {
            assert_eq!(
                serde_json::to_value(b).expect("json"),
                serde_json::to_value(a).expect("json")
            );
            assert_eq!(b.engine_item(), a.engine_item());
        }
        assert_eq!(
            serde_json::to_value(&back.referentiel).expect("json"),
            serde_json::to_value(&bank.referentiel).expect("json")
        );
        assert_eq!(
            serde_json::to_value(&back.context).expect("json"),
            serde_json::to_value(&bank.context).expect("json")
        );
        // Every item type went through the wire form.
        for t in ItemType::ALL {
            assert!(back.items().iter().any(|i| i.item_type() == t), "{t:?}");
        }
    }

    #[test]
    fn other_bytes_are_refused_without_panic() {
        assert_eq!(Bank::from_compact(b""), Err(CompactError::Header));
        assert_eq!(
            Bank::from_compact(b"# referentiel.toml\n"),
            Err(CompactError::Header)
        );
        let bytes = shipped().to_compact().expect("encodes");
        // Every cut short of the end is refused.
        for cut in (MAGIC.len()..bytes.len()).step_by(101) {
            assert!(
                matches!(
                    Bank::from_compact(&bytes[..cut]),
                    Err(CompactError::Decode(_))
                ),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Bank::from_compact(&longer),
            Err(CompactError::Decode("1 bytes left after the bank".into()))
        );
    }

    #[test]
    fn engine_items_are_rebuilt_by_the_checked_constructors() {
        let mut bank = shipped();
        let id = bank.items[3].id.clone();
        bank.items[3].irt.a = -0.5;
        let bytes = bank.to_compact().expect("encodes");
        assert_eq!(
            Bank::from_compact(&bytes),
            Err(CompactError::Irt {
                id,
                source: ParamError::NonPositiveDiscrimination(-0.5)
            })
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut bank = shipped();
        let id = bank.items[0].id.clone();
        bank.items[1].id = id.clone();
        let bytes = bank.to_compact().expect("encodes");
        assert_eq!(
            Bank::from_compact(&bytes),
            Err(CompactError::DuplicateId(id))
        );
    }
}
