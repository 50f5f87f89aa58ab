//! Original bytes in JSON: as a string when they are UTF-8 (readable, editable by hand in
//! a quarantine file), else as an array of numbers. Either way they come back exactly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Binary(Vec<u8>),
}

pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => s.serialize_str(text),
        Err(_) => bytes.serialize(s),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    Ok(match Repr::deserialize(d)? {
        Repr::Text(text) => text.into_bytes(),
        Repr::Binary(bytes) => bytes,
    })
}

pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => super::serialize(bytes, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Ok(Option::<super::Repr>::deserialize(d)?.map(|r| match r {
            super::Repr::Text(text) => text.into_bytes(),
            super::Repr::Binary(bytes) => bytes,
        }))
    }
}
