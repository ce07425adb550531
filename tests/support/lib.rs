//! Helpers shared by the test modules in `tests.rs`, and the small child programs that crash tests
//! kill (see `support/bin`).
