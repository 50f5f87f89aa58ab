//! The Shopify order mapping file runs its own test cases (sample in, expected out).
//! `CROSSDOCK_BLESS=1 cargo test` rewrites the expected files from the current output.

use std::path::Path;

use crossdock_mapping::Mapping;

fn order_mapping() -> Mapping {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mappings/shopify/shopify-order.toml");
    Mapping::load(&path).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn the_order_mapping_passes_its_test_cases() {
    let mapping = order_mapping();
    assert_eq!(mapping.tests().len(), 2);
    if std::env::var_os("CROSSDOCK_BLESS").is_some() {
        for case in mapping.tests() {
            let output = mapping.map(&std::fs::read(&case.sample).unwrap()).unwrap_or_else(|e| panic!("{e}"));
            let mut text = serde_json::to_string_pretty(&output).unwrap();
            text.push('\n');
            std::fs::write(&case.expect, text).unwrap();
        }
    }
    let failures = mapping.run_tests();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
