//! Petition Desk's cross-crate and end-to-end tests: one test binary, one module per subject.

mod attachments;
mod bureau;
mod cli;
mod crash;
mod e2e;
mod hardening;
mod privacy;
mod sync;
