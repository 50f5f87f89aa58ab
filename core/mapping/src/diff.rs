//! Differences between two JSON values, by JSON path.

use serde_json::Value;

/// Every place where `actual` differs from `expected`, as `$.path: expected X, got Y`.
pub fn diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("$", expected, actual, &mut out);
    out
}

fn walk(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                match a.get(key) {
                    Some(av) => walk(&format!("{path}.{key}"), ev, av, out),
                    None => out.push(format!("{path}.{key}: missing (expected {ev})")),
                }
            }
            for (key, av) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(format!("{path}.{key}: unexpected {av}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                walk(&format!("{path}[{i}]"), ev, av, out);
            }
            if e.len() != a.len() {
                out.push(format!("{path}: expected {} element(s), got {}", e.len(), a.len()));
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}
