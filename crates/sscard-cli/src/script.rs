//! APDU scripts (`sscard script`), parsed whole before anything is sent.
//!
//! One step per line; `#` starts a comment (at the start of a line or after
//! a space):
//!
//! - `00 A4 04 00 0F 73 78 …`, `00A404000F7378…` or `00:A4:04:00:…`: an
//!   APDU in hex (spaces and colons between bytes are ignored), as in
//!   pcsc-tools' `scriptor` files;
//! - `APDU => 9000`: the same with the status word it must answer (`X`
//!   matches any digit: `61XX`); the script stops at the first other answer;
//! - `reset`: resets the card; `exit`: ends the script.

use sscard_apdu::Command;

/// One step of a script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send an APDU.
    Apdu {
        /// 1-based line in the file.
        line: usize,
        /// The command.
        command: Command,
        /// The status word pattern it must answer (`9000`, `61XX`).
        expect: Option<String>,
    },
    /// Reset the card.
    Reset {
        /// 1-based line in the file.
        line: usize,
    },
}

/// Parses a whole script.
///
/// # Errors
/// `line N: what is wrong`, for the first bad line.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = strip_comment(raw).trim();
        if body.is_empty() {
            continue;
        }
        match body.to_ascii_lowercase().as_str() {
            "reset" => {
                steps.push(Step::Reset { line });
                continue;
            }
            "exit" | "quit" => break,
            _ => {}
        }
        let (apdu, expect) = match body.split_once("=>") {
            Some((a, e)) => (a, Some(status_pattern(line, e.trim())?)),
            None => (body, None),
        };
        let hex: String = apdu
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect();
        if hex.is_empty() {
            return Err(format!("line {line}: no APDU before =>"));
        }
        if let Some(bad) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!(
                "line {line}: '{bad}' is not a hex digit (an APDU is hex bytes; the expected status word goes after =>)"
            ));
        }
        let command: Command = hex
            .parse()
            .map_err(|e: sscard_apdu::Error| format!("line {line}: {e}"))?;
        steps.push(Step::Apdu {
            line,
            command,
            expect,
        });
    }
    Ok(steps)
}

fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

fn status_pattern(line: usize, sw: &str) -> Result<String, String> {
    let sw: String = sw.chars().filter(|c| !c.is_whitespace()).collect();
    if sw.len() == 4
        && sw
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == 'X' || c == 'x')
    {
        Ok(sw.to_ascii_uppercase())
    } else {
        Err(format!(
            "line {line}: expected status word '{sw}' is not 4 hex digits (X for any: 61XX)"
        ))
    }
}

/// Whether status word `sw` (4 hex digits) matches `pattern`.
pub fn matches(pattern: &str, sw: &str) -> bool {
    pattern.len() == sw.len()
        && pattern
            .chars()
            .zip(sw.chars())
            .all(|(p, s)| p == 'X' || p == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_errors() {
        let s = parse("# c\n00 A4 04 00 02 3F 00 => 9000\n00:B0:00:00:04 # read\nreset\n00B0000004 => 61xx\nexit\nzz\n");
        let s = s.unwrap_or_default();
        assert_eq!(s.len(), 4);
        assert!(matches!(&s[0], Step::Apdu { line: 2, expect: Some(e), .. } if e == "9000"));
        assert!(matches!(
            &s[1],
            Step::Apdu {
                line: 3,
                expect: None,
                ..
            }
        ));
        assert!(matches!(&s[2], Step::Reset { line: 4 }));
        assert!(matches!(&s[3], Step::Apdu { expect: Some(e), .. } if e == "61XX"));
        // A typo in the status word is an error, never sent as Le.
        assert_eq!(
            parse("00B0000004 => 900").err().as_deref(),
            Some("line 1: expected status word '900' is not 4 hex digits (X for any: 61XX)")
        );
        assert!(parse("00B0000004 9O00")
            .err()
            .unwrap_or_default()
            .starts_with("line 1: 'O'"));
        assert!(parse("00B0000004\n00A4 0\n")
            .err()
            .unwrap_or_default()
            .starts_with("line 2:"));
        assert!(super::matches("61XX", "6110") && !super::matches("9000", "6A82"));
    }
}
