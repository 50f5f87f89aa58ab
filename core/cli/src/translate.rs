//! `crossdock translate`: X12 to canonical JSON lines, and canonical JSON lines to X12.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use crossdock_model::{Document, Envelope, Validate};
use crossdock_x12::control::FileControlNumbers;
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::ReaderOptions;

use crate::partners;

/// Prints one JSON line per accepted business document, each in its envelope. Problems go
/// to stderr, each naming the file, the segment and line, and the rule with its X12 code.
/// The documents of an interchange are printed only once its trailer has been checked.
pub fn to_canonical(file: &Path, _partners: &Path, lenient_isa: bool) -> Result<ExitCode> {
    let input = BufReader::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?);
    let name = file.display().to_string();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut staged: Vec<u8> = Vec::new();
    let mut failed = false;
    let mut write_error: Option<std::io::Error> = None;
    let options = ReaderOptions { lenient_isa_widths: lenient_isa, ..ReaderOptions::default() };
    let result = translate(input, options, |outcome| match outcome {
        Outcome::Set(set) => {
            for w in &set.warnings {
                eprintln!("{name}: warning: {w}");
            }
            for e in &set.errors {
                eprintln!("{name}: {e}");
            }
            match (&set.envelope, set.errors.is_empty()) {
                (Some(env), true) => {
                    serde_json::to_writer(&mut staged, env).expect("canonical documents serialize");
                    staged.push(b'\n');
                }
                _ => {
                    failed = true;
                    eprintln!("{name}: {}: transaction set {} {} rejected", set.at, set.set_id, set.control_number);
                }
            }
        }
        Outcome::InterchangeEnd(ic) => {
            for e in &ic.errors {
                eprintln!("{name}: {e}");
            }
            if ic.rejected {
                failed = true;
                eprintln!(
                    "{name}: interchange {} from {} rejected: nothing in it is translated",
                    ic.control_number, ic.sender
                );
            } else if let Err(e) = out.write_all(&staged) {
                write_error.get_or_insert(e);
            }
            failed |= !ic.errors.is_empty();
            staged.clear();
        }
    });
    if let Err(e) = result {
        // What was read before a fatal error is still reported, never silently dropped.
        bail!("{name}: {e}");
    }
    if let Some(e) = write_error {
        return Err(e).context("cannot write to stdout");
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Reads canonical JSON lines (envelopes or bare documents), validates every document and
/// writes one interchange for the partner. Nothing is written when any document is invalid.
pub fn to_x12(file: &Path, partner: Option<&str>, partners_dir: &Path, data_dir: &Path) -> Result<ExitCode> {
    let Some(partner) = partner else { bail!("--to x12 needs --partner ID (a profile in {})", partners_dir.display()) };
    let profile = partners::load(partners_dir, partner)?;
    let input = BufReader::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?);
    let name = file.display().to_string();
    let (mut docs, mut errors) = (Vec::new(), Vec::new());
    for (n, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {name}"))?;
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line) {
            Ok(doc) => match doc.validate() {
                Ok(()) => docs.push(doc),
                Err(v) => errors.extend(
                    v.violations.iter().map(|v| format!("{name}:{}: {}: {} ({})", n + 1, v.path, v.message, v.rule)),
                ),
            },
            Err(e) => errors.push(format!("{name}:{}: {e}", n + 1)),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{name}: {} problem(s); no X12 written", errors.len());
        return Ok(ExitCode::FAILURE);
    }
    if docs.is_empty() {
        bail!("{name}: no documents to write");
    }
    let mut numbers = FileControlNumbers::open(data_dir.join("control-numbers"))?;
    let now = chrono::Utc::now().naive_utc();
    let x12 = crossdock_x12::outbound::write_documents(&profile, &docs, &mut numbers, now)
        .with_context(|| format!("cannot write X12 for partner {partner}"))?;
    std::io::stdout().write_all(&x12).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// One JSON line: an envelope (it has `data`) or a bare document. Errors name the JSON path.
pub(crate) fn parse_line(line: &str) -> Result<Document, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("data") {
        Some(data) if value.get("document_type").is_none() => {
            typed::<Envelope<serde_json::Value>>(value.clone(), "$.")?;
            document(data.clone(), "$.data.")
        }
        _ => document(value, "$."),
    }
}

/// serde loses the JSON path inside internally tagged enums, so the tag is read here and
/// the document deserialized as its own type, path and all.
fn document(value: serde_json::Value, prefix: &str) -> Result<Document, String> {
    use crossdock_model as m;
    let kind = value.get("document_type").and_then(|k| k.as_str()).unwrap_or_default().to_string();
    let v = value;
    Ok(match kind.as_str() {
        "sales_order" => Document::SalesOrder(typed::<m::SalesOrder>(v, prefix)?),
        "purchase_order" => Document::PurchaseOrder(typed::<m::PurchaseOrder>(v, prefix)?),
        "purchase_order_ack" => Document::PurchaseOrderAck(typed::<m::PurchaseOrderAck>(v, prefix)?),
        "ship_notice" => Document::ShipNotice(typed::<m::ShipNotice>(v, prefix)?),
        "invoice" => Document::Invoice(typed::<m::Invoice>(v, prefix)?),
        "inventory_advice" => Document::InventoryAdvice(typed::<m::InventoryAdvice>(v, prefix)?),
        "fulfillment_request" => Document::FulfillmentRequest(typed::<m::FulfillmentRequest>(v, prefix)?),
        "fulfillment_update" => Document::FulfillmentUpdate(typed::<m::FulfillmentUpdate>(v, prefix)?),
        "shipment_status" => Document::ShipmentStatus(typed::<m::ShipmentStatus>(v, prefix)?),
        "functional_ack" => Document::FunctionalAck(typed::<m::FunctionalAck>(v, prefix)?),
        "return" => Document::Return(typed::<m::Return>(v, prefix)?),
        other => return Err(format!("{prefix}document_type: {other:?} is not a canonical document type")),
    })
}

fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value, prefix: &str) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| format!("{prefix}{}: {}", e.path(), e.inner()))
}
