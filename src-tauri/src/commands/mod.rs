//! The commands the UI calls, one file per domain. Each converts, calls the core, converts back.

pub mod account;
pub mod attachments;
pub mod catalog;
pub mod drafts;
pub mod kiosk;
pub mod letter;
pub mod settings;
pub mod sync;
