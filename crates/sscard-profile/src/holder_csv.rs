//! A bureau's holder list as CSV: read through the `csv` crate (quoted
//! fields, CRLF, a UTF-8 byte-order mark), in UTF-8, GBK or GB 18030
//! (given, or detected from the first bytes), streamed row by row. The
//! header is checked before any row is read: an unknown column is named
//! with the nearest known one, a missing required column is named.
//!
//! ```
//! use sscard_profile::holder_csv::{Columns, Encoding, HolderCsv};
//! let text = "ssn,nmae\n";
//! let err = HolderCsv::new(text.as_bytes(), Encoding::Utf8, &[]).err().unwrap(); // ok: doc example
//! assert_eq!(err.to_string(), "line 1: unknown column 'nmae' (did you mean 'name'?)");
//! ```

use std::collections::BTreeMap;
use std::io::Read;

use crate::holder::{CardRecord, HolderRecord};

/// Columns a row must have, each non-empty.
pub const REQUIRED: [&str; 9] = [
    "ssn",
    "name",
    "sex",
    "ethnicity",
    "birthplace",
    "birth_date",
    "card_number",
    "issue_date",
    "expiry_date",
];

/// Columns a row may have: empty means "the profile's default" (`pin`),
/// "none" (`pan`) or "assigned by prep" (`card_id`, `init_org`).
pub const OPTIONAL: [&str; 4] = ["pin", "pan", "card_id", "init_org"];

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    Utf8,
    /// GBK.
    Gbk,
    /// GB 18030 (a superset of GBK).
    Gb18030,
}

impl Encoding {
    /// `utf-8`, `gbk`, `gb18030` (case-insensitive, `utf8` and `gb-18030` too).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "utf8" => Some(Self::Utf8),
            "gbk" | "cp936" => Some(Self::Gbk),
            "gb18030" => Some(Self::Gb18030),
            _ => None,
        }
    }

    /// The encoding of a file that starts with `head`: UTF-8 when the bytes
    /// are valid UTF-8 (a character cut at the end of `head` allowed),
    /// else GB 18030, which decodes GBK too.
    pub fn detect(head: &[u8]) -> Self {
        match std::str::from_utf8(head) {
            Ok(_) => Self::Utf8,
            Err(e) if e.error_len().is_none() => Self::Utf8,
            Err(_) => Self::Gb18030,
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Gbk => "GBK",
            Self::Gb18030 => "GB 18030",
        }
    }
}

/// A CSV problem at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// 1-based line of the file.
    pub line: u64,
    /// The column it concerns (`row` for the row as a whole).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// Where each column is in a row.
#[derive(Debug, Clone)]
pub struct Columns {
    index: BTreeMap<String, usize>,
    width: usize,
}

