//! The terminal journal (issue 14): every purse purchase is written
//! durably **before** DEBIT FOR PURCHASE is sent (pending: card, offline
//! counter, amount, split, terminal transaction number) and completed with
//! the card's TAC after it. When the answer is lost — a tear, a reader
//! error, the POS process killed — the next purse operation on that card
//! (or `sscard journal recover`) asks the card GET TRANSACTION PROVE and
//! completes the record, or voids it when the card did not debit: a debit
//! is never lost and never done twice.
//!
//! The store is one SQLite file per terminal (bundled SQLite, WAL,
//! `synchronous = FULL`, mode 0600), schema in `docs/journal.md`:
//!
//! ```sql
//! CREATE TABLE purchase (
//!   id INTEGER PRIMARY KEY,
//!   card_id TEXT NOT NULL,            -- 32 hex digits
//!   offline_counter INTEGER NOT NULL, -- the card's counter the purchase ran with
//!   amount_fen INTEGER NOT NULL,      -- what the card was debited (the total)
//!   account_pooled_fen INTEGER NOT NULL,
//!   terminal_no TEXT NOT NULL,        -- 12 digits
//!   terminal_txn_no TEXT NOT NULL,    -- 8 hex digits
//!   date_time TEXT NOT NULL,          -- YYYYMMDDHHMMSS
//!   state TEXT NOT NULL,              -- pending | completed | void
//!   tac TEXT,                         -- 8 hex digits once completed (NULL: not recoverable)
//!   recorded_at INTEGER NOT NULL,     -- Unix seconds
//!   settled_note TEXT                 -- how a recovered record was settled
//! );
//! ```

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};

/// The schema version (`PRAGMA user_version`).
pub const SCHEMA: i64 = 1;

/// Where a purchase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Written before DEBIT; the card's answer not yet known.
    Pending,
    /// The card debited: its TAC is recorded.
    Completed,
    /// The card did not debit.
    Void,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Void => "void",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "completed" => Self::Completed,
            "void" => Self::Void,
            _ => Self::Pending,
        }
    }
}

/// A purchase about to be sent to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPurchase {
    /// The card identification code.
    pub card_id: [u8; 16],
    /// The card's offline counter from INITIALIZE FOR PURCHASE.
    pub offline_counter: u16,
    /// The amount debited, fen.
    pub amount_fen: u32,
    /// The account+pooled part, fen (settlement data; never sent to the card).
    pub account_pooled_fen: u32,
    /// Terminal number, 12 digits.
    pub terminal_no: String,
    /// Terminal transaction number (MAC1's), 4 bytes.
    pub terminal_txn_no: [u8; 4],
    /// `YYYYMMDDHHMMSS`.
    pub date_time: String,
}

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Row id.
    pub id: i64,
    /// Card identification code, hex.
    pub card_id: String,
    /// The card's offline counter.
    pub offline_counter: u16,
    /// Amount debited, fen.
    pub amount_fen: u32,
    /// Account+pooled part, fen.
    pub account_pooled_fen: u32,
    /// Terminal number.
    pub terminal_no: String,
    /// Terminal transaction number, hex.
    pub terminal_txn_no: String,
    /// `YYYYMMDDHHMMSS`.
    pub date_time: String,
    /// Where it stands.
    pub state: State,
    /// The card's TAC, hex, once completed.
    pub tac: Option<String>,
    /// When it was first written, Unix seconds.
    pub recorded_at: i64,
    /// How recovery settled it, if it did.
    pub note: Option<String>,
}

/// The journal of one terminal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

fn db(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Journal(format!("{}: {e}", path.display()))
}

