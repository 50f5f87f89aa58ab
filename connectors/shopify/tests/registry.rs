//! The `shopify` kind in the framework's registry, configured from TOML.

use crossdock_connector::{ConnectorConfig, Registry};

fn config(toml_text: &str) -> ConnectorConfig {
    toml::from_str(toml_text).unwrap()
}

const MAPPING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../mappings/shopify/shopify-order.toml");

#[test]
fn the_registry_builds_a_shopify_connector_with_its_secret_from_the_environment() {
    // A variable of this test's own: the process environment is shared by all tests.
    std::env::set_var("CROSSDOCK_TEST_SHOPIFY_SECRET", "whsec");
    let registry = Registry::new(vec![("shopify", crossdock_shopify::connector::build)]);
    let good = config(&format!(
        "name = \"shopify-main\"\nkind = \"shopify\"\nshop = \"acme.myshopify.com\"\n\
         secret_env = \"CROSSDOCK_TEST_SHOPIFY_SECRET\"\ntoken_env = \"CROSSDOCK_TEST_UNSET_TOKEN\"\norder_mapping = \"{MAPPING}\"\n\
         [locations]\n\"487838322\" = \"DC-EAST\"\n"
    ));
    let built = registry.build(&[good]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(built[0].1.inbound.as_ref().unwrap().name(), "shopify-main");
    // No Admin API token in the environment: inbound only.
    assert!(built[0].1.outbound.is_none());
    std::env::set_var("CROSSDOCK_TEST_SHOPIFY_TOKEN", "shpat");
    let with_token = config(&format!(
        "name = \"shopify-out\"\nkind = \"shopify\"\nshop = \"acme.myshopify.com\"\n\
         secret_env = \"CROSSDOCK_TEST_SHOPIFY_SECRET\"\ntoken_env = \"CROSSDOCK_TEST_SHOPIFY_TOKEN\"\n\
         order_mapping = \"{MAPPING}\"\n"
    ));
    let built = registry.build(&[with_token]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(built[0].1.outbound.as_ref().unwrap().name(), "shopify-out");

    let unset = config(&format!(
        "name = \"no-secret\"\nkind = \"shopify\"\nshop = \"acme.myshopify.com\"\n\
         secret_env = \"CROSSDOCK_TEST_UNSET_VARIABLE\"\norder_mapping = \"{MAPPING}\"\n"
    ));
    let typo = config("name = \"typo\"\nkind = \"shopify\"\nshop = \"acme.myshopify.com\"\nlocation = {}\n");
    let errors = registry.build(&[unset, typo]).err().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].message.contains("CROSSDOCK_TEST_UNSET_VARIABLE"), "{errors:?}");
    assert!(errors[1].message.contains("unknown field `location`"), "{errors:?}");
}