/// The edit distance of two short words (for "did you mean").
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Columns {
    /// Checks a header row. `extra` are the further columns the profile
    /// names (`holder.residence_address` → `residence_address`).
    ///
    /// # Errors
    /// The first unknown, repeated or missing column, at line 1.
    pub fn from_header<'a>(
        header: impl IntoIterator<Item = &'a str>,
        extra: &[String],
    ) -> Result<Self, LineError> {
        let err = |column: &str, message: String| LineError {
            line: 1,
            column: column.to_owned(),
            message,
        };
        let known: Vec<&str> = REQUIRED
            .iter()
            .chain(OPTIONAL.iter())
            .copied()
            .chain(extra.iter().map(String::as_str))
            .collect();
        let mut index = BTreeMap::new();
        let mut width = 0;
        for (i, name) in header.into_iter().enumerate() {
            width = i + 1;
            let name = name.trim();
            if !known.contains(&name) {
                let near = known
                    .iter()
                    .map(|k| (distance(name, k), *k))
                    .min()
                    .filter(|(d, _)| *d <= 2);
                return Err(err(
                    name,
                    match near {
                        Some((_, k)) => format!("unknown column '{name}' (did you mean '{k}'?)"),
                        None => format!("unknown column '{name}' (columns: {})", known.join(", ")),
                    },
                ));
            }
            if index.insert(name.to_owned(), i).is_some() {
                return Err(err(name, format!("column {name} appears twice")));
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|c| !index.contains_key(**c)) {
            return Err(err(missing, format!("column {missing} missing")));
        }
        Ok(Self { index, width })
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, column: &str) -> &'r str {
        self.index
            .get(column)
            .and_then(|i| row.get(*i))
            .map_or("", str::trim)
    }

    /// A row as a holder record, not yet checked ([`crate::holder::Holder::check`]).
    /// Empty `card_id` and `init_org` stay empty for the caller to assign.
    ///
    /// # Errors
    /// A row of the wrong width, or an empty required column, named.
    pub fn record(&self, line: u64, row: &csv::StringRecord) -> Result<HolderRecord, LineError> {
        if row.len() != self.width {
            return Err(LineError {
                line,
                column: "row".into(),
                message: format!("{} columns, the header has {}", row.len(), self.width),
            });
        }
        if let Some(empty) = REQUIRED.iter().find(|c| self.get(row, c).is_empty()) {
            return Err(LineError {
                line,
                column: (*empty).to_owned(),
                message: format!("column {empty} is empty"),
            });
        }
        let v = |c: &str| self.get(row, c).to_owned();
        let opt = |c: &str| Some(v(c)).filter(|s| !s.is_empty());
        let extra = self
            .index
            .keys()
            .filter(|k| !REQUIRED.contains(&k.as_str()) && !OPTIONAL.contains(&k.as_str()))
            .filter(|k| !self.get(row, k).is_empty())
            .map(|k| (k.clone(), v(k)))
            .collect();
        Ok(HolderRecord {
            ssn: v("ssn"),
            name: v("name"),
            sex: v("sex"),
            ethnicity: v("ethnicity"),
            birthplace: v("birthplace"),
            birth_date: v("birth_date"),
            pin: opt("pin"),
            pan: opt("pan"),
            card: CardRecord {
                id: v("card_id"),
                number: v("card_number"),
                issue_date: v("issue_date"),
                expiry_date: v("expiry_date"),
                init_org: v("init_org"),
            },
            extra,
        })
    }
}

/// A holder CSV being read: the checked header, then rows on demand.
pub struct HolderCsv {
    reader: csv::Reader<Box<dyn Read + Send>>,
    columns: Columns,
    row: csv::StringRecord,
}

/// Text as the CSV reader wants it: a UTF-8 byte-order mark at the start
/// skipped, CRLF turned into LF (the `csv` crate counts a record after a
/// CRLF as starting on the line before, which would misname lines), and
/// a last line without its newline given one.
struct Normalise<R: Read> {
    inner: R,
    started: bool,
    buf: Vec<u8>,
    pos: usize,
    last: u8,
    ended: bool,
}

impl<R: Read> Normalise<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            started: false,
            buf: Vec::new(),
            pos: 0,
            last: b'\n',
            ended: false,
        }
    }

    /// Refills `buf` with the next normalised bytes; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        const CHUNK: usize = 64 * 1024;
        let mut raw = vec![0u8; CHUNK + 1];
        let mut n = self.inner.read(&mut raw[..CHUNK])?;
        if n == 0 {
            if self.ended || self.last == b'\n' {
                return Ok(false);
            }
            self.ended = true;
            self.buf.clear();
            self.buf.push(b'\n');
            self.pos = 0;
            self.last = b'\n';
            return Ok(true);
        }
        // A CR at the end of a chunk may be half of a CRLF: read one more.
        if raw[n - 1] == b'\r' {
            let mut one = [0u8; 1];
            if self.inner.read(&mut one)? == 1 {
                raw[n] = one[0];
                n += 1;
            }
        }
        raw.truncate(n);
        let mut start = 0;
        if !self.started {
            self.started = true;
            if raw.starts_with(&[0xEF, 0xBB, 0xBF]) {
                start = 3;
            }
        }
        self.buf.clear();
        self.pos = 0;
        let mut i = start;
        while i < raw.len() {
            if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            self.buf.push(raw[i]);
            i += 1;
        }
        if let Some(b) = self.buf.last() {
            self.last = *b;
        }
        Ok(true)
    }
}

