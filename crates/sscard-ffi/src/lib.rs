//! `libssse32`: the standard social security card reader interface (spec
//! 05) as a C ABI, a drop-in replacement for the vendor `SSSE32` DLL. POS
//! software calls `iReadCardBas`, `iDoDebit` and the rest exactly as
//! before; the card is reached through PC/SC (or a simulated card image),
//! the keys through a PSAM or, in steps, the caller's key server.
//!
//! Configuration (readers, PSAM or key-server mode, PIN source) comes from
//! `ssse32.toml` next to the library and `SSSE32_*` environment variables;
//! see `docs/ffi.md`. The C header is `include/ssse32.h`.
//!
//! The functions are callable from Rust too (they are `unsafe`: they take
//! raw C pointers):
//!
//! ```
//! use std::os::raw::c_char;
//! let mut out = [0 as c_char; 1024];
//! // An iType outside 1..4 is a bad argument (-14), whatever the reader.
//! // SAFETY: `out` is a 1024-byte buffer, as iReadCardBas documents.
//! let rc = unsafe { ssse32::iReadCardBas(9, out.as_mut_ptr()) };
//! assert_eq!(rc, -14);
//! ```

mod calls;
pub mod config;
mod device;
mod exports;
mod messages;
pub mod named;
mod state;
mod text;

pub use exports::*;
pub use messages::describe;
