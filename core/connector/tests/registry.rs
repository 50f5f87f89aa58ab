//! The registry builds configured connectors, or reports every configuration error at once.

use crossdock_connector::{ConfigError, Connector, ConnectorConfig, Registry};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DropSettings {
    #[allow(dead_code)] // read to check the configuration
    dir: String,
}

fn file_drop(config: &ConnectorConfig) -> Result<Connector, ConfigError> {
    let _settings: DropSettings = config.settings()?;
    Ok(Connector::default())
}

#[derive(Deserialize)]
struct HubConfig {
    connectors: Vec<ConnectorConfig>,
}

fn configs(toml_text: &str) -> Vec<ConnectorConfig> {
    toml::from_str::<HubConfig>(toml_text).unwrap().connectors
}

#[test]
fn builds_what_is_configured() {
    let registry = Registry::new(vec![("file_drop", file_drop)]);
    let built = registry
        .build(&configs(
            r#"
            [[connectors]]
            name = "erp-drop"
            kind = "file_drop"
            dir = "/var/spool/erp"
            retry = { max_attempts = 3, max_elapsed = 60000, base_delay = 100, max_delay = 5000 }
            "#,
        ))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(built.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["erp-drop"]);
}

#[test]
fn reports_every_error_at_once() {
    let registry = Registry::new(vec![("file_drop", file_drop)]);
    let errors = registry
        .build(&configs(
            r#"
            [[connectors]]
            name = "a"
            kind = "ftp"
            [[connectors]]
            name = "b"
            kind = "file_drop"
            direcotry = "/tmp"
            [[connectors]]
            name = "b"
            kind = "file_drop"
            dir = "/tmp"
            "#,
        ))
        .err()
        .unwrap();
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("connector a: unknown kind \"ftp\" (known: file_drop)"));
    assert!(messages[1].starts_with("connector b: unknown field `direcotry`"), "{}", messages[1]);
    assert_eq!(messages[2], "connector b: duplicate connector name");
}
