//! `crossdock match PO DOCUMENTS... [--policy FILE]`: the three-way match on files.
//!
//! Every file may be X12 (every accepted transaction set in it is used) or canonical JSON
//! lines (envelopes or bare documents). The first file holds the purchase order(s); the
//! others hold ship notices and invoices in any order, each routed to its PO by number.
//! stdout gets one JSON line per PO line (then per line nobody ordered), so it pipes into
//! other tools; the readable summary goes to stderr. Exit 0 when every line is matched or
//! within tolerance, 1 when any line is an exception, 2 when any input could not be read
//! (the documents that could be read are still matched and printed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use crossdock_matching::{LineMatch, Reconciliation, TolerancePolicy};
use crossdock_model::{Document, MatchStatus};
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::ReaderOptions;

use crate::translate::parse_line;

pub fn run(po_file: &Path, documents: &[PathBuf], policy_file: Option<&Path>) -> Result<ExitCode> {
    // Without a policy file nothing is tolerated: differences are shown, never hidden.
    let policy = match policy_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            TolerancePolicy::from_toml(&text).with_context(|| path.display().to_string())?
        }
        None => TolerancePolicy::default(),
    };
    let mut unreadable = false;

    let mut matches = Vec::new();
    for doc in read(po_file, &mut unreadable) {
        match doc {
            Document::PurchaseOrder(po) => matches.push(Reconciliation::new(po, policy.clone())),
            other => eprintln!("{}: a {} among the purchase orders; ignored", po_file.display(), other.kind()),
        }
    }
    if matches.is_empty() {
        bail!("{}: no purchase order to match", po_file.display());
    }
    for path in documents {
        for doc in read(path, &mut unreadable) {
            if let Err(e) = add(&mut matches, doc) {
                eprintln!("{}: {e}", path.display());
                unreadable = true;
            }
        }
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut exceptions = false;
    for rec in &matches {
        let results = rec.results();
        for line in &results {
            serde_json::to_writer(&mut out, line).context("cannot write to stdout")?;
            writeln!(out).context("cannot write to stdout")?;
        }
        exceptions |= results.iter().any(|l| l.status() == MatchStatus::Exception);
        eprint!("{}", summary(&rec.purchase_order().po_number, &results));
    }
    Ok(match (unreadable, exceptions) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::FAILURE,
        (false, false) => ExitCode::SUCCESS,
    })
}

/// Routes a ship notice or invoice to the reconciliation of its purchase order.
fn add(matches: &mut [Reconciliation], doc: Document) -> Result<(), String> {
    let position = |po: &str| matches.iter().position(|m| m.purchase_order().po_number == po);
    match doc {
        Document::ShipNotice(notice) => {
            let targets: Vec<usize> = notice.orders.iter().filter_map(|o| position(&o.po_number)).collect();
            if targets.is_empty() {
                return Err(format!("ship notice {} is for none of the purchase orders given", notice.shipment_id));
            }
            for i in targets {
                matches[i].add_ship_notice(notice.clone()).map_err(|e| e.to_string())?;
            }
        }
        Document::Invoice(invoice) => {
            let target = match invoice.po_number.as_deref() {
                Some(po) => position(po),
                // An invoice that names no PO can only go to the only one there is.
                None => (matches.len() == 1).then_some(0),
            };
            let Some(i) = target else {
                return Err(format!("invoice {} is for none of the purchase orders given", invoice.invoice_number));
            };
            matches[i].add_invoice(invoice).map_err(|e| e.to_string())?;
        }
        other => eprintln!("note: a {} {} is not matched; ignored", other.kind(), other.business_key()),
    }
    Ok(())
}

/// The documents of one file; what could not be read goes to stderr.
fn read(path: &Path, unreadable: &mut bool) -> Vec<Document> {
    let (docs, problems) = read_documents(path);
    for p in &problems {
        eprintln!("{}: {p}", path.display());
    }
    *unreadable |= !problems.is_empty();
    docs
}

/// The documents of one file, and what could not be read in it.
fn read_documents(path: &Path) -> (Vec<Document>, Vec<String>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (Vec::new(), vec![format!("cannot read: {e}")]),
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if text.trim_ascii_start().starts_with(b"ISA") {
        x12_documents(&bytes)
    } else {
        json_documents(&bytes)
    }
}

/// Every transaction set accepted, committed only once its interchange's trailer is checked.
fn x12_documents(bytes: &[u8]) -> (Vec<Document>, Vec<String>) {
    let (mut docs, mut staged, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    let result = translate(bytes, ReaderOptions::default(), |outcome| match outcome {
        Outcome::Set(set) => match set.envelope {
            Some(env) if set.errors.is_empty() => staged.push(env.data),
            _ => {
                problems.extend(set.errors);
                problems.push(format!("{}: transaction set {} {} rejected", set.at, set.set_id, set.control_number));
            }
        },
        Outcome::InterchangeEnd(ic) => {
            problems.extend(ic.errors);
            if ic.rejected {
                problems.push(format!("interchange {} from {} rejected", ic.control_number, ic.sender));
                staged.clear();
            }
            docs.append(&mut staged);
        }
    });
    if let Err(e) = result {
        problems.push(e.to_string());
    }
    (docs, problems)
}

fn json_documents(bytes: &[u8]) -> (Vec<Document>, Vec<String>) {
    let (mut docs, mut problems) = (Vec::new(), Vec::new());
    for (n, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(doc) => docs.push(doc),
            Err(e) => problems.push(format!("line {}: {e}", n + 1)),
        }
    }
    (docs, problems)
}

fn summary(po_number: &str, results: &[LineMatch]) -> String {
    let count = |status| results.iter().filter(|l| l.status() == status).count();
    let mut s = format!(
        "{po_number}: {} line(s): {} matched, {} within tolerance, {} exception(s)\n",
        results.len(),
        count(MatchStatus::Matched),
        count(MatchStatus::WithinTolerance),
        count(MatchStatus::Exception)
    );
    for line in results.iter().filter(|l| l.status() == MatchStatus::Exception) {
        for reason in &line.exceptions {
            s += &format!("  line {}: {}: {}\n", line.line_no(), reason.code.as_str(), reason.message);
        }
    }
    s
}
