//! Mediation places: the national open data of the places where someone helps
//! people with digital tools ("standard des lieux de médiation numérique"), and how
//! a person's needs lead to the nearest suitable ones.
//!
//! - [`model`]: a place as Repère keeps it ([`Place`]), with the schema's closed
//!   lists as enums whose serde names are the schema's exact strings, read
//!   leniently by [`model::fold`] (case, accents, long wordings, old spellings).
//! - [`matching`]: what a person needs ([`Needs`], from the orientation of their
//!   profile or from the command line), where they are ([`Origin`]), the
//!   great-circle distance ([`haversine_km`]) and the order of the suggestions
//!   ([`rank`]).
//! - [`text`]: the words screens and sheets show (distance, phone, how to go, cost,
//!   the sentence an agent can say), shared by the server and the app.
//! - `read` (feature `import`): the national file, CSV (`;` or `,`) or JSON, read
//!   row by row; a row that cannot be taken is reported with its line and field,
//!   never the whole file.
//! - `hours` (feature `import`): the OpenStreetMap `opening_hours` syntax in plain
//!   French (parsed by the `opening-hours-syntax` crate), or the raw text when it
//!   does not parse.
//!
//! The app builds without `import`: it receives places as JSON and ranks them with
//! [`rank`] (a kiosk keeps its structure's places for offline use).

pub mod matching;
pub mod model;
pub mod text;

#[cfg(feature = "import")]
pub mod hours;
#[cfg(feature = "import")]
pub mod read;

pub use matching::{
    haversine_km, rank, rank_by, Best, Candidate, KioskPlace, Needs, Origin, Point, Ranked,
    Relation, Suggestion, Traits,
};
pub use model::{Access, Accompaniment, Fee, Need, Place, Service, Support};
pub use text::{Card, CardStyle};
