//! The mapping language: declarative TOML files whose fields are jq expressions (run by
//! jaq), turning a partner's document tree (JSON, CSV, X12) into canonical documents, and
//! canonical documents into a partner's JSON.
//!
//! A [`Mapping`] is compiled once ([`Mapping::load`], every problem reported at once with
//! file and line) and run many times ([`Mapping::map`]). Results of inbound mappings are
//! checked against the canonical model (shape, then `Validate`) and their problems
//! reported with JSON paths. See `mappings/README.md` for the file format.

mod diagnostic;
mod diff;
mod file;
mod input;
mod jq;
mod xml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crossdock_model::{Document, Validate};
use jaq_json::Val;
use serde_json::{Map, Value};

pub use diagnostic::{Diagnostic, Diagnostics};
pub use diff::diff;
pub use input::{csv_rows, Format, InputError};

use diagnostic::Source;
use file::MappingFile;
use jq::{from_val, to_val, Expr};

/// A compiled mapping, ready to run.
pub struct Mapping {
    pub name: String,
    pub version: Option<u32>,
    pub description: Option<String>,
    pub partner: Option<String>,
    pub input: Format,
    /// A canonical `document_type`, or `json` for an outbound mapping.
    pub output: String,
    path: PathBuf,
    csv_delimiter: char,
    each: Option<Located<Expr>>,
    fields: Vec<(String, Located<Expr>)>,
    lookups: Val,
    base: Option<Box<Mapping>>,
    tests: Vec<TestCase>,
}

struct Located<T> {
    value: T,
    line: usize,
}

/// An embedded test case, paths resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    pub sample: PathBuf,
    pub expect: PathBuf,
    /// Where the case is declared in the mapping file.
    pub line: usize,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{file}: input: {error}")]
    Input { file: PathBuf, error: InputError },
    #[error("{}:{line}: field {field} of document {document}: {message}", file.display())]
    Expression { file: PathBuf, line: usize, field: String, document: usize, message: String },
    /// The result is not a valid canonical document; every problem with its JSON path.
    #[error("document {document} is not a valid {output}:\n  {}", problems.join("\n  "))]
    Invalid { document: usize, output: String, problems: Vec<String> },
}

const MAX_EXTENDS_DEPTH: usize = 8;

impl Mapping {
    /// Reads and compiles a mapping file (and the mapping it extends).
    pub fn load(path: &Path) -> Result<Mapping, Diagnostics> {
        Self::load_at_depth(path, 0)
    }

