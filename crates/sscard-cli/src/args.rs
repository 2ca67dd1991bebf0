//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// sscard: read, check and personalise social security cards.
#[derive(Debug, Parser)]
#[command(name = "sscard", version, about, long_about = None)]
pub struct Cli {
    /// A folder of card profiles to use before the built-in ones.
    #[arg(long, global = true, env = "SSCARD_PROFILES")]
    pub profiles: Option<PathBuf>,
    /// Print JSON instead of text (errors too), with `schema_version`.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print every APDU on standard error as it is exchanged
    /// (`>> 00 A4 …` / `<< … 90 00 (0.4 ms)`): PINs and keys always masked,
    /// personal data unless the command's `--reveal`.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the card is and who holds the keys.
#[derive(Debug, Args, Clone)]
pub struct CardArgs {
    /// A PC/SC reader (name prefix or index); default: the only reader
    /// with a card.
    #[arg(long, conflicts_with = "sim", env = "SSCARD_READER")]
    pub reader: Option<String>,
    /// A simulated card: its image file (changes are saved).
    #[arg(long)]
    pub sim: Option<PathBuf>,
    /// Master keys for the software security module (tests only).
    #[arg(long, env = "SSCARD_KEYS")]
    pub keys: Option<PathBuf>,
    /// A PSAM reader (name prefix or index).
    #[arg(long, conflicts_with = "keys")]
    pub psam: Option<String>,
    /// Read PINs from standard input, one per line, instead of asking at
    /// the terminal (where they are not echoed).
    #[arg(long)]
    pub pin_stdin: bool,
    /// Record the card's APDUs to this trace file (PINs, keys and personal
    /// data masked; `docs/trace-format.md`), written when the command ends.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Keep personal data (PAN, track 2, the holder's records) in clear in
    /// the --trace file, for a test card whose trace must replay a
    /// purchase; PINs and keys stay masked. The file is created 0600.
    #[arg(long, requires = "trace")]
    pub trace_reveal: bool,
    /// The terminal journal of medical debits (SQLite); default
    /// `journal.sqlite` in the state folder (`SSCARD_STATE_DIR`).
    #[arg(long, value_name = "FILE", env = "SSCARD_JOURNAL")]
    pub terminal_journal: Option<PathBuf>,
}

/// `journal list` / `journal export`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// The journal file; default `journal.sqlite` in the state folder.
    #[arg(long, value_name = "FILE", env = "SSCARD_JOURNAL")]
    pub journal: Option<PathBuf>,
}

/// `journal`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Every record, oldest first: card, counter, amounts, state, TAC.
    List(JournalArgs),
    /// The records for settlement, with the account+pooled split.
    Export {
        /// The journal.
        #[command(flatten)]
        journal: JournalArgs,
        /// csv or json.
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
    },
    /// Settle the pending records of the card in hand: GET TRANSACTION
    /// PROVE completes each with the card's TAC, or voids it.
    Recover(CardArgs),
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: a simulated card and PSAM through every operation.
    Demo(DemoArgs),
    /// PC/SC readers, card present, ATR.
    Readers,
    /// ATR, generation, algorithm, applications, card identification code and number.
    Info(CardArgs),
    /// Read elements by name or by pFileAddr; personal data masked unless --reveal.
    Read(ReadArgs),
    /// Send raw APDUs (hex).
    Apdu(ApduArgs),
    /// Run a script of APDUs with expected status words.
    Script(ScriptArgs),
    /// PIN operations.
    Pin(PinArgs),
    /// Check the card is genuine: internal authentication (SM4 or 3DES) on a terminal
    /// random, and with --ca the SM2 card authentication of the PKI application.
    Genuine(GenuineArgs),
    /// Medical account balance.
    Balance(CardArgs),
    /// A medical debit.
    Debit(DebitArgs),
    /// A contactless qPBOC purchase with SM2 fDDA.
    Pay(PayArgs),
    /// The medical debit log and the electronic cash log.
    Log(CardArgs),
    /// The terminal journal of medical debits: list, export, recover.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Batch data preparation: validate a CSV of cardholders, write each
    /// card's holder file and personalisation script.
    Prep(PrepArgs),
    /// Personalise a card from a profile and a cardholder, with a journal.
    #[command(subcommand)]
    Perso(PersoCommand),
    /// Simulated cards.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Recorded traces.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Serve the reader interface to browser-based systems on localhost
    /// (HTTP and WebSocket; docs/service.md).
    Serve {
        /// The configuration: the ssse32.toml settings and a [service] table.
        #[arg(long, value_name = "FILE", env = "SSCARD_SERVE_CONFIG")]
        config: PathBuf,
    },
    /// Relay a card in a PC/SC reader through vpcd, recording every
    /// exchange (and rewriting answers for tests).
    Relay(RelayArgs),
    /// Card profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// A test key server for the reader interface's `_HSM_` steps.
    Hsm(HsmArgs),
    /// Shell completions on standard output
    /// (`sscard completions bash > ~/.local/share/bash-completion/completions/sscard`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Man pages, one per command (`sscard man --out ~/.local/share/man/man1`).
    Man {
        /// The folder to write `sscard.1`, `sscard-prep.1`, … into.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `hsm`: answers key-server requests (tests only: keys from a file).
#[derive(Debug, Args)]
pub struct HsmArgs {
    /// Master keys (tests only).
    #[arg(long, env = "SSCARD_KEYS")]
    pub keys: PathBuf,
    /// The user-card profile whose key addresses apply.
    #[arg(long, default_value = "ssc-3.0.toml")]
    pub profile: PathBuf,
    /// One request (`AUTH <card id> <line>`, ...); without it, requests
    /// are read from standard input, one per line, and answered in order.
    pub request: Vec<String>,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Fixtures directory (keys, holders, CA).
    #[arg(long, default_value = "fixtures")]
    pub fixtures: PathBuf,
    /// Run through the real PC/SC stack: serve the card and PSAM behind a
    /// running pcscd (vpcd slots 0 and 1) and use the PC/SC transport.
    #[arg(long)]
    pub via_pcscd: bool,
    /// Record the card's APDUs of every step to this trace file (masked).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// `read`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// Show personal data.
    #[arg(long)]
    pub reveal: bool,
    /// Element names (`card_number`) or pFileAddr strings (`DF01EF0A|37|$`).
    #[arg(required = true)]
    pub what: Vec<String>,
}

/// `apdu`.
#[derive(Debug, Args)]
pub struct ApduArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// APDUs in hex.
    #[arg(required = true)]
    pub apdus: Vec<String>,
}

