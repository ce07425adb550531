//! Petition Desk's pure rules: what the app's core and the reference bureau must agree on, with no
//! I/O, no database and no clock of their own (every function is given the date it judges at).
//!
//! - [`model`]: the petition and its fields (the keys used by the CLI, the UI, JSON and SQL);
//! - [`validate`]: what would stop a petition from being submitted (resident IDs, phones, …);
//! - [`statute`]: the 信访工作条例's periods, counted on [`calendar`], China's working calendar;
//! - [`i18n`]: the two languages the app and the bureau speak, Chinese first.

pub mod calendar;
pub mod i18n;
pub mod model;
pub mod statute;
pub mod validate;

pub use model::{Field, Petition, PetitionSummary, Purpose, State};