    fn load_at_depth(path: &Path, depth: usize) -> Result<Mapping, Diagnostics> {
        let whole_file =
            |message: String| Diagnostics(vec![Diagnostic { file: path.into(), line: 1, column: 1, message }]);
        let text = std::fs::read_to_string(path).map_err(|e| whole_file(format!("cannot read: {e}")))?;
        let source = Source { file: path, text: &text };
        let spec: MappingFile = toml::from_str(&text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            Diagnostics(vec![source.at(offset, e.message().trim_end().to_string())])
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut problems = Vec::new();

        let base = match &spec.mapping.extends {
            None => None,
            Some(_) if depth >= MAX_EXTENDS_DEPTH => {
                problems.push(whole_file("extends nests too deep (a cycle?)".into()).0.remove(0));
                None
            }
            Some(base) => match Self::load_at_depth(&dir.join(base.get_ref()), depth + 1) {
                Ok(mapping) => Some(Box::new(mapping)),
                Err(Diagnostics(mut inner)) => {
                    problems.push(source.at(base.span().start, format!("in the base mapping {}", base.get_ref())));
                    problems.append(&mut inner);
                    None
                }
            },
        };

        let header = &spec.mapping;
        let input = header.input.or(base.as_ref().map(|b| b.input));
        let output = header.output.clone().or(base.as_ref().map(|b| b.output.clone()));
        if input.is_none() {
            problems.push(source.at(0, "mapping.input is missing (json, canonical, csv, xml or x12)"));
        }
        match &output {
            None => problems.push(source.at(0, "mapping.output is missing (a canonical document type, or json)")),
            Some(output) if output != "json" && !is_document_type(output) => problems
                .push(source.at(0, format!("mapping.output {output:?} is neither json nor a canonical document type"))),
            Some(_) => {}
        }

        // Helpers and the file's defs come before every expression; an error offset is
        // mapped back to the def or the expression it falls in.
        let mut prefix = jq::HELPERS.to_string();
        let mut regions = Vec::new(); // (offset in prefix, offset in file) of each def body
        let mut broken_defs = Vec::new();
        // In file order: jq defs see only the defs before them.
        let mut defs: Vec<_> = spec.defs.iter().collect();
        defs.sort_by_key(|(_, body)| body.span().start);
        for (name, body) in defs {
            let def = format!("def {name}: {};\n", body.get_ref());
            let body_start = value_start(&text, body.span().start);
            // Each def is checked as it comes, so a broken one is reported once, here, and
            // the fields are still checked against the others.
            if let Err(errors) = Expr::compile(&format!("{prefix}{def}.")) {
                let def_offset = prefix.len() + format!("def {name}: ").len();
                for e in errors {
                    if broken_defs.iter().any(|d| e.message == format!("undefined filter {d}")) {
                        continue;
                    }
                    let offset = body_start + e.offset.saturating_sub(def_offset);
                    problems.push(source.at(offset, format!("defs {name}: {}", e.message)));
                }
                broken_defs.push(name.split('(').next().unwrap_or(name).trim().to_string());
                continue;
            }
            prefix.push_str(&format!("def {name}: "));
            regions.push((prefix.len(), body_start));
            prefix.push_str(&format!("{};\n", body.get_ref()));
        }
        let mut compile = |spanned: &toml::Spanned<String>, what: &str| -> Option<Located<Expr>> {
            let expr_start = value_start(&text, spanned.span().start);
            let line = source.at(expr_start, "").line;
            match Expr::compile(&format!("{prefix}{}", spanned.get_ref())) {
                Ok(value) => Some(Located { value, line }),
                Err(errors) => {
                    for e in errors {
                        let (what, offset) = if e.offset >= prefix.len() {
                            (what.to_string(), expr_start + (e.offset - prefix.len()))
                        } else {
                            match regions.iter().rev().find(|(start, _)| e.offset >= *start) {
                                Some((start, file_offset)) => ("defs".to_string(), file_offset + (e.offset - start)),
                                None => (what.to_string(), expr_start),
                            }
                        };
                        // A use of a broken def was reported with the def.
                        if broken_defs.iter().any(|d| e.message == format!("undefined filter {d}")) {
                            continue;
                        }
                        problems.push(source.at(offset, format!("{what}: {}", e.message)));
                    }
                    None
                }
            }
        };
        let each = header.each.as_ref().and_then(|e| compile(e, "each"));
        let fields: Vec<_> = spec
            .fields
            .iter()
            .filter_map(|(name, expr)| compile(expr, &format!("field {name}")).map(|e| (name.clone(), e)))
            .collect();

        let mut lookups: BTreeMap<String, Value> = base
            .as_ref()
            .and_then(|b| from_val(&b.lookups).ok())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        for (name, table) in &spec.lookups {
            let merged = lookups.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
            for (code, value) in table {
                let value = serde_json::to_value(value).expect("TOML values are JSON values");
                merged.as_object_mut().expect("lookup tables are objects").insert(code.clone(), value);
            }
        }

        // A lookup of a table that does not exist is a typo: say so now, not on the
        // first document that reaches it.
        let expressions = spec.defs.values().chain(spec.fields.values()).chain(header.each.iter());
        for expr in expressions {
            let code = expr.get_ref();
            for (at, _) in code.match_indices("lookup(\"") {
                let name_start = at + "lookup(\"".len();
                let Some(len) = code[name_start..].find('"') else { continue };
                let name = &code[name_start..name_start + len];
                if !lookups.contains_key(name) {
                    let offset = value_start(&text, expr.span().start) + name_start;
                    problems.push(source.at(offset, format!("no lookup table {name:?} (add [lookups.{name}])")));
                }
            }
        }

        let tests: Vec<TestCase> = spec
            .tests
            .iter()
            .map(|case| TestCase {
                sample: dir.join(&case.get_ref().sample),
                expect: dir.join(&case.get_ref().expect),
                line: source.at(case.span().start, "").line,
            })
            .collect();
        for spanned in &spec.tests {
            for file in [&spanned.get_ref().sample, &spanned.get_ref().expect] {
                if !dir.join(file).is_file() {
                    problems.push(source.at(spanned.span().start, format!("test file {file} does not exist")));
                }
            }
        }

        if !problems.is_empty() {
            problems.sort_by_key(|a| (a.file != path, a.line, a.column));
            return Err(Diagnostics(problems));
        }
        Ok(Mapping {
            name: header.name.clone(),
            version: header.version,
            description: header.description.clone(),
            partner: header.partner.clone().or(base.as_ref().and_then(|b| b.partner.clone())),
            input: input.expect("checked"),
            output: output.expect("checked"),
            path: path.to_path_buf(),
            csv_delimiter: header.csv_delimiter.or(base.as_ref().map(|b| b.csv_delimiter)).unwrap_or(','),
            each,
            fields,
            lookups: to_val(&serde_json::to_value(lookups).expect("lookups serialize")),
            base,
            tests,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn tests(&self) -> &[TestCase] {
        &self.tests
    }

    /// The documents of one input (JSON or canonical JSON bytes, CSV text, an X12 interchange).
    pub fn map(&self, input: &[u8]) -> Result<Vec<Value>, MappingError> {
        let input_error = |error| MappingError::Input { file: self.path.clone(), error };
        let tree = match self.input {
            // Parsed by jaq directly, so decimals keep their exact digits.
            Format::Json => jaq_json::read::parse_single(input)
                .map_err(|e| input_error(InputError { position: "JSON input".into(), message: e.to_string() }))?,
            // An outbound mapping starts from a valid canonical document, or not at all.
            Format::Canonical => {
                let value: Value = serde_json::from_slice(input).map_err(|e| {
                    input_error(InputError { position: format!("line {}", e.line()), message: e.to_string() })
                })?;
                if let Some(problems) = canonical_problems(&value) {
                    let message = format!("not a valid canonical document: {}", problems.join("; "));
                    return Err(input_error(InputError { position: "JSON input".into(), message }));
                }
                jaq_json::read::parse_single(input).expect("parsed above")
            }
            Format::Csv => {
                let text = std::str::from_utf8(input).map_err(|e| {
                    input_error(InputError {
                        position: format!("byte {}", e.valid_up_to()),
                        message: "not UTF-8".into(),
                    })
                })?;
                to_val(&csv_rows(text, self.csv_delimiter).map_err(input_error)?)
            }
            Format::Xml => {
                let text = std::str::from_utf8(input).map_err(|e| {
                    input_error(InputError {
                        position: format!("byte {}", e.valid_up_to()),
                        message: "not UTF-8".into(),
                    })
                })?;
                to_val(&xml::xml_tree(text).map_err(input_error)?)
            }
            Format::X12 => return self.map_x12(input::x12_sets(input).map_err(input_error)?, &self.lookups),
        };
        self.map_tree(&tree, &self.lookups)
    }

    /// The documents of an already parsed input tree (what the JSON-based connectors hold).
    pub fn map_value(&self, tree: &Value) -> Result<Vec<Value>, MappingError> {
        self.map_tree(&to_val(tree), &self.lookups)
    }

    /// Like [`map`](Self::map), typed: for inbound mappings.
    pub fn map_documents(&self, input: &[u8]) -> Result<Vec<Document>, MappingError> {
        self.map(input)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                serde_json::from_value(v).map_err(|e| MappingError::Invalid {
                    document: i + 1,
                    output: self.output.clone(),
                    problems: vec![e.to_string()],
                })
            })
            .collect()
    }

    /// `lookups` are the code lists of the outermost override: a base sees them too.
    fn map_tree(&self, tree: &Val, lookups: &Val) -> Result<Vec<Value>, MappingError> {
        let items = self.items(tree, lookups)?;
        let bases: Vec<Value> = match &self.base {
            Some(base) => base.map_tree(tree, lookups)?,
            None => Vec::new(),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.map_item(i + 1, item, bases.get(i).cloned(), tree, lookups))
            .collect()
    }

    fn map_x12(&self, sets: Vec<input::X12Set>, lookups: &Val) -> Result<Vec<Value>, MappingError> {
        sets.into_iter()
            .enumerate()
            .map(|(i, set)| {
                if !set.errors.is_empty() || set.base.is_none() {
                    let mut problems = set.errors;
                    if problems.is_empty() {
                        problems.push("the transaction set could not be mapped".into());
                    }
                    return Err(MappingError::Invalid { document: i + 1, output: self.output.clone(), problems });
                }
                let tree = to_val(&set.tree);
                self.map_item(i + 1, &tree, set.base, &tree, lookups)
            })
            .collect()
    }

    /// The items `each` splits the input into (the whole input by default).
    fn items(&self, tree: &Val, lookups: &Val) -> Result<Vec<Val>, MappingError> {
        match &self.each {
            None => match &self.base {
                Some(base) => base.items(tree, lookups),
                None => Ok(vec![tree.clone()]),
            },
            Some(each) => each
                .value
                .run(tree, &[lookups.clone(), Val::Null, tree.clone()])
                .map_err(|message| self.expression_error("each", each.line, 0, message)),
        }
    }

    fn map_item(
        &self,
        document: usize,
        item: &Val,
        base: Option<Value>,
        whole: &Val,
        lookups: &Val,
    ) -> Result<Value, MappingError> {
        let base_val = base.as_ref().map_or(Val::Null, to_val);
        let globals = [lookups.clone(), base_val, whole.clone()];
        let mut out = match base {
            Some(Value::Object(base)) => base,
            _ => Map::new(),
        };
        for (name, expr) in &self.fields {
            let error = |message| self.expression_error(name, expr.line, document, message);
            let mut values = expr.value.run(item, &globals).map_err(error)?;
            if values.len() > 1 {
                let message = format!("yields {} values; collect them with [ ... ]", values.len());
                return Err(self.expression_error(name, expr.line, document, message));
            }
            match values.pop().map(|v| from_val(&v)).transpose().map_err(error)? {
                None | Some(Value::Null) => out.remove(name),
                Some(value) => out.insert(name.clone(), value),
            };
        }
        if self.output == "json" {
            return Ok(Value::Object(out));
        }
        out.insert("document_type".into(), Value::String(self.output.clone()));
        self.canonical(document, Value::Object(out))
    }

    /// Reads the result as a canonical document and validates it.
    fn canonical(&self, document: usize, value: Value) -> Result<Value, MappingError> {
        let invalid = |problems| MappingError::Invalid { document, output: self.output.clone(), problems };
        let typed: Document = serde_json::from_value(value.clone())
            .map_err(|e| invalid(vec![shape_error(&self.output, &value).unwrap_or_else(|| format!("$: {e}"))]))?;
        if let Err(e) = typed.validate() {
            return Err(invalid(
                e.violations.iter().map(|v| format!("{}: {} ({})", v.path, v.message, v.rule)).collect(),
            ));
        }
        Ok(serde_json::to_value(&typed).expect("documents serialize"))
    }

    fn expression_error(&self, field: &str, line: usize, document: usize, message: String) -> MappingError {
        MappingError::Expression { file: self.path.clone(), line, field: field.into(), document, message }
    }

    /// Runs the embedded test cases; each failure says which case and what differs.
    pub fn run_tests(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for case in &self.tests {
            let at = format!("{}:{}", self.path.display(), case.line);
            let outcome = std::fs::read(&case.sample)
                .map_err(|e| format!("{}: {e}", case.sample.display()))
                .and_then(|sample| self.map(&sample).map_err(|e| e.to_string()));
            let expected = std::fs::read(&case.expect)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()))
                .map_err(|e| format!("{}: {e}", case.expect.display()));
            match (outcome, expected) {
                (Err(e), _) | (_, Err(e)) => failures.push(format!("{at}: {e}")),
                (Ok(actual), Ok(expected)) => {
                    let differences = diff(&expected, &Value::Array(actual));
                    if !differences.is_empty() {
                        failures.push(format!(
                            "{at}: {} differs from {}:\n  {}",
                            case.sample.display(),
                            case.expect.display(),
                            differences.join("\n  ")
                        ));
                    }
                }
            }
        }
        failures
    }
}

