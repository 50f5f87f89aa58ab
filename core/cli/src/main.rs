//! `crossdock`: the command line of the Crossdock order hub.

mod ack;
mod demo;
mod load;
mod mapping_cmd;
mod match_cmd;
mod partners;
mod serve;
mod shopify_cmd;
mod source;
mod state;
mod thread_cmd;
mod translate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// mimalloc: the broker allocates many small, short-lived records per order (and its
/// bench measures with this same allocator).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "crossdock", version, about = "Crossdock: the open distributed order management hub")]
struct Cli {
    /// Where the hub keeps its state (control numbers, outbound documents).
    #[arg(long, global = true, env = "CROSSDOCK_DATA_DIR", default_value = ".crossdock")]
    data_dir: PathBuf,
    /// Folder of trading partner profiles (`<id>.toml`).
    #[arg(long, global = true, env = "CROSSDOCK_PARTNERS", default_value = "config/partners")]
    partners: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo story on the embedded default and print what happened.
    Demo,
    /// Translate a document: X12 to canonical JSON lines, or canonical JSON lines to X12.
    Translate {
        file: PathBuf,
        /// Read FILE as this format instead of X12: `shopify` (an order JSON: `{"order":
        /// ...}`, a bare order, or `{"orders": [...]}`).
        #[arg(long)]
        from: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "canonical")]
        to: Format,
        /// The trading partner to write for (`--to x12`).
        #[arg(long)]
        partner: Option<String>,
        /// Accept an ISA whose fields are not padded to their fixed widths.
        #[arg(long)]
        lenient_isa: bool,
    },
    /// The sourcing decision an order would get now, with its reasons (a dry run against
    /// the hub state in --data-dir).
    Source {
        order: PathBuf,
        /// The hub configuration (network, rules, partners).
        #[arg(long, default_value = "config/demo/hub.toml")]
        config: PathBuf,
        /// Print the decision record as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The document thread of a drop-ship PO (or of the POs serving a sales order): every
    /// document sent and received, in order, with times, states, delay warnings and the
    /// three-way match, from the hub state in --data-dir (e.g. .crossdock/demo).
    Thread {
        /// A PO number (or a sales order id).
        po_number: String,
        /// The hub configuration (partners, expectations, matching policies).
        #[arg(long, default_value = "config/demo/hub.toml")]
        config: PathBuf,
        /// One JSON object per thread: its entries and the match result of each line.
        #[arg(long)]
        json: bool,
    },
    /// Three-way match: each line of the purchase order(s) in PO against the ship notices and
    /// invoices in DOCUMENTS (X12 or canonical JSON lines, in any order). One JSON line per
    /// line on stdout, a summary on stderr; exit 0 when all matched or within tolerance, 1 on
    /// exceptions, 2 on unreadable input.
    Match {
        /// The purchase order(s) to match.
        po: PathBuf,
        /// Ship notices and invoices, several to a file or not, in any order.
        documents: Vec<PathBuf>,
        /// Tolerance policy (see config/matching/default.toml); without it nothing is tolerated.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Run one worker of the distributed deployment (RabbitMQ + PostgreSQL); start several
    /// to share the load.
    Serve {
        #[arg(long, default_value = "config/distributed.toml")]
        config: PathBuf,
    },
    /// Drive a synthetic load through the distributed deployment and print one line of
    /// figures (orders/s, latency, lost, duplicated, oversold; the raw RabbitMQ ceiling).
    Load {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Orders per second to send at (all at once when not given): latency is measured
        /// at a rate the deployment keeps up with.
        #[arg(long)]
        rate: Option<u32>,
        #[arg(long, default_value = "config/distributed.toml")]
        config: PathBuf,
    },
    /// Print the acknowledgment (997, 999 and/or TA1) each interchange in FILE deserves.
    Ack {
        file: PathBuf,
        /// 997 or 999; by default what the sender's partner profile asks for, else 997.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Work with mapping files (mappings/*.toml).
    Mapping {
        #[command(subcommand)]
        command: MappingCommand,
    },
}

#[derive(Subcommand)]
enum MappingCommand {
    /// Run MAPPING on SAMPLE: print the result, or its differences from --expect (exit 1 on
    /// a difference or an error in the mapping).
    Test {
        mapping: PathBuf,
        sample: PathBuf,
        /// The expected result (a JSON array of documents).
        #[arg(long)]
        expect: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Canonical,
    X12,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr, warnings and errors unless CROSSDOCK_LOG says otherwise (the
    // tracing filter syntax: `info`, `crossdock_amqp=debug`, ...). URLs and secrets are
    // never logged. lapin's own logs are off by default: it reports a connection closed
    // at shutdown as an error, and our code logs every failure it sees with its context.
    let filter = tracing_subscriber::EnvFilter::try_from_env("CROSSDOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lapin=off"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
    let result = match cli.command {
        Command::Demo => demo::run(&cli.data_dir),
        Command::Translate { file, from: Some(from), to, .. } if from != "x12" => {
            shopify_cmd::translate(&file, &from, matches!(to, Format::Canonical))
        }
        Command::Translate { file, to: Format::Canonical, lenient_isa, .. } => {
            translate::to_canonical(&file, &cli.partners, lenient_isa)
        }
        Command::Translate { file, to: Format::X12, partner, .. } => {
            translate::to_x12(&file, partner.as_deref(), &cli.partners, &cli.data_dir)
        }
        Command::Source { order, config, json } => source::run(&order, &config, &cli.data_dir, json),
        Command::Thread { po_number, config, json } => thread_cmd::run(&po_number, &config, &cli.data_dir, json),
        Command::Match { po, documents, policy } => match_cmd::run(&po, &documents, policy.as_deref()),
        Command::Serve { config } => serve::run(&config),
        Command::Load { orders, workers, rate, config } => load::run(orders, workers, rate, &config),
        Command::Ack { file, kind } => ack::run(&file, kind.as_deref(), &cli.partners, &cli.data_dir),
        Command::Mapping { command: MappingCommand::Test { mapping, sample, expect } } => {
            mapping_cmd::test(&mapping, &sample, expect.as_deref())
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
