//! Partner input to a generic document tree (JSON values) that expressions walk.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The input formats a mapping can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A JSON document.
    Json,
    /// A canonical document (JSON); an outbound mapping's input.
    Canonical,
    /// CSV with a header row: an array of objects keyed by the header.
    Csv,
    /// XML: elements as objects, attributes as `@name`, text as `#text` (or the element's
    /// value when it has nothing else), repeated names as arrays.
    Xml,
    /// X12: one item per transaction set, `{set_id, control_number, sender, receiver,
    /// segments: [["N1", "ST", "Store 12", "92", "0012"], ...]}` (element n at index n),
    /// with the built-in mapper's canonical result as `$base`.
    X12,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct InputError {
    /// `line 3`, `byte 120`, `segment 7`.
    pub position: String,
    pub message: String,
}

/// Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into one object
/// per row, keyed by the header row. Empty lines are skipped.
pub fn csv_rows(text: &str, delimiter: char) -> Result<Value, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = parse_csv(text, delimiter)?.into_iter();
    let Some((_, header)) = records.next() else { return Ok(Value::Array(Vec::new())) };
    let mut rows = Vec::new();
    for (line, record) in records {
        if record.len() != header.len() {
            return Err(InputError {
                position: format!("line {line}"),
                message: format!("{} fields where the header has {}", record.len(), header.len()),
            });
        }
        let row: Map<String, Value> = header.iter().cloned().zip(record.into_iter().map(Value::String)).collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows))
}

/// Records with the line they start on.
fn parse_csv(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>, InputError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut start_line) = (1, 1);
    let mut quoted_field = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if field.is_empty() && !quoted_field => {
                quoted_field = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            line += usize::from(c == '\n');
                            field.push(c);
                        }
                        None => {
                            return Err(InputError {
                                position: format!("line {start_line}"),
                                message: "unterminated quoted field".into(),
                            })
                        }
                    }
                }
            }
            c if c == delimiter => {
                record.push(std::mem::take(&mut field));
                quoted_field = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                quoted_field = false;
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push((start_line, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start_line = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() || quoted_field {
        record.push(field);
        records.push((start_line, record));
    }
    Ok(records)
}

/// One X12 transaction set: its tree and the built-in mapper's canonical envelope.
pub struct X12Set {
    pub tree: Value,
    /// The canonical document the built-in mapper made, if it made one.
    pub base: Option<Value>,
    pub errors: Vec<String>,
}

/// Reads every transaction set of an X12 input.
pub fn x12_sets(bytes: &[u8]) -> Result<Vec<X12Set>, InputError> {
    use crossdock_x12::{map_transaction, Event, X12Reader};
    let mut sets = Vec::new();
    let mut reader = X12Reader::new(bytes);
    while let Some(event) = reader.next() {
        let event = event.map_err(|e| InputError { position: "X12 input".into(), message: e.to_string() })?;
        let Event::Transaction(tx) = event else { continue };
        let segments: Vec<Value> =
            tx.segments().map(|s| Value::Array(s.elements().map(|e| Value::String(e.to_string())).collect())).collect();
        let tree = serde_json::json!({
            "set_id": tx.set_id,
            "control_number": tx.control_number,
            "sender": tx.interchange.isa.sender_id(),
            "receiver": tx.interchange.isa.receiver_id(),
            "segments": segments,
        });
        let mapped = map_transaction(&tx);
        let mut errors: Vec<String> = mapped.set_issues.iter().map(|i| i.to_string()).collect();
        errors.extend(mapped.segment_issues.iter().map(|i| i.to_string()));
        let base = mapped.document.map(|doc| serde_json::to_value(doc).expect("documents serialize"));
        sets.push(X12Set { tree, base, errors });
    }
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_quotes_doubled_quotes_line_breaks_and_crlf() {
        let text = "\u{feff}a;b\r\n\"x;1\";\"say \"\"hi\"\"\"\r\n\r\n2;\"two\nlines\"\n3;";
        assert_eq!(
            csv_rows(text, ';').unwrap(),
            json!([{"a": "x;1", "b": "say \"hi\""}, {"a": "2", "b": "two\nlines"}, {"a": "3", "b": ""}])
        );
    }

    #[test]
    fn csv_errors_name_the_line() {
        assert_eq!(
            csv_rows("a,b\n1,2\n\n3\n", ',').unwrap_err().to_string(),
            "line 4: 1 fields where the header has 2"
        );
        assert_eq!(csv_rows("a\n\"open\n", ',').unwrap_err().to_string(), "line 2: unterminated quoted field");
    }
}
