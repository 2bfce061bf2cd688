//! JSON text as Python's `json` module writes it with an indent (the
//! originals reformatted their files with `python3 -m json.tool`, and
//! devcontainer-check's fix rewrote one with `json.dump(indent=2)`):
//! `": "` after keys, one item a line, everything outside printable ASCII
//! escaped as `\uXXXX` (`ensure_ascii`), floats as Python's `repr`.

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::{self, Write};

/// `value` as `json.dumps(value, indent=len(indent))` writes it (no final
/// newline).
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T, indent: &str) -> String {
    let mut out = Vec::new();
    let formatter = PyFormatter {
        pretty: PrettyFormatter::with_indent(indent.as_bytes()),
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing to memory fails only for values JSON cannot hold (a map
    // with non-string keys), which the callers' types never have.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct PyFormatter<'a> {
    pretty: PrettyFormatter<'a>,
}

impl Formatter for PyFormatter<'_> {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(json_float(value).as_bytes())
    }

    /// serde_json escapes quotes, backslashes and control characters
    /// itself; Python's `ensure_ascii` also escapes DEL and everything
    /// beyond ASCII (as UTF-16 units, lower-case hex).
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if (c as u32) < 0x7f {
                w.write_all(c.encode_utf8(&mut [0u8; 4]).as_bytes())?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// A float as `json.dumps` writes it: Python's `repr`, and its own words
/// for what JSON cannot spell.
fn json_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        crate::policy::pyfmt::float_repr(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_ascii_escapes() {
        let value = serde_json::json!({"a": ["x", "café 😀"], "b": {}, "c": []});
        assert_eq!(
            to_string(&value, "  "),
            "{\n  \"a\": [\n    \"x\",\n    \"caf\\u00e9 \\ud83d\\ude00\"\n  ],\n  \"b\": {},\n  \"c\": []\n}"
        );
        assert_eq!(to_string("a\u{7f}\"\n", "  "), "\"a\\u007f\\\"\\n\"");
    }

    #[test]
    fn floats_as_python_writes_them() {
        for (value, text) in [
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(json_float(value), text);
        }
    }
}
