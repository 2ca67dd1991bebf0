//! Which reader a command talks to, as `opensc-tool` finds it: the one
//! given (`--reader`, `SSCARD_READER`: a name prefix or an index), else the
//! only reader with a card, else a list of the readers and what to type.

use crate::error::{CliError, CliResult};

/// The reader to connect to.
///
/// # Errors
/// A usage error (exit 2) listing the readers when none or several hold a card.
pub fn choose(given: Option<&str>) -> CliResult<String> {
    if let Some(r) = given {
        return Ok(r.to_owned());
    }
    let states = sscard::transport::pcsc::reader_states().map_err(|e| {
        CliError::usage(format!(
            "no card given and PC/SC is not available ({e}): give --sim IMAGE for a simulated card, or start pcscd"
        ))
    })?;
    let with_card: Vec<&String> = states.iter().filter(|(_, c)| *c).map(|(n, _)| n).collect();
    if let [only] = with_card.as_slice() {
        return Ok((*only).clone());
    }
    let list = states
        .iter()
        .enumerate()
        .map(|(i, (n, c))| format!("  {i}: {n}{}", if *c { "  (card)" } else { "" }))
        .collect::<Vec<_>>()
        .join("\n");
    Err(CliError::usage(if states.is_empty() {
        "no PC/SC reader found: connect one, or give --sim IMAGE for a simulated card".into()
    } else if with_card.is_empty() {
        format!("no reader holds a card; readers:\n{list}\ninsert a card, or give --sim IMAGE")
    } else {
        format!(
            "{} readers hold a card; choose one with --reader NAME or --reader INDEX (or SSCARD_READER):\n{list}",
            with_card.len()
        )
    }))
}
