//! `crossdock ack`: the acknowledgment every interchange in a file deserves.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use crossdock_x12::ack::{acknowledge, AckKind};
use crossdock_x12::control::FileControlNumbers;
use crossdock_x12::{Event, X12Reader};

use crate::partners;

pub fn run(file: &Path, kind: Option<&str>, partners_dir: &Path, data_dir: &Path) -> Result<ExitCode> {
    let kind = match kind {
        Some(k) => parse_kind(k)?,
        None => kind_for_sender(file, partners_dir)?,
    };
    let open = || File::open(file).with_context(|| format!("cannot open {}", file.display()));
    let mut numbers = FileControlNumbers::open(data_dir.join("control-numbers"))?;
    let now = chrono::Utc::now().naive_utc();
    let acks = acknowledge(BufReader::new(open()?), kind, &mut numbers, now)
        .map_err(|e| anyhow::anyhow!("{}: {e}: no acknowledgment can be addressed", file.display()))?;
    let mut out = std::io::stdout().lock();
    for ack in &acks {
        out.write_all(&ack.x12).context("cannot write to stdout")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_kind(k: &str) -> Result<AckKind> {
    Ok(match k {
        "997" => AckKind::Ack997,
        "999" => AckKind::Ack999,
        other => bail!("--kind must be 997 or 999, not {other}"),
    })
}

/// 999 when the sender's partner profile asks for it, else 997.
fn kind_for_sender(file: &Path, partners_dir: &Path) -> Result<AckKind> {
    let input = BufReader::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?);
    let mut reader = X12Reader::new(input);
    if let Some(Ok(Event::InterchangeStart(ic))) = reader.next() {
        if let Some(p) = partners::for_sender(partners_dir, ic.isa.sender_qualifier(), ic.isa.sender_id())? {
            return parse_kind(&p.ack);
        }
    }
    Ok(AckKind::Ack997)
}
