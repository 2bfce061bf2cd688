//! How DS01's Python tools print YAML values: `str()`, `repr()`,
//! truthiness and `json.dumps` with its default separators, applied to
//! `serde_yaml::Value`.  The outputs of `get_resource_limits` are consumed
//! by shell scripts, so `0.5`, `24`, `None`, `True` and `{"a": 1}` must come
//! out exactly as Python wrote them.

use serde_yaml::Value;

/// Python's `str(v)` for a value loaded from YAML.
pub fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr(v)`.
pub fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => number(n),
        Value::String(s) => repr_str(s),
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Mapping(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", repr(k), repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Tagged(t) => repr(&t.value),
    }
}

/// Python's truthiness (`if value:`).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i != 0
            } else if let Some(u) = n.as_u64() {
                u != 0
            } else {
                n.as_f64().is_none_or(|f| f != 0.0)
            }
        }
        Value::String(s) => !s.is_empty(),
        Value::Sequence(s) => !s.is_empty(),
        Value::Mapping(m) => !m.is_empty(),
        Value::Tagged(t) => truthy(&t.value),
    }
}

fn number(n: &serde_yaml::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        float_repr(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// fixed notation for decimal exponents -4..16, scientific otherwise.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.2345e3", "5e-1".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

/// Python's `format(f, "g")`: 6 significant digits, trailing zeros
/// dropped, scientific notation for exponents below -4 or from 6 up.
pub fn format_g(f: f64) -> String {
    if !f.is_finite() {
        return float_repr(f);
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.5e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{f:.decimals$}"))
    } else {
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{}e{esign}{:02}", trim(mantissa.to_string()), exp.abs())
    }
}

/// `str(int(f))` for a float with an integral value (no exponent, no `-0`).
pub fn int_of_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    format!("{f:.0}")
}

/// Python's `repr(str)`: single quotes unless the text has one and no
/// double quote; escapes for the quote, backslashes and what is not
/// printable.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c => {
                let cp = c as u32;
                if cp < 0x100 {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp < 0x10000 {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable` (control, format,
/// separator and private-use characters are not printable; space is).
fn printable(c: char) -> bool {
    let cp = c as u32;
    !matches!(cp,
        0x00..=0x1f | 0x7f..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f
        | 0x1680 | 0x180e | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x206f
        | 0x3000 | 0xd800..=0xf8ff | 0xfeff | 0xfff9..=0xfffb
        | 0xe0001..=0xe007f | 0xf0000..=0x10ffff)
}

/// Python's `json.dumps(v)` with its defaults: `", "` and `": "` as
/// separators, ASCII-only output, `NaN`/`Infinity` for those floats.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

/// `json.dumps` of a dict built in code: `(key, value)` pairs in order.
pub fn json_object(pairs: &[(&str, Value)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", json_str(k), json(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) if f.is_nan() => out.push_str("NaN"),
            (_, _, Some(f)) if f.is_infinite() => {
                out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            (_, _, f) => out.push_str(&float_repr(f.unwrap_or(f64::NAN))),
        },
        Value::String(s) => out.push_str(&json_str(s)),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Mapping(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&json_str(&json_key(k)));
                out.push_str(": ");
                write_json(v, out);
            }
            out.push('}');
        }
        Value::Tagged(t) => write_json(&t.value, out),
    }
}

/// How `json.dumps` turns a dict key into a string.
fn json_key(k: &Value) -> String {
    match k {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(_) => json(k),
        other => str_of(other),
    }
}

/// A JSON string literal as `json.dumps` writes it (`ensure_ascii=True`).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(text: &str) -> Value {
        serde_yaml::from_str(text).expect("test yaml")
    }

    #[test]
    fn g_format_like_python() {
        for (f, want) in [
            (0.0, "0"),
            (1.0, "1"),
            (2.0, "2"),
            (2.5, "2.5"),
            (3.0 / 7.0, "0.428571"),
            (999.0, "999"),
            (1e6, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
        ] {
            assert_eq!(format_g(f), want, "{f}");
        }
    }

    #[test]
    fn floats_print_like_python() {
        for (f, want) in [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (24.0, "24.0"),
            (0.25, "0.25"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (-0.0, "-0.0"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.286, "2.286"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(f), want, "{f}");
        }
        assert_eq!(int_of_float(3.0), "3");
        assert_eq!(int_of_float(-0.0), "0");
        assert_eq!(int_of_float(1e20), "100000000000000000000");
    }

    #[test]
    fn str_and_repr() {
        assert_eq!(str_of(&y("~")), "None");
        assert_eq!(str_of(&y("true")), "True");
        assert_eq!(str_of(&y("32g")), "32g");
        assert_eq!(str_of(&y("24")), "24");
        assert_eq!(
            str_of(&y("[1, a, 'it''s', null]")),
            "[1, 'a', \"it's\", None]"
        );
        assert_eq!(str_of(&y("{a: 1.0, b: [x]}")), "{'a': 1.0, 'b': ['x']}");
        assert_eq!(repr(&y("\"a\\tb\\u0001é\"")), "'a\\tb\\x01é'");
    }

    #[test]
    fn truthiness() {
        for (t, want) in [
            ("0", false),
            ("0.0", false),
            ("''", false),
            ("[]", false),
            ("{}", false),
            ("~", false),
            ("false", false),
            ("1", true),
            ("x", true),
            (".nan", true),
        ] {
            assert_eq!(truthy(&y(t)), want, "{t}");
        }
    }

    #[test]
    fn json_like_python() {
        assert_eq!(
            json(&y(
                "{cpu_quota: '9600%', tasks_max: 12288, gpu_limit: 2.0, x: ~, b: true}"
            )),
            r#"{"cpu_quota": "9600%", "tasks_max": 12288, "gpu_limit": 2.0, "x": null, "b": true}"#
        );
        assert_eq!(
            json(&y("{1: [a, .inf], 2.5: {}}")),
            r#"{"1": ["a", Infinity], "2.5": {}}"#
        );
        assert_eq!(
            json_str("é\"\u{1f600}\u{7f}"),
            r#""\u00e9\"\ud83d\ude00\u007f""#
        );
        assert_eq!(
            json_object(&[("a", Value::Null), ("b", y("0.5"))]),
            r#"{"a": null, "b": 0.5}"#
        );
    }
}
