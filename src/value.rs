//! A caller's argument as Node's validators see it.
//!
//! Node validates loosely typed JavaScript values; tokionet's callers pass
//! Python (or Rust) values. [`Value`] is the common ground: the binding layer
//! turns whatever it received into one, and the validators in
//! [`crate::validate`] apply Node's rules to it. It also knows how Node's error
//! messages print a received value, in the caller's own vocabulary (`type int
//! (5)`, `type str ('x')`, `None`).
//!
//! Nothing here touches Python: the PyO3 layer fills in the type names and
//! reprs when it builds a `Value`.

use std::fmt::Write as _;

/// One argument, or the absence of one.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// The argument was left out (JavaScript `undefined`).
    #[default]
    Undefined,
    /// An explicit null (Python `None`).
    Null,
    Bool(bool),
    /// An integer. Integers outside `i128` are carried as [`Value::Float`].
    Int(i128),
    Float(f64),
    Str(String),
    /// Anything else: a callable, a mapping, an object of some class.
    Other {
        /// The class name (`dict`, `list`, `BlockList`, ...).
        type_name: String,
        /// The callable's name when it is one (`function <name>` in messages).
        function: Option<String>,
        /// How the value prints (Python's `repr`).
        repr: String,
    },
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    /// JavaScript truthiness: `undefined`, `null`, `false`, `0`, `NaN` and
    /// `''` are false; everything else (empty containers too) is true.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0 && !f.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Other { .. } => true,
        }
    }

    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }

    /// The value as a JavaScript number, for values that are numbers.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Node's `determineSpecificType`, with the caller's type names: what
    /// `ERR_INVALID_ARG_TYPE` and `ERR_SOCKET_BAD_PORT` print after "Received".
    pub fn describe(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "None".into(),
            Value::Bool(b) => format!("type bool ({})", if *b { "True" } else { "False" }),
            Value::Int(i) => format!("type int ({i})"),
            Value::Float(f) => format!("type float ({})", float_repr(*f)),
            Value::Str(s) => {
                // Node shortens long strings to 25 UTF-16 units and quotes with
                // JSON when the text holds a single quote.
                let shown: String = if s.encode_utf16().count() > 28 {
                    let mut out = truncate_utf16(s, 25);
                    out.push_str("...");
                    out
                } else {
                    s.clone()
                };
                if shown.contains('\'') {
                    format!("type str ({})", json_quote(&shown))
                } else {
                    format!("type str ('{shown}')")
                }
            }
            Value::Other {
                function: Some(name),
                ..
            } => format!("function {name}"),
            Value::Other { type_name, .. } => format!("an instance of {type_name}"),
        }
    }

    /// Node's `util.inspect`, as `ERR_INVALID_ARG_VALUE` prints it: the
    /// caller's repr, cut at 128 characters.
    pub fn inspect(&self) -> String {
        let full = match self {
            Value::Undefined => "undefined".to_string(),
            Value::Null => "None".to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => py_str_repr(s),
            Value::Other { repr, .. } => repr.clone(),
        };
        if full.chars().count() > 128 {
            let mut cut: String = full.chars().take(128).collect();
            cut.push_str("...");
            cut
        } else {
            full
        }
    }

    /// What `ERR_OUT_OF_RANGE` prints: integers beyond 2**32 get `_`
    /// separators, as Node's `addNumericalSeparator` does.
    pub fn range_repr(&self) -> String {
        match self {
            Value::Int(i) if i.unsigned_abs() > 1u128 << 32 => {
                add_numerical_separator(&i.to_string())
            }
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() && f.abs() > 4_294_967_296.0 => {
                add_numerical_separator(&format!("{f:.0}"))
            }
            other => other.inspect(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i128::from(i))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// Python's `repr` of a float (`1.5`, `1e+21`, `nan`, `inf`).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        let abs = f.abs();
        if (1e-4..1e16).contains(&abs) {
            format!("{f}")
        } else {
            // Python switches to exponent form outside [1e-4, 1e16).
            let s = format!("{f:e}");
            let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let exp: i32 = exp.parse().unwrap_or(0);
            format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
        }
    }
}

/// Python's `repr` of a str (quotes chosen as Python chooses them).
pub fn py_str_repr(s: &str) -> String {
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
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn json_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The longest prefix of `s` that fits in `units` UTF-16 code units.
fn truncate_utf16(s: &str, units: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        used += c.len_utf16();
        if used > units {
            break;
        }
        out.push(c);
    }
    out
}

/// Node's `addNumericalSeparator`: `4294967296` -> `4_294_967_296`.
fn add_numerical_separator(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    let mut groups = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    format!("{sign}{}", groups.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_values_like_determine_specific_type() {
        assert_eq!(Value::Int(65536).describe(), "type int (65536)");
        assert_eq!(Value::str("x").describe(), "type str ('x')");
        assert_eq!(Value::str("it's").describe(), "type str (\"it's\")");
        assert_eq!(Value::Null.describe(), "None");
        assert_eq!(Value::Undefined.describe(), "undefined");
        assert_eq!(Value::Float(1.5).describe(), "type float (1.5)");
        assert_eq!(
            Value::str("abcdefghijklmnopqrstuvwxyz0123").describe(),
            "type str ('abcdefghijklmnopqrstuvwxy...')"
        );
    }

    #[test]
    fn out_of_range_values_get_separators_beyond_2_pow_32() {
        assert_eq!(Value::Int(4_294_967_296).range_repr(), "4294967296");
        assert_eq!(Value::Int(4_294_967_297).range_repr(), "4_294_967_297");
        assert_eq!(Value::Int(-12_345_678_901).range_repr(), "-12_345_678_901");
        assert_eq!(Value::Int(-1).range_repr(), "-1");
        assert_eq!(Value::Float(1.5).range_repr(), "1.5");
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(1e21), "1e+21");
        assert_eq!(float_repr(0.5), "0.5");
        assert_eq!(float_repr(f64::NAN), "nan");
        assert_eq!(float_repr(-f64::INFINITY), "-inf");
    }
}
