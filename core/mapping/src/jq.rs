//! The expression language: jq, compiled once by jaq, run many times.

use jaq_core::load::{lex, parse, Arena, File, Loader};
use jaq_core::{data, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;

type Data = data::JustLut<Val>;

/// Helpers every mapping can use, on top of jq's standard library. They are prepended
/// to each expression, so they see the mapping's global variables.
pub(crate) const HELPERS: &str = r#"
def lookup($table): tostring as $k | $lookups[$table] as $t
  | if $t == null then error("no lookup table \($table)")
    elif $t | has($k) then $t[$k] else error("\($k | tojson) is not in lookup \($table)") end;
def lookup($table; $default): tostring as $k | $lookups[$table][$k] // $default;
def list: if . == null then [] elif type == "array" then . else [.] end;
def blank_null: if type == "string" and (trim == "") then null else . end;
def date($fmt): strptime($fmt) | strftime("%Y-%m-%d");
def datetime($fmt; $offset): strptime($fmt) | strftime("%Y-%m-%dT%H:%M:%S") + $offset;
def decimal: if type == "string" then trim | tonumber else . end | tostring;
def words: [splits("\\s+") | select(. != "")];
def segments($id): .segments[] | select(.[0] == $id);
"#;

/// The global variables every expression sees, in this order.
pub(crate) const GLOBALS: [&str; 3] = ["$lookups", "$base", "$input"];

/// A compiled expression.
pub(crate) struct Expr {
    filter: jaq_core::Filter<Data>,
}

/// A compile problem at a byte offset of the compiled text.
pub(crate) struct CompileError {
    pub offset: usize,
    pub message: String,
}

impl Expr {
    /// Compiles `code` (helpers and the mapping's `defs` are already prepended by the caller).
    pub fn compile(code: &str) -> Result<Expr, Vec<CompileError>> {
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
        let arena = Arena::default();
        let at = |part: &str| jaq_core::load::span(code, part).start;
        let modules = Loader::new(defs).load(&arena, File { code, path: () }).map_err(|errors| {
            errors
                .into_iter()
                .flat_map(|(_, error)| match error {
                    jaq_core::load::Error::Io(io) => {
                        io.into_iter().map(|(_, m)| CompileError { offset: 0, message: m }).collect::<Vec<_>>()
                    }
                    jaq_core::load::Error::Lex(lex) => lex
                        .into_iter()
                        .map(|(expect, part): lex::Error<&str>| CompileError {
                            offset: at(part),
                            message: format!("expected {}", expect.as_str()),
                        })
                        .collect(),
                    jaq_core::load::Error::Parse(parse) => parse
                        .into_iter()
                        .map(|(expect, part): parse::Error<&str>| CompileError {
                            offset: at(part),
                            message: match part.is_empty() {
                                true => format!("expected {} at the end", expect.as_str()),
                                false => format!("expected {}, found {part:?}", expect.as_str()),
                            },
                        })
                        .collect(),
                })
                .collect::<Vec<_>>()
        })?;
        let filter =
            Compiler::default().with_funs(funs).with_global_vars(GLOBALS).compile(modules).map_err(|errors| {
                errors
                    .into_iter()
                    .flat_map(|(_, errors)| errors)
                    .map(|(name, undefined)| CompileError {
                        offset: at(name),
                        message: format!("undefined {} {name}", undefined.as_str()),
                    })
                    .collect::<Vec<_>>()
            })?;
        Ok(Expr { filter })
    }

    /// Every output of the expression on `input`.
    pub fn run(&self, input: &Val, globals: &[Val; 3]) -> Result<Vec<Val>, String> {
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new(globals.iter().cloned()));
        self.filter
            .id
            .run((ctx, input.clone()))
            .map(|v| {
                v.map_err(|e| match e.get_err() {
                    Ok(error) => error.to_string(),
                    Err(_) => "halt is not allowed in a mapping".to_string(),
                })
            })
            .collect()
    }
}

pub(crate) fn to_val(value: &Value) -> Val {
    let bytes = serde_json::to_vec(value).expect("JSON values serialize");
    jaq_json::read::parse_single(&bytes).expect("serde_json writes valid JSON")
}

pub(crate) fn from_val(val: &Val) -> Result<Value, String> {
    let text = val.to_string();
    serde_json::from_str(&text).map_err(|e| format!("the result is not JSON ({e}): {text}"))
}
