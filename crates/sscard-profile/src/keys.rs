//! Master keys.
