//! petitionctl round trips.
