//! XML to a JSON-like tree: an element is an object of its attributes (`@name`), its child
//! elements by name (an array when a name repeats) and its text (`#text`); an element with
//! nothing but text is that text. The root is `{root_name: ...}`. Because one child is a
//! value and two are an array, expressions use `list` where a name may repeat.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

use crate::input::InputError;

pub fn xml_tree(text: &str) -> Result<Value, InputError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(true);
    config.expand_empty_elements = true;
    // The stack of open elements: name, children and attributes, text.
    let mut stack: Vec<(String, Map<String, Value>, String)> = vec![(String::new(), Map::new(), String::new())];
    let error = |reader: &Reader<&[u8]>, message: String| InputError {
        position: format!("byte {}", reader.buffer_position()),
        message,
    };
    loop {
        match reader.read_event().map_err(|e| error(&reader, e.to_string()))? {
            Event::Start(start) => {
                let attributes = attributes(&start).map_err(|e| error(&reader, e))?;
                stack.push((name(&start), attributes, String::new()));
            }
            Event::Text(text) => {
                let text = text.unescape().map_err(|e| error(&reader, e.to_string()))?;
                stack.last_mut().expect("the root frame").2.push_str(&text);
            }
            Event::CData(data) => {
                stack.last_mut().expect("the root frame").2.push_str(&String::from_utf8_lossy(&data));
            }
            Event::End(_) => {
                let (name, mut object, text) = stack.pop().expect("the reader checks nesting");
                let value = match (object.is_empty(), text.is_empty()) {
                    (true, _) => Value::String(text),
                    (false, true) => Value::Object(object),
                    (false, false) => {
                        object.insert("#text".into(), Value::String(text));
                        Value::Object(object)
                    }
                };
                let parent = &mut stack.last_mut().ok_or_else(|| error(&reader, "unbalanced end tag".into()))?.1;
                match parent.get_mut(&name) {
                    None => {
                        parent.insert(name, value);
                    }
                    Some(Value::Array(items)) => items.push(value),
                    Some(first) => *first = Value::Array(vec![first.take(), value]),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match stack.pop() {
        Some((_, root, _)) if stack.is_empty() && !root.is_empty() => Ok(Value::Object(root)),
        _ => Err(error(&reader, "no root element, or an element is not closed".into())),
    }
}

fn name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn attributes(start: &BytesStart<'_>) -> Result<Map<String, Value>, String> {
    start
        .attributes()
        .map(|a| {
            let a = a.map_err(|e| e.to_string())?;
            let value = a.unescape_value().map_err(|e| e.to_string())?;
            Ok((format!("@{}", String::from_utf8_lossy(a.key.as_ref())), Value::String(value.into_owned())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn elements_attributes_repeats_and_text() {
        let xml = r#"<?xml version="1.0"?>
            <Order id="7"><Note>fragile &amp; heavy</Note>
              <Line no="1"><Sku>A</Sku></Line><Line no="2"><Sku>B</Sku></Line>
              <Empty/><Price currency="EUR">4.80</Price><![CDATA[x<y]]></Order>"#;
        assert_eq!(
            xml_tree(xml).unwrap(),
            json!({"Order": {
                "@id": "7",
                "Note": "fragile & heavy",
                "Line": [{"@no": "1", "Sku": "A"}, {"@no": "2", "Sku": "B"}],
                "Empty": "",
                "Price": {"@currency": "EUR", "#text": "4.80"},
                "#text": "x<y"
            }})
        );
    }

    #[test]
    fn broken_xml_is_an_error_with_a_position() {
        let error = xml_tree("<a><b></a>").unwrap_err();
        assert!(error.position.starts_with("byte "), "{error}");
        assert!(xml_tree("").is_err());
    }
}
