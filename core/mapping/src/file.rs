//! The mapping file format (TOML), as read, before compilation.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::input::Format;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingFile {
    pub mapping: Header,
    /// Named jq definitions every field can use: `name = 'body'` or `"name($arg)" = 'body'`
    /// becomes `def name($arg): body;`.
    #[serde(default)]
    pub defs: BTreeMap<String, Spanned<String>>,
    /// Code lists: `[lookups.NAME]` tables of partner code to canonical value.
    #[serde(default)]
    pub lookups: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Output field name to jq expression.
    #[serde(default)]
    pub fields: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub tests: Vec<Spanned<TestCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Header {
    pub name: String,
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub description: Option<String>,
    /// The trading partner this mapping is for (`12/4405197800`, `shopify`), for selection.
    #[serde(default)]
    pub partner: Option<String>,
    /// Required unless the mapping extends another.
    pub input: Option<Format>,
    /// A canonical `document_type` (`sales_order`, ...) or `json` for an outbound mapping.
    pub output: Option<String>,
    /// The base mapping this one overrides, relative to this file.
    pub extends: Option<Spanned<String>>,
    /// Splits the input into documents (`group_by(.order_no)[]`); default: the whole input.
    pub each: Option<Spanned<String>>,
    pub csv_delimiter: Option<char>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestCase {
    /// The sample input, relative to the mapping file.
    pub sample: String,
    /// The expected output (a JSON array of documents), relative to the mapping file.
    pub expect: String,
}