impl Journal {
    /// Opens (or creates, mode 0600) the journal at `path`: WAL,
    /// `synchronous = FULL`, the schema created or checked.
    ///
    /// # Errors
    /// [`Error::Journal`] when the file cannot be opened or is of another schema.
    pub fn open(path: &Path) -> Result<Self> {
        let e = db(path);
        let conn = Connection::open(path).map_err(&e)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|x| Error::Journal(format!("{}: {x}", path.display())))?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&e)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&e)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(&e)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(&e)?;
        match version {
            0 => {
                conn.execute_batch(
                    "BEGIN;
                     CREATE TABLE purchase (
                       id INTEGER PRIMARY KEY,
                       card_id TEXT NOT NULL,
                       offline_counter INTEGER NOT NULL,
                       amount_fen INTEGER NOT NULL,
                       account_pooled_fen INTEGER NOT NULL,
                       terminal_no TEXT NOT NULL,
                       terminal_txn_no TEXT NOT NULL,
                       date_time TEXT NOT NULL,
                       state TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'void')),
                       tac TEXT,
                       recorded_at INTEGER NOT NULL,
                       settled_note TEXT
                     );
                     CREATE INDEX purchase_card ON purchase (card_id, state);
                     PRAGMA user_version = 1;
                     COMMIT;",
                )
                .map_err(&e)?;
            }
            SCHEMA => {}
            other => {
                return Err(Error::Journal(format!(
                    "{}: schema {other}, this library reads schema {SCHEMA}",
                    path.display()
                )))
            }
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `p` as pending, durably, before DEBIT is sent; `at` is the
    /// time recorded with it.
    ///
    /// # Errors
    /// [`Error::Journal`]: then DEBIT must not be sent.
    pub fn begin(&self, p: &NewPurchase, at: std::time::SystemTime) -> Result<i64> {
        let now = at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        crate::testing::crash_point("journal-write");
        self.conn
            .execute(
                "INSERT INTO purchase (card_id, offline_counter, amount_fen, account_pooled_fen,
                   terminal_no, terminal_txn_no, date_time, state, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
                params![
                    hex::encode_upper(p.card_id),
                    p.offline_counter,
                    p.amount_fen,
                    p.account_pooled_fen,
                    p.terminal_no,
                    hex::encode_upper(p.terminal_txn_no),
                    p.date_time,
                    now
                ],
            )
            .map_err(db(&self.path))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Completes record `id` with the card's TAC (`None`: the card debited
    /// but its TAC can no longer be asked for), noting how.
    ///
    /// # Errors
    /// [`Error::Journal`].
    pub fn complete(&self, id: i64, tac: Option<[u8; 4]>, note: Option<&str>) -> Result<()> {
        self.settle(id, State::Completed, tac.map(hex::encode_upper), note)
    }

    /// Voids record `id`: the card did not debit.
    ///
    /// # Errors
    /// [`Error::Journal`].
    pub fn void(&self, id: i64, note: &str) -> Result<()> {
        self.settle(id, State::Void, None, Some(note))
    }

    fn settle(&self, id: i64, state: State, tac: Option<String>, note: Option<&str>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE purchase SET state = ?1, tac = ?2, settled_note = ?3
                 WHERE id = ?4 AND state = 'pending'",
                params![state.as_str(), tac, note, id],
            )
            .map_err(db(&self.path))?;
        Ok(())
    }

    fn query(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT id, card_id, offline_counter, amount_fen, account_pooled_fen, terminal_no,
                    terminal_txn_no, date_time, state, tac, recorded_at, settled_note
             FROM purchase {filter} ORDER BY id"
        );
        let e = db(&self.path);
        let mut stmt = self.conn.prepare(&sql).map_err(&e)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Entry {
                    id: r.get(0)?,
                    card_id: r.get(1)?,
                    offline_counter: r.get(2)?,
                    amount_fen: r.get(3)?,
                    account_pooled_fen: r.get(4)?,
                    terminal_no: r.get(5)?,
                    terminal_txn_no: r.get(6)?,
                    date_time: r.get(7)?,
                    state: State::parse(&r.get::<_, String>(8)?),
                    tac: r.get(9)?,
                    recorded_at: r.get(10)?,
                    note: r.get(11)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(&e)
    }

    /// Every record, oldest first.
    ///
    /// # Errors
    /// [`Error::Journal`].
    pub fn list(&self) -> Result<Vec<Entry>> {
        self.query("", &[])
    }

    /// The pending records (of `card`, or all).
    ///
    /// # Errors
    /// [`Error::Journal`].
    pub fn pending(&self, card: Option<&[u8; 16]>) -> Result<Vec<Entry>> {
        match card {
            Some(c) => self.query(
                "WHERE state = 'pending' AND card_id = ?1",
                &[&hex::encode_upper(c)],
            ),
            None => self.query("WHERE state = 'pending'", &[]),
        }
    }

    /// The completed record of `card` that ran with `counter` for `amount`.
    ///
    /// # Errors
    /// [`Error::Journal`].
    pub fn completed(&self, card: &[u8; 16], counter: u16, amount: u32) -> Result<Option<Entry>> {
        let e = db(&self.path);
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM purchase WHERE state = 'completed' AND card_id = ?1
                   AND offline_counter = ?2 AND amount_fen = ?3 ORDER BY id DESC LIMIT 1",
                params![hex::encode_upper(card), counter, amount],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        Ok(match id {
            Some(id) => self.query("WHERE id = ?1", &[&id])?.pop(),
            None => None,
        })
    }
}