/// `script`.
#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// Script: one `APDU [expected SW]` per line, `#` comments.
    pub file: PathBuf,
}

/// `genuine`.
#[derive(Debug, Args)]
pub struct GenuineArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// CA folder (root.pem, issuer.pem) the PKI certificate must chain to.
    #[arg(long)]
    pub ca: Option<PathBuf>,
}

/// `pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// verify, change, reload or unblock.
    #[arg(value_parser = ["verify", "change", "reload", "unblock"])]
    pub action: String,
}

/// `debit`.
#[derive(Debug, Args)]
pub struct DebitArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// The amount in yuan, e.g. `25.80`.
    pub amount: String,
    /// The part paid from the personal account and the pooled fund
    /// (default: the whole amount).
    #[arg(long)]
    pub account_pooled: Option<String>,
    /// The transaction's date and time, `YYYYMMDDHHMMSS` (default: now).
    #[arg(long)]
    pub at: Option<String>,
}

/// `pay`.
#[derive(Debug, Args)]
pub struct PayArgs {
    /// The card.
    #[command(flatten)]
    pub card: CardArgs,
    /// Amount in yuan, e.g. 12.00.
    pub amount: String,
    /// The terminal's CA key list.
    #[arg(
        long,
        default_value = "fixtures/ca/pboc-ca-keys.toml",
        env = "SSCARD_CA_KEYS"
    )]
    pub ca_keys: PathBuf,
    /// The transaction's date and time, `YYYYMMDDHHMMSS` (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Announce an online-capable terminal in the TTQ (this tool has no
    /// online link: a purchase the card sends online ends "online requested");
    /// by default the TTQ says offline only, and such a purchase is declined.
    #[arg(long)]
    pub online_capable: bool,
}

/// `prep`.
#[derive(Debug, Args)]
pub struct PrepArgs {
    /// The card profile.
    #[arg(long)]
    pub profile: PathBuf,
    /// CSV of cardholders, with a header row naming the columns.
    #[arg(long)]
    pub holders: PathBuf,
    /// Output folder: batch files and the folder's counters.
    #[arg(long)]
    pub out: PathBuf,
    /// The CSV's encoding: utf-8, gbk or gb18030 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Issuing area code (6 digits) of the card identification codes
    /// assigned to rows without a card_id.
    #[arg(long, env = "SSCARD_AREA")]
    pub area: Option<String>,
    /// Initialising organisation number for rows without an init_org.
    #[arg(long, env = "SSCARD_INIT_ORG")]
    pub init_org: Option<String>,
    /// First chip serial of assigned card identification codes (default:
    /// the folder's counter; a serial is never used twice).
    #[arg(long)]
    pub serial_start: Option<u64>,
    /// Cards per batch file.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Prepare cards the folder already holds again (the new batch wins).
    #[arg(long)]
    pub force: bool,
}

/// What to personalise with.
#[derive(Debug, Args)]
pub struct PersoArgs {
    /// The card profile.
    #[arg(long)]
    pub profile: PathBuf,
    /// The cardholder: a holder file, or a prepared card
    /// (`prepared/#N00000000`, `prepared/batch-000001.jsonl#N00000000`).
    #[arg(long)]
    pub holder: PathBuf,
    /// CA directory (issuer.pem, issuer.key.pem) for the PKI certificate.
    #[arg(long)]
    pub ca: Option<PathBuf>,
}

