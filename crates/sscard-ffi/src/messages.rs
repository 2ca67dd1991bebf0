//! Error descriptions for the output buffer: the meaning of the code in
//! Chinese (what the POS operator reads), then the library's own detail,
//! from the host library's one table ([`sscard::interface::codes`]).

pub use sscard::interface::codes::describe;
