//! Cardholder records.