impl<R: Read> Read for Normalise<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl HolderCsv {
    /// Reads and checks the header of `source` in `encoding`.
    ///
    /// # Errors
    /// A header error at line 1 ([`Columns::from_header`]), an empty file,
    /// or text that is not in `encoding`.
    pub fn new<R: Read + Send + 'static>(
        source: R,
        encoding: Encoding,
        extra: &[String],
    ) -> Result<Self, LineError> {
        let text: Box<dyn Read + Send> = match encoding {
            Encoding::Utf8 => Box::new(Normalise::new(source)),
            Encoding::Gbk | Encoding::Gb18030 => Box::new(Normalise::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::GB18030))
                    .strip_bom(true)
                    .build(source),
            )),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text);
        let header = reader.headers().map_err(|e| csv_error(1, &e, encoding))?;
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            return Err(LineError {
                line: 1,
                column: "row".into(),
                message: "the file is empty: expected a header row naming the columns".into(),
            });
        }
        let columns = Columns::from_header(header.iter(), extra)?;
        Ok(Self {
            reader,
            columns,
            row: csv::StringRecord::new(),
        })
    }

    /// The checked header.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The next non-blank row as (line, record); `None` at the end.
    /// A row's own error does not end the reading; an unreadable file does
    /// (`Some(Err)` with `column` "file", then `None`).
    pub fn next_row(&mut self) -> Option<(u64, Result<HolderRecord, LineError>)> {
        loop {
            match self.reader.read_record(&mut self.row) {
                Ok(false) => return None,
                Ok(true) => {
                    // The crate's start position counts skipped blank lines
                    // wrongly; count back from where the record ended.
                    let end = self.reader.position().line();
                    let inner: u64 = self
                        .row
                        .iter()
                        .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
                        .sum();
                    // (`Normalise` ends every file with a newline.)
                    let line = end.saturating_sub(inner + 1);
                    if self.row.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    return Some((line, self.columns.record(line, &self.row)));
                }
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    let fatal = !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. });
                    let err = csv_error(line, &e, Encoding::Utf8);
                    if fatal {
                        // Stop: the reader cannot resynchronise on bad text.
                        while self.reader.read_record(&mut self.row).unwrap_or(false) {}
                        return Some((
                            line,
                            Err(LineError {
                                column: "file".into(),
                                ..err
                            }),
                        ));
                    }
                    return Some((line, Err(err)));
                }
            }
        }
    }
}

