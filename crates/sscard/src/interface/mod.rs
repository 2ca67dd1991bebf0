//! The reader interface's grammar (spec 05), in one place: the `pFileAddr`
//! and `pWriteData` text, the `|` and `^` outputs, `iAuthType`, the step
//! lines of the HSM flows, and the table of codes with their names and
//! Chinese meanings. The host's operations take and return typed values;
//! only the C ABI, the service and the CLI commands that speak this grammar
//! on purpose come here.

pub mod codes;
pub mod file_addr;
pub mod lines;
