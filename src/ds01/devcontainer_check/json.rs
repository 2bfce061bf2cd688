//! A JSON document as Python's `json.load` holds it: objects keep their
//! keys in the order of the file (a repeated key keeps its first place
//! and its last value), so that the file can be written back unchanged
//! but for what the fix adds; and values printed as Python's `str()`
//! prints them (the original read every field through `print(value)`).

use crate::policy::pyfmt::{float_repr, repr_str};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// `data.get(key)` of an object (nothing for other values).
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `data[key] = value` of an object; false for other values.
    pub(crate) fn set(&mut self, key: &str, value: Json) -> bool {
        let Json::Obj(entries) = self else {
            return false;
        };
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key.to_string(), value)),
        }
        true
    }

    /// What Python's `for x in value` goes over: items of a list, keys of
    /// an object, characters of a string; `None` where Python raised.
    pub(crate) fn iter_items(&self) -> Option<Vec<String>> {
        match self {
            Json::Arr(items) => Some(items.iter().map(Json::py_str).collect()),
            Json::Obj(entries) => Some(entries.iter().map(|(k, _)| k.clone()).collect()),
            Json::Str(s) => Some(s.chars().map(String::from).collect()),
            _ => None,
        }
    }

    /// Python's `str(value)`.
    pub(crate) fn py_str(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    /// Python's `repr(value)`.
    fn py_repr(&self) -> String {
        match self {
            Json::Null => "None".into(),
            Json::Bool(true) => "True".into(),
            Json::Bool(false) => "False".into(),
            Json::Int(n) => n.to_string(),
            Json::Float(f) => float_repr(*f),
            Json::Str(s) => repr_str(s),
            Json::Arr(items) => {
                let inner: Vec<String> = items.iter().map(Json::py_repr).collect();
                format!("[{}]", inner.join(", "))
            }
            Json::Obj(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", repr_str(k), v.py_repr()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Int(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Int(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = Json::Obj(Vec::new());
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            object.set(&key, value);
        }
        Ok(object)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(n) => s.serialize_i128(*n),
            Json::Float(f) => s.serialize_f64(*f),
            Json::Str(text) => s.serialize_str(text),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ds01::devcontainer_init::pyjson;

    fn parse(text: &str) -> Json {
        serde_json::from_str(text).expect("json")
    }

    #[test]
    fn keys_keep_their_order_and_python_wording() {
        let doc = parse(r#"{"z": 1, "a": [true, null, 1.5, "x'y"], "z": 2.0, "o": {"k": "v"}}"#);
        assert_eq!(
            pyjson::to_string(&doc, "  "),
            "{\n  \"z\": 2.0,\n  \"a\": [\n    true,\n    null,\n    1.5,\n    \"x'y\"\n  ],\n  \"o\": {\n    \"k\": \"v\"\n  }\n}"
        );
        assert_eq!(
            doc.get("a").map(Json::py_str).as_deref(),
            Some("[True, None, 1.5, \"x'y\"]")
        );
        assert_eq!(
            doc.get("o").map(Json::py_str).as_deref(),
            Some("{'k': 'v'}")
        );
        assert_eq!(doc.get("z").map(Json::py_str).as_deref(), Some("2.0"));
        assert_eq!(parse("[1]").get("z"), None);
    }

    #[test]
    fn iteration_as_python_does_it() {
        assert_eq!(
            parse(r#"{"a": 1}"#).iter_items(),
            Some(vec!["a".to_string()])
        );
        assert_eq!(
            parse(r#""ab""#).iter_items(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            parse("[1, \"x\"]").iter_items(),
            Some(vec!["1".to_string(), "x".to_string()])
        );
        assert_eq!(parse("3").iter_items(), None);
        assert_eq!(
            pyjson::to_string(&parse("[1, -2, 18446744073709551615]"), ""),
            "[\n1,\n-2,\n18446744073709551615\n]"
        );
        let mut doc = parse("{}");
        assert!(doc.set("k", Json::Str("v".into())));
        assert!(!parse("[]").set("k", Json::Null));
    }
}