fn csv_error(line: u64, e: &csv::Error, encoding: Encoding) -> LineError {
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!(
            "not valid {} text (give --encoding gbk or gb18030 for a GBK file)",
            encoding.name()
        ),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => "malformed CSV (an unclosed quote?)".to_owned(),
    };
    LineError {
        line,
        column: "row".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    type Row = (u64, Result<HolderRecord, LineError>);

    const HEADER: &str =
        "ssn,name,sex,ethnicity,birthplace,birth_date,card_number,issue_date,expiry_date";

    fn rows(text: &'static [u8], enc: Encoding) -> Result<Vec<Row>, LineError> {
        let mut c = HolderCsv::new(text, enc, &[])?;
        let mut out = Vec::new();
        while let Some(r) = c.next_row() {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn header_errors_are_named() {
        let e = Columns::from_header(["ssn", "nmae"], &[]).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("line 1: unknown column 'nmae' (did you mean 'name'?)")
        );
        let e = Columns::from_header(HEADER.split(',').filter(|c| *c != "ssn"), &[]).err();
        assert_eq!(e.map(|e| e.message).as_deref(), Some("column ssn missing"));
        let e = Columns::from_header(HEADER.split(',').chain(["name"]), &[]).err();
        assert_eq!(
            e.map(|e| e.message).as_deref(),
            Some("column name appears twice")
        );
        assert!(Columns::from_header(
            HEADER.split(',').chain(["residence_address"]),
            &["residence_address".into()]
        )
        .is_ok());
    }

    #[test]
    fn bom_quotes_crlf_and_empty_columns() -> R {
        let text: &'static [u8] = b"\xEF\xBB\xBFssn,name,sex,ethnicity,birthplace,birth_date,card_number,issue_date,expiry_date\r\n11010519491231002X,\"\xE5\xBC\xA0,\xE4\xB8\x89\",1,01,110105,19491231,P00000001,20261101,20361101\r\n\r\n11010519491231002X,x,1,01,110105,19491231,,20261101,20361101\r\n";
        let r = rows(text, Encoding::Utf8)?;
        assert_eq!(r.len(), 2);
        let first = r[0].1.clone()?;
        assert_eq!(
            (r[0].0, first.ssn.as_str(), first.name.as_str()),
            (2, "11010519491231002X", "张,三")
        );
        let e = r[1].1.clone().err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("line 4: column card_number is empty")
        );
        Ok(())
    }

    #[test]
    fn gbk_is_decoded_and_detected() -> R {
        let utf8 = format!(
            "{HEADER}\n11010519491231002X,张三,1,01,110105,19491231,P00000001,20261101,20361101\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&utf8);
        let bytes: &'static [u8] = Box::leak(gbk.into_owned().into_boxed_slice());
        assert_eq!(Encoding::detect(bytes), Encoding::Gb18030);
        let r = rows(bytes, Encoding::Gb18030)?;
        assert_eq!(r[0].1.clone()?.name, "张三");
        // Read as UTF-8 it is refused with a hint, not garbled.
        let e = rows(bytes, Encoding::Utf8).map(|r| r[0].1.clone());
        let msg = match e {
            Ok(Err(e)) | Err(e) => e.message,
            Ok(Ok(_)) => String::new(),
        };
        assert!(msg.contains("--encoding gbk"), "{msg}");
        assert_eq!(Encoding::detect("张三".as_bytes()), Encoding::Utf8);
        assert_eq!(Encoding::detect(&"张三".as_bytes()[..4]), Encoding::Utf8);
        Ok(())
    }

    #[test]
    fn line_numbers_are_the_file_lines() -> R {
        let h = HEADER;
        let r = "11010519491231002X,x,1,01,110105,19491231,P1,20261101,20361101";
        let q = "11010519491231002X,\"a\nb\",1,01,110105,19491231,P1,20261101,20361101";
        for (text, want) in [
            (format!("{h}\n{r}\n{r}\n"), vec![2, 3]),
            (format!("{h}\n{r}\n{r}"), vec![2, 3]),
            (format!("{h}\n\n{r}\n\n\n{r}\n"), vec![3, 6]),
            (format!("{h}\n{q}\n{r}\n"), vec![2, 4]),
            (format!("{h}\r\n{r}\r\n\r\n{r}"), vec![2, 4]),
        ] {
            let bytes: &'static [u8] = Box::leak(text.clone().into_bytes().into_boxed_slice());
            let lines: Vec<u64> = rows(bytes, Encoding::Utf8)?.iter().map(|r| r.0).collect();
            assert_eq!(lines, want, "{text:?}");
        }
        Ok(())
    }

    #[test]
    fn empty_file_and_ragged_rows() -> R {
        assert!(rows(b"", Encoding::Utf8).is_err());
        let r = rows(b"ssn,name,sex,ethnicity,birthplace,birth_date,card_number,issue_date,expiry_date\n1,2\n", Encoding::Utf8)?;
        assert_eq!(
            r[0].1.clone().err().map(|e| e.message).as_deref(),
            Some("2 columns, the header has 9")
        );
        Ok(())
    }
}
