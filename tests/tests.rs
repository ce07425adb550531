//! Petition Desk's cross-crate and end-to-end tests: one test binary, one module per subject.

mod bureau;
mod attachments;
mod cli;
mod crash;
mod e2e;
mod hardening;
mod sync;