/// Why a JSON value is not a valid canonical document, if it is not.
fn canonical_problems(value: &Value) -> Option<Vec<String>> {
    let kind = value.get("document_type").and_then(Value::as_str).unwrap_or_default();
    let document: Document = match serde_json::from_value(value.clone()) {
        Ok(document) => document,
        Err(e) => return Some(vec![shape_error(kind, value).unwrap_or_else(|| format!("$: {e}"))]),
    };
    let violations = document.validate().err()?.violations;
    Some(violations.iter().map(|v| format!("{}: {} ({})", v.path, v.message, v.rule)).collect())
}

/// Where a value does not fit the canonical type, as `$.json.path: what is wrong`. (The
/// `Document` enum is internally tagged, which loses the path; the concrete type keeps it.)
fn shape_error(output: &str, value: &Value) -> Option<String> {
    use crossdock_model as m;
    fn check<T: serde::de::DeserializeOwned>(value: &Value) -> Option<String> {
        let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
        let path = error.path().to_string();
        let path = if path == "." { "$".to_string() } else { format!("$.{path}") };
        Some(format!("{path}: {}", error.inner()))
    }
    match output {
        "sales_order" => check::<m::SalesOrder>(value),
        "purchase_order" => check::<m::PurchaseOrder>(value),
        "purchase_order_ack" => check::<m::PurchaseOrderAck>(value),
        "ship_notice" => check::<m::ShipNotice>(value),
        "invoice" => check::<m::Invoice>(value),
        "inventory_advice" => check::<m::InventoryAdvice>(value),
        "fulfillment_request" => check::<m::FulfillmentRequest>(value),
        "fulfillment_update" => check::<m::FulfillmentUpdate>(value),
        "shipment_status" => check::<m::ShipmentStatus>(value),
        "functional_ack" => check::<m::FunctionalAck>(value),
        "return" => check::<m::Return>(value),
        _ => None,
    }
}

fn is_document_type(name: &str) -> bool {
    const TYPES: [&str; 11] = [
        "sales_order",
        "purchase_order",
        "purchase_order_ack",
        "ship_notice",
        "invoice",
        "inventory_advice",
        "fulfillment_request",
        "fulfillment_update",
        "shipment_status",
        "functional_ack",
        "return",
    ];
    TYPES.contains(&name)
}

/// Where the text of a TOML string value starts, past its opening quotes (and the newline
/// a multi-line string may begin with). Escapes in basic strings may shift columns a little.
fn value_start(text: &str, span_start: usize) -> usize {
    let rest = &text[span_start..];
    let quotes = if rest.starts_with("'''") || rest.starts_with("\"\"\"") { 3 } else { 1 };
    let after = span_start + quotes;
    match &text[after..] {
        s if quotes == 3 && s.starts_with("\r\n") => after + 2,
        s if quotes == 3 && s.starts_with('\n') => after + 1,
        _ => after,
    }
}