/// `perso`.
#[derive(Debug, Subcommand)]
pub enum PersoCommand {
    /// Print the plan (personal data masked).
    Plan(PersoArgs),
    /// Run the plan with a journal; `--resume` continues a stopped run.
    Run {
        /// What to personalise with.
        #[command(flatten)]
        perso: PersoArgs,
        /// The card.
        #[command(flatten)]
        card: CardArgs,
        /// The journal (default: next to the image, or in the current directory).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Continue from the journal.
        #[arg(long)]
        resume: bool,
    },
    /// Read everything back and compare with the plan.
    Verify {
        /// What was personalised.
        #[command(flatten)]
        perso: PersoArgs,
        /// The card.
        #[command(flatten)]
        card: CardArgs,
    },
}

/// `sim`.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Create a personalised card image.
    New {
        /// Profile file.
        #[arg(long)]
        profile: PathBuf,
        /// Cardholder: a holder file, or a prepared card (`prepared/#N00000000`).
        #[arg(long)]
        holder: PathBuf,
        /// Master keys.
        #[arg(long)]
        keys: PathBuf,
        /// Test CA directory: personalise the financial application too.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Opening balances in fen: medical account, electronic cash.
        #[arg(long, default_value_t = 0)]
        balance: u32,
        /// A blank card (keys and PINs only) for `perso run`.
        #[arg(long)]
        blank: bool,
        /// The image file to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing image file.
        #[arg(long)]
        force: bool,
    },
    /// Serve an image (and a PSAM) behind pcscd through vpcd, or a recorded
    /// trace as the card (`--replay`).
    Serve {
        /// The image.
        #[arg(required_unless_present = "replay")]
        image: Option<PathBuf>,
        /// Serve this trace as the card: it answers the commands it recorded,
        /// in order (docs/trace-format.md), and reports the first it cannot
        /// match (answered `6F00`).
        #[arg(long, conflicts_with = "image")]
        replay: Option<PathBuf>,
        /// Master keys of the PSAM served in the second slot (default: the
        /// built-in test masters).
        #[arg(long, conflicts_with = "card_only")]
        psam_keys: Option<PathBuf>,
        /// Serve the card alone, no PSAM in the second slot.
        #[arg(long)]
        card_only: bool,
    },
    /// Show an image's state (masked).
    Show {
        /// The image.
        image: PathBuf,
        /// Show personal data.
        #[arg(long)]
        reveal: bool,
    },
}

/// `relay`.
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The reader holding the card to relay (name prefix or index);
    /// default: the only reader with a card.
    #[arg(long, env = "SSCARD_READER")]
    pub reader: Option<String>,
    /// The vpcd slot the relayed card appears in: 0 (Virtual PCD 00 00,
    /// port 35963) or 1 (Virtual PCD 00 01, port 35964).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub slot: u8,
    /// Record the relayed exchanges to this trace file (masked; rewritten
    /// answers named so), rewritten after every exchange.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Keep personal data in clear in the trace (a test card's); PINs and
    /// keys stay masked.
    #[arg(long, requires = "trace")]
    pub trace_reveal: bool,
    /// Rewrite answers by the rules of this TOML file (`[[rewrite]]` with
    /// `command` and one of `response`, `sw`, `flip`; docs/trace-format.md).
    #[arg(long, value_name = "RULES")]
    pub rewrite: Option<PathBuf>,
}

/// `trace`.
#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Pretty-print a trace: each APDU decoded.
    Show {
        /// The trace file.
        file: PathBuf,
    },
    /// Compare two traces command by command.
    Diff {
        /// The first trace.
        a: PathBuf,
        /// The second trace.
        b: PathBuf,
    },
    /// One self-contained HTML page of a trace (timeline, names, status
    /// words, TLV trees), side by side with `--diff` when given.
    Html {
        /// The trace file.
        file: PathBuf,
        /// A second trace to compare with.
        #[arg(long)]
        diff: Option<PathBuf>,
        /// The HTML file to write.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Turn a pcsc-spy log (the lines libpcscspy writes to ~/pcsc-spy) into
    /// a trace: every successful SCardTransmit, PINs and read data masked.
    ImportSpy {
        /// The pcsc-spy log.
        log: PathBuf,
        /// The trace file to write.
        #[arg(short, long)]
        out: PathBuf,
        /// Keep the responses as the card sent them (PINs stay masked).
        #[arg(long)]
        reveal: bool,
    },
    /// Export a trace as pcapng for Wireshark (GSMTAP SIM over UDP 4729).
    Pcapng {
        /// The trace file.
        file: PathBuf,
        /// The pcapng file to write.
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// `profile`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Check profiles; exit 1 on the first error.
    Lint {
        /// Profile files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show a profile's applications, files and elements.
    Show {
        /// The profile.
        file: PathBuf,
    },
}
