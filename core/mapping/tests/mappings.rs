//! Every mapping file under mappings/ runs its own test cases; broken mapping files get
//! every diagnostic at once, with file and line.

use std::path::{Path, PathBuf};

use crossdock_mapping::{Mapping, MappingError};

fn mapping_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            mapping_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn repo_mappings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mappings")
}

#[test]
fn every_mapping_passes_its_own_test_cases() {
    let mut files = Vec::new();
    mapping_files(&repo_mappings(), &mut files);
    files.sort();
    // The ERP guide's CSV mapping and the BigBox X12 override at least.
    assert!(files.len() >= 2, "mapping files found: {files:?}");
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        match Mapping::load(file) {
            Err(diagnostics) => failures.push(diagnostics.to_string()),
            Ok(mapping) => {
                assert!(!mapping.tests().is_empty(), "{}: a mapping file needs a test case", file.display());
                cases += mapping.tests().len();
                failures.extend(mapping.run_tests());
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cases} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

fn diagnostics(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/err").join(file);
    let errors = Mapping::load(&path).err().expect("the mapping is broken");
    errors.0.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

#[test]
fn every_problem_of_a_mapping_is_reported_at_once_with_its_line() {
    assert_eq!(
        diagnostics("broken.toml"),
        [
            "5:26: each: expected closing parenthesis",
            "8:19: defs cents: expected term, found \";\"",
            "12:28: field order_id: undefined filter nosuchfunction",
            "13:28: no lookup table \"channels\" (add [lookups.channels])",
            "14:14: field placed_at: undefined variable $nosuchvar",
            "16:1: test file missing.csv does not exist",
            "16:1: test file missing.json does not exist",
        ]
        .map(String::from)
    );
}

#[test]
fn a_toml_error_names_its_line() {
    let found = diagnostics("bad-toml.toml");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("3:9: unknown variant `yaml`"), "{found:?}");
}

#[test]
fn an_invalid_result_is_reported_with_json_paths() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(
        &file,
        r#"
[mapping]
name = "m"
input = "json"
output = "sales_order"
[fields]
order_id = '.id'
channel = '"web"'
placed_at = '.at'
lines = '[.items[] | {line_id: .n, item: {sku: .sku}, quantity: .qty}]'
"#,
    )
    .unwrap();
    let mapping = Mapping::load(&file).unwrap();
    let sample = br#"{"id": " ", "at": "2026-11-21T10:00:00Z", "items": [{"n": "1", "sku": "A", "qty": "0"}]}"#;
    match mapping.map(sample) {
        Err(MappingError::Invalid { problems, .. }) => assert_eq!(
            problems,
            [
                "$.order_id: must not be empty (required)",
                "$.lines[0].quantity: must be greater than zero, got 0 (quantity_positive)"
            ]
        ),
        other => panic!("{other:?}"),
    }
    let sample = br#"{"id": "1", "at": "yesterday", "items": []}"#;
    match mapping.map(sample) {
        Err(MappingError::Invalid { problems, .. }) => {
            assert_eq!(problems, ["$.placed_at: input contains invalid characters"])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_expression_error_names_the_field_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(
        &file,
        "[mapping]\nname = \"m\"\ninput = \"json\"\noutput = \"json\"\n[lookups.uom]\nPCS = \"EA\"\n[fields]\nuom = '.unit | lookup(\"uom\")'\n",
    )
    .unwrap();
    let mapping = Mapping::load(&file).unwrap();
    assert_eq!(mapping.map(br#"{"unit": "PCS"}"#).unwrap(), [serde_json::json!({"uom": "EA"})]);
    let error = mapping.map(br#"{"unit": "BOX"}"#).unwrap_err().to_string();
    assert!(error.ends_with(":8: field uom of document 1: \"\\\"BOX\\\" is not in lookup uom\""), "{error}");
}

#[test]
fn an_outbound_mapping_refuses_an_invalid_canonical_document() {
    let file = repo_mappings().join("outbound-acme-po-json/acme-po-json.toml");
    let mapping = Mapping::load(&file).unwrap();
    let sample = std::fs::read(repo_mappings().join("outbound-acme-po-json/samples/purchase-order.json")).unwrap();
    assert!(mapping.map(&sample).is_ok());
    let broken = String::from_utf8(sample).unwrap().replace("\"BB-448813\"", "\"\"");
    let error = mapping.map(broken.as_bytes()).unwrap_err().to_string();
    assert!(error.ends_with("not a valid canonical document: $.po_number: must not be empty (required)"), "{error}");
}

#[test]
fn an_override_replaces_fields_and_extends_lookups_of_its_base() {
    let dir = tempfile::tempdir().unwrap();
    let base = repo_mappings().join("erp-acme-csv/erp-acme-csv.toml");
    let file = dir.path().join("acme-wholesale.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[mapping]
name = "acme-wholesale"
extends = {base:?}

# The wholesale branch books express orders as DHL-EXP-W, and is its own channel.
[lookups.service_level]
"DHL-EXP-W" = "express"

[fields]
channel = '"erp-acme-wholesale"'
order_id = '$base.order_id + "-W"'
"#,
            base = base.display().to_string()
        ),
    )
    .unwrap();
    let mapping = Mapping::load(&file).unwrap_or_else(|d| panic!("{d}"));
    let csv = std::fs::read_to_string(repo_mappings().join("erp-acme-csv/samples/orders.csv")).unwrap();
    let documents = mapping.map(csv.replace("DHL-EXP", "DHL-EXP-W").as_bytes()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_mappings().join("erp-acme-csv/expected/orders.json")).unwrap())
            .unwrap();
    let differences = crossdock_mapping::diff(&expected, &serde_json::Value::Array(documents));
    assert_eq!(
        differences,
        [
            "$[0].channel: expected \"erp-acme\", got \"erp-acme-wholesale\"",
            "$[0].order_id: expected \"ACME-SO-1001\", got \"ACME-SO-1001-W\"",
            "$[1].channel: expected \"erp-acme\", got \"erp-acme-wholesale\"",
            "$[1].order_id: expected \"ACME-SO-1002\", got \"ACME-SO-1002-W\"",
        ]
    );
}
