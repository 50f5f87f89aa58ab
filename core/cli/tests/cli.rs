//! The `crossdock` binary as users run it: exit codes, stdout, stderr, files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crossdock_model::{Document, Envelope};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors/x12/tests/corpus").join(name)
}

/// A scratch folder of the test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("crossdock-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn crossdock(data_dir: &Path, args: &[&str]) -> Output {
    let partners = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/partners");
    Command::new(env!("CARGO_BIN_EXE_crossdock"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--partners")
        .arg(partners)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn envelopes(stdout: &[u8]) -> Vec<Envelope<Document>> {
    text(stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn translate_prints_one_enveloped_document_per_set() {
    let s = Scratch::new("translate");
    let out = crossdock(&s.0, &["translate", corpus("staedi_810_simple.edi").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let docs = envelopes(&out.stdout);
    assert_eq!(docs.len(), 2);
    for env in &docs {
        assert_eq!(env.event_type, "invoice.received");
        assert!(matches!(env.data, Document::Invoice(_)));
        assert_eq!(env.subject, env.data.business_key());
    }
    assert_ne!(docs[0].id, docs[1].id);
}

#[test]
fn translate_names_file_segment_line_and_rule_of_every_error() {
    let s = Scratch::new("errors");
    let file = corpus("ediengine_940_ctrl_mismatch.edi");
    let out = crossdock(&s.0, &["translate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "a rejected interchange translates to nothing");
    let err = text(&out.stderr);
    let name = file.display().to_string();
    for part in [
        format!("{name}: segment 7 (line 7, SE): SE02 0002 does not match ST02 0001 [AK5 3:"),
        format!("{name}: segment 8 (line 8, GE): GE02 3315 does not match GS06 3314 [AK9 4:"),
        format!("{name}: segment 9 (line 9, IEA): IEA02 000003439 does not match ISA13 000003438 [TA1 001:"),
    ] {
        assert!(err.contains(&part), "missing {part:?} in\n{err}");
    }
}

#[test]
fn input_that_is_not_x12_exits_2_with_the_reason() {
    let s = Scratch::new("notx12");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors/x12/tests/not-x12/ediengine_not_edi.edi");
    let out = crossdock(&s.0, &["translate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("ediengine_not_edi.edi") && err.contains("not an X12 interchange"), "{err}");
}

#[test]
fn canonical_to_x12_and_back_keeps_the_order_and_never_repeats_control_numbers() {
    let s = Scratch::new("roundtrip");
    let out = crossdock(&s.0, &["translate", corpus("nodex12_850_vics.edi").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let jsonl = s.0.join("po.jsonl");
    std::fs::write(&jsonl, &out.stdout).unwrap();
    let original = business_content(envelopes(&out.stdout).remove(0).data);

    let mut isa13 = Vec::new();
    for _ in 0..2 {
        let x12 = crossdock(&s.0, &["translate", "--to", "x12", "--partner", "acme-supplier", jsonl.to_str().unwrap()]);
        assert!(x12.status.success(), "{}", text(&x12.stderr));
        let edi = s.0.join("po.edi");
        std::fs::write(&edi, &x12.stdout).unwrap();
        isa13.push(text(&x12.stdout).split('*').nth(13).unwrap().to_string());
        let back = crossdock(&s.0, &["translate", edi.to_str().unwrap()]);
        assert!(back.status.success(), "{}", text(&back.stderr));
        assert_eq!(business_content(envelopes(&back.stdout).remove(0).data), original);
    }
    assert_eq!(isa13, ["000000001", "000000002"], "the sequence survives between runs");
}

/// The order without the check totals, which the writer computes afresh (CTT02 is only
/// sent when the writer sends it).
fn business_content(doc: Document) -> Document {
    match doc {
        Document::PurchaseOrder(mut po) => {
            po.declared_totals = None;
            Document::PurchaseOrder(po)
        }
        other => other,
    }
}

#[test]
fn invalid_canonical_input_is_refused_with_line_and_json_path() {
    let s = Scratch::new("invalid");
    let out = crossdock(&s.0, &["translate", corpus("nodex12_850_vics.edi").to_str().unwrap()]);
    let mut env: serde_json::Value =
        serde_json::from_slice(text(&out.stdout).lines().next().unwrap().as_bytes()).unwrap();
    env["data"]["lines"][1]["quantity"] = "-3".into();
    env["data"]["po_number"] = "".into();
    let file = s.0.join("bad.jsonl");
    std::fs::write(&file, format!("{env}\n{{\"document_type\":\"invoice\",\"invoice_number\":7}}\n")).unwrap();
    let x12 = crossdock(&s.0, &["translate", "--to", "x12", "--partner", "acme-supplier", file.to_str().unwrap()]);
    assert_eq!(x12.status.code(), Some(1));
    assert!(x12.stdout.is_empty(), "nothing is written when any document is invalid");
    let err = text(&x12.stderr);
    for part in ["bad.jsonl:1: $.po_number:", "bad.jsonl:1: $.lines[1].quantity:", "bad.jsonl:2: $.invoice_number:"] {
        assert!(err.contains(part), "missing {part:?} in\n{err}");
    }
}

#[test]
fn ack_answers_each_interchange_in_the_senders_own_envelope() {
    let s = Scratch::new("ack");
    let out = crossdock(&s.0, &["ack", corpus("ediengine_940x3_two_gs.edi").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ack = text(&out.stdout);
    assert!(ack.starts_with("ISA*00*          *00*          *ZZ*WAREHOUSE      *ZZ*VENDOR         *"), "{ack}");
    assert!(ack.contains("AK1*OW*9221") && ack.contains("AK1*OW*9222"), "{ack}");
    assert!(ack.contains("AK5*R*5"), "{ack}");
    let k999 = crossdock(&s.0, &["ack", "--kind", "999", corpus("stedi_855_5010.edi").to_str().unwrap()]);
    assert!(text(&k999.stdout).contains("ST*999*"), "{}", text(&k999.stdout));
}

#[test]
fn demo_tells_the_story_and_writes_its_documents() {
    let s = Scratch::new("demo");
    let out = crossdock(&s.0, &["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let story = text(&out.stdout);
    for part in [
        "1. The network reports its stock",
        "Line 1: 2 x LANTERN-LED -> 2 from STORE-CHI",
        "Ships in 2 parcels, from DC-WEST, DC-EAST.",
        "BACKORDERED, no eligible node has it now; expected at SUP-ACME on 2026-12-04 (on order)",
        "-> drop-ship PO SHOP-1006-1 to SUP-RIVER",
        "-> fulfilment request SHOP-1007-1 to 3PL-SOUTH",
        "Order 4405197800-BB-448812",
        "MKT-77 line 1: Received -> Backordered",
        "VIP-2001 line 1: Received -> Released",
        "SHOP-1006 line 1: Acknowledged -> Shipped",
        "5. Where every order line stands",
    ] {
        assert!(story.contains(part), "missing {part:?} in\n{story}");
    }
    assert!(!story.contains("REJECTED") && !story.contains("duplicate"), "{story}");
    let outbound = s.0.join("demo/outbound");
    let x12_files = |partner: &str| std::fs::read_dir(outbound.join(partner)).map(|d| d.count()).unwrap_or(0);
    assert_eq!((x12_files("acme-supplier"), x12_files("river-outfitters"), x12_files("south-3pl")), (1, 1, 1));
    let po = std::fs::read_dir(outbound.join("river-outfitters")).unwrap().next().unwrap().unwrap().path();
    let po = std::fs::read_to_string(po).unwrap();
    assert!(po.contains("ST*850*") && po.contains("BEG*00*DS*SHOP-1006-1"), "{po}");
}

#[test]
fn source_explains_a_dry_run_against_the_hub_state() {
    let s = Scratch::new("source");
    assert!(crossdock(&s.0, &["demo"]).status.success());
    let order = s.0.join("order.json");
    std::fs::write(
        &order,
        r#"{"sales_order": {"order_id": "ASK-1", "channel": "shopify", "placed_at": "2026-11-21T11:00:00-05:00",
            "lines": [{"line_id": "1", "item": {"sku": "STOVE-1"}, "quantity": "3", "uom": "EA"}]},
            "ship_to_geo": {"lat": "41.4993", "lon": "-81.6944"}}"#,
    )
    .unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo/hub.toml");
    let hub_dir = s.0.join("demo");
    let args = [
        "--data-dir",
        hub_dir.to_str().unwrap(),
        "source",
        order.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_crossdock")).args(args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Order ASK-1") && said.contains("Line 1: 3 x STOVE-1 -> 3 from DC-EAST"), "{said}");
    let json = Command::new(env!("CARGO_BIN_EXE_crossdock")).args(args).arg("--json").output().unwrap();
    let decision: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(decision["order_id"], "ASK-1");
}

#[test]
fn thread_shows_a_drop_ship_po_from_850_to_match_after_the_demo() {
    let s = Scratch::new("thread");
    let demo = crossdock(&s.0, &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let story = text(&demo.stdout);
    for part in [
        "! thread.document_late SHOP-1006-1: no 855 yet: 855 due within 24h of the 850",
        "6. Three-way match and the document thread of each drop-ship PO",
        "  Thread of PO SHOP-1006-2 (acme-supplier, for sales order SHOP-1006)",
    ] {
        assert!(story.contains(part), "missing {part:?} in\n{story}");
    }
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo/hub.toml");
    let hub_dir = s.0.join("demo");
    let args = ["thread", "SHOP-1006-1", "--config", config.to_str().unwrap()];
    let out = crossdock(&hub_dir, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    // The documents in the order they came, each with its direction and key.
    let kinds: Vec<String> = said
        .lines()
        .skip(1)
        .take_while(|l| !l.contains("Three-way match"))
        .map(|l| l.split_whitespace().skip(3).take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let expected = [
        "hub 850",
        "sent 850",
        "received 997",
        "hub warning",
        "received 855",
        "received 856",
        "hub match",
        "received 810",
        "hub match",
    ];
    assert_eq!(kinds, expected, "{said}");
    assert!(said.contains("    line 1: matched\n    line 2: matched\n"), "{said}");

    let json = crossdock(&hub_dir, &[&args[..], &["--json"]].concat());
    let thread: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(thread["thread"]["sales_order_ref"], "SHOP-1006");
    assert_eq!(thread["thread"]["entries"][1]["content_hash"].as_str().unwrap().len(), 64);
    assert_eq!(thread["match"][0]["status"], "matched");
    assert_eq!(
        crossdock(&hub_dir, &["thread", "NO-SUCH-PO", "--config", config.to_str().unwrap()]).status.code(),
        Some(1)
    );
}
