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
const MAGIC: &[u8; 8] = b"repere5\n";

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

/// A [`BankItem`] without its engine item; its `read_aloud` is encoded against the
/// item's own texts ([`spoken`]).
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
    crcn_level: Option<u8>,
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
                    read_aloud: spoken::encode(
                        &it.read_aloud,
                        &spoken::phrases(&it.stem, &it.pictures, &it.body),
                    ),
                    pictures: it.pictures.clone(),
                    requires: it.requires.clone(),
                    enemies: it.enemies.clone(),
                    note: it.note.clone(),
                    crcn_level: it.crcn_level,
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
            let body: Body = w.body.into();
            let read_aloud =
                spoken::decode(&w.read_aloud, &spoken::phrases(&w.stem, &w.pictures, &body))
                    .ok_or_else(|| {
                        CompactError::Decode(format!("item `{}`: bad read-aloud text", w.id))
                    })?;
            items.push(BankItem {
                id: w.id,
                skill: w.skill,
                status: w.status,
                stem: w.stem,
                read_aloud,
                pictures: w.pictures,
                requires: w.requires,
                enemies: w.enemies,
                note: w.note,
                crcn_level: w.crcn_level,
                irt: w.irt,
                body,
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

/// The read-aloud text says again much of what the item shows: the stem, the
/// options, the results of a search, the e-mails of a mailbox. In the compact form
/// each such phrase is written as a reference to it (`\u{1}` and a private-use
/// character giving its rank), so the browser downloads it once; decoding puts the
/// phrases back, giving the very same text.
mod spoken {
    use crate::item::{Body, Picture};

    /// Marks a reference; the next character is `FIRST` + the phrase's rank.
    const REF: char = '\u{1}';
    /// Starts a text stored as is (it holds one of the reserved characters).
    const RAW: char = '\u{2}';
    /// Ranks are written from here (Unicode's private use area, 6,400 characters).
    const FIRST: u32 = 0xE000;
    const LAST: u32 = 0xF8FF;
    /// Shorter phrases are not worth a reference.
    const MIN_LEN: usize = 4;

    fn lower_first(s: &str) -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// The item's own texts that its read-aloud text may repeat, longest first,
    /// without repeats: the same list when encoding and decoding.
    pub(super) fn phrases(stem: &str, pictures: &[Picture], body: &Body) -> Vec<String> {
        let mut v: Vec<String> = vec![stem.to_string()];
        let both = |v: &mut Vec<String>, s: &str| {
            v.push(s.to_string());
            v.push(lower_first(s));
        };
        for p in pictures {
            both(&mut v, &p.alt);
        }
        match body {
            Body::Single { options, .. }
            | Body::Multiple { options, .. }
            | Body::Ordering { options, .. } => {
                for o in options {
                    if let Some(t) = &o.text {
                        both(&mut v, t);
                    }
                    if let Some(p) = &o.picture {
                        both(&mut v, &p.alt);
                    }
                }
            }
            Body::Hotspot { screen, .. } => both(&mut v, &screen.alt),
            Body::Search { scene, .. } => {
                v.push(scene.query.clone());
                for r in &scene.results {
                    v.push(r.title.clone());
                    v.push(r.url.clone());
                    v.push(r.snippet.clone());
                }
            }
            Body::Mailbox { scene, .. } => {
                for m in &scene.messages {
                    v.push(m.from.clone());
                    v.push(m.subject.clone());
                    v.push(m.body.clone());
                }
                if let Some(d) = &scene.draft {
                    v.push(d.subject.clone());
                    v.push(d.body.clone());
                }
                for f in &scene.files {
                    v.push(f.name.clone());
                }
            }
            Body::Message { scene, .. } => {
                v.push(scene.from.clone());
                v.push(scene.body.clone());
                v.extend(scene.subject.clone());
                v.extend(scene.from_address.clone());
                for l in &scene.links {
                    v.push(l.text.clone());
                }
                for c in &scene.choices {
                    both(&mut v, &c.label);
                }
            }
            Body::Form { scene, .. } => {
                v.push(scene.title.clone());
                v.extend(scene.intro.clone());
                v.push(scene.submit.clone());
                for f in &scene.fields {
                    both(&mut v, &f.label);
                    v.extend(f.help.clone());
                    v.push(f.value.clone());
                    for r in &f.rules {
                        v.push(r.message.clone());
                    }
                }
            }
            Body::Settings { scene, .. } => {
                v.push(scene.title.clone());
                for t in &scene.toggles {
                    both(&mut v, &t.label);
                }
                for n in &scene.networks {
                    v.push(n.name.clone());
                }
            }
            Body::Text { answer, .. } => {
                for a in answer {
                    v.push(a.clone());
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        v.retain(|p| p.chars().count() >= MIN_LEN && seen.insert(p.clone()));
        v.sort_by_key(|p| std::cmp::Reverse(p.len()));
        v.truncate((LAST - FIRST + 1) as usize);
        v
    }

    fn reserved(c: char) -> bool {
        c == REF || c == RAW || (FIRST..=LAST).contains(&u32::from(c))
    }

    /// `text` with every occurrence of a phrase replaced by its reference.
    pub(super) fn encode(text: &str, phrases: &[String]) -> String {
        if text.chars().any(reserved) || phrases.iter().any(|p| p.chars().any(reserved)) {
            return format!("{RAW}{text}");
        }
        let mut out = text.to_string();
        for (rank, p) in phrases.iter().enumerate() {
            if let Some(c) = char::from_u32(FIRST + rank as u32) {
                out = out.replace(p.as_str(), &format!("{REF}{c}"));
            }
        }
        out
    }

    /// The text `encode` was given; `None` for a reference to no phrase.
    pub(super) fn decode(text: &str, phrases: &[String]) -> Option<String> {
        if let Some(raw) = text.strip_prefix(RAW) {
            return Some(raw.to_string());
        }
        let mut out = String::with_capacity(text.len() * 2);
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == REF {
                let rank = u32::from(chars.next()?).checked_sub(FIRST)?;
                out.push_str(phrases.get(rank as usize)?);
            } else {
                out.push(c);
            }
        }
        Some(out)
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
    fn delivery_leaves_out_retired_items_and_notes_only() {
        let bank = shipped();
        let delivered = bank.for_delivery();
        let kept: Vec<&BankItem> = bank
            .items()
            .iter()
            .filter(|i| i.status != Status::Retired)
            .collect();
        assert!(
            kept.len() < bank.items().len(),
            "the bank has retired items"
        );
        assert_eq!(delivered.items().len(), kept.len());
        assert!(delivered.item("device.apps.04").is_none());
        for (d, k) in delivered.items().iter().zip(kept) {
            let mut k = k.clone();
            k.note = None;
            k.irt.provenance.note = None;
            k.irt.provenance.date.clear();
            k.body.clear_step_labels();
            assert_eq!(d, &k);
            assert!(d.body.steps().iter().all(|s| s.label.is_empty()));
        }
        // The référentiel keeps everything but the competences' labels and the notes.
        assert!(delivered.referentiel.frameworks.crcn.competences.is_empty());
        assert_eq!(delivered.referentiel.skills, bank.referentiel.skills);
        assert_eq!(delivered.referentiel.domains, bank.referentiel.domains);
        assert_eq!(delivered.referentiel.session, bank.referentiel.session);
        assert!(delivered
            .referentiel
            .profile
            .orientation
            .rules
            .iter()
            .all(|r| r.note.is_none()));
        assert_eq!(
            delivered.referentiel.profile_config().expect("rules"),
            bank.referentiel.profile_config().expect("rules")
        );
        assert_eq!(delivered.context.questions, bank.context.questions);
        // What a test needs is all there: the same assessor runs on it.
        let live = |b: &Bank| b.live_items().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(live(&delivered), live(&bank));
        let bytes = delivered.to_compact().expect("encodes");
        assert!(bytes.len() < bank.to_compact().expect("encodes").len());
        assert_eq!(Bank::from_compact(&bytes).expect("decodes"), delivered);
    }

    #[test]
    fn read_aloud_texts_are_stored_once_and_given_back_exactly() {
        let bank = shipped();
        let mut shorter = 0;
        for it in bank.items() {
            let phrases = spoken::phrases(&it.stem, &it.pictures, &it.body);
            let enc = spoken::encode(&it.read_aloud, &phrases);
            assert_eq!(
                spoken::decode(&enc, &phrases).as_deref(),
                Some(it.read_aloud.as_str()),
                "{}",
                it.id
            );
            shorter += usize::from(enc.len() < it.read_aloud.len());
        }
        // Nearly every read-aloud text repeats its stem at least.
        assert!(shorter * 10 >= bank.items().len() * 9, "{shorter}");
        // Texts holding a reserved character are kept as they are.
        let phrases = vec!["Touchez le bouton".to_string()];
        for text in ["a\u{1}b Touchez le bouton", "\u{e000}", "\u{2}x"] {
            let enc = spoken::encode(text, &phrases);
            assert!(enc.starts_with('\u{2}'));
            assert_eq!(spoken::decode(&enc, &phrases).as_deref(), Some(text));
        }
        let enc = spoken::encode("Oui. Touchez le bouton. Touchez le bouton vert.", &phrases);
        assert_eq!(enc, "Oui. \u{1}\u{e000}. \u{1}\u{e000} vert.");
        // A reference to no phrase, or cut short, is refused.
        assert_eq!(spoken::decode("\u{1}\u{e001}", &phrases), None);
        assert_eq!(spoken::decode("abc\u{1}", &phrases), None);
        assert_eq!(spoken::decode("\u{1}z", &phrases), None);
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
