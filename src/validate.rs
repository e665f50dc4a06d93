//! Node's argument validators (`lib/internal/validators.js`) over [`Value`].
//!
//! Each function applies one of Node's rules, in Node's order, and returns the
//! same error code and message Node would. Coercions that JavaScript performs
//! implicitly (`+port`, `port | 0`) are spelled out here once.

use crate::{Error, Value};

/// JavaScript's `ToNumber` for a value (`+value`), for the kinds validators
/// meet. Objects convert to `NaN`.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => string_to_number(s),
        Value::Undefined | Value::Other { .. } => f64::NAN,
    }
}

/// JavaScript's white space and line terminators, as `String.prototype.trim`
/// and `ToNumber` strip them.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// JavaScript's `StringToNumber` (`+"0x10"` is 16, `+" 80 "` is 80, `+""` is
/// 0, `+"80x"` is `NaN`).
pub fn string_to_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    let radix = match t.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &t[2..];
        if digits.is_empty() {
            return f64::NAN;
        }
        let mut n = 0f64;
        for c in digits.chars() {
            match c.to_digit(radix) {
                Some(d) => n = n * f64::from(radix) + f64::from(d),
                None => return f64::NAN,
            }
        }
        return n;
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if !is_decimal_literal(body) {
        return f64::NAN;
    }
    body.parse::<f64>().map_or(f64::NAN, |n| sign * n)
}

/// `StrUnsignedDecimalLiteral`: digits with an optional fraction and
/// exponent, at least one digit in the mantissa.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// JavaScript's `ToInt32` (`x | 0`).
pub fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4_294_967_296.0);
    (m as u64 as u32) as i32
}

/// JavaScript's `ToUint32` (`x >>> 0`).
pub fn to_uint32(n: f64) -> u32 {
    to_int32(n) as u32
}

fn is_integer(n: f64) -> bool {
    n.is_finite() && n.trunc() == n
}

/// `validateString`.
pub fn validate_string<'a>(v: &'a Value, name: &str) -> Result<&'a str, Error> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(Error::invalid_arg_type(name, "of type string", other)),
    }
}

/// `validateBoolean`.
pub fn validate_boolean(v: &Value, name: &str) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(Error::invalid_arg_type(name, "of type boolean", other)),
    }
}

/// `validateNumber` (type only, as Node calls it without bounds).
pub fn validate_number(v: &Value, name: &str) -> Result<f64, Error> {
    v.as_number()
        .ok_or_else(|| Error::invalid_arg_type(name, "of type number", v))
}

/// `validateInt32(value, name, min, max)`.
pub fn validate_int32(v: &Value, name: &str, min: i32, max: i32) -> Result<i32, Error> {
    let n = validate_number(v, name)?;
    if !is_integer(n) {
        return Err(Error::out_of_range(name, "an integer", v));
    }
    if n < f64::from(min) || n > f64::from(max) {
        return Err(Error::out_of_range(
            name,
            format!(">= {min} && <= {max}"),
            v,
        ));
    }
    Ok(n as i32)
}

/// `validateUint32(value, name, positive)`.
pub fn validate_uint32(v: &Value, name: &str, positive: bool) -> Result<u32, Error> {
    let n = validate_number(v, name)?;
    if !is_integer(n) {
        return Err(Error::out_of_range(name, "an integer", v));
    }
    let min = u32::from(positive);
    if n < f64::from(min) || n > f64::from(u32::MAX) {
        return Err(Error::out_of_range(
            name,
            format!(">= {min} && <= {}", u32::MAX),
            v,
        ));
    }
    Ok(n as u32)
}

/// `validatePort(port, name, allowZero = true)`: a number or a numeric
/// string naming an integer in `0..=65535`; returns `port | 0`.
pub fn validate_port(v: &Value, name: &str) -> Result<u16, Error> {
    let bad = || Error::SocketBadPort {
        name: name.to_string(),
        received: v.describe(),
    };
    match v {
        Value::Int(_) | Value::Float(_) => {}
        Value::Str(s) if !js_trim(s).is_empty() => {}
        _ => return Err(bad()),
    }
    let n = to_number(v);
    if n.is_nan() || n != f64::from(to_uint32(n)) || n > 65535.0 {
        return Err(bad());
    }
    Ok(n as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_number_follows_javascript() {
        assert_eq!(string_to_number(" 80 "), 80.0);
        assert_eq!(string_to_number("0x10"), 16.0);
        assert_eq!(string_to_number("0b11"), 3.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("1e3"), 1000.0);
        assert_eq!(string_to_number(".5"), 0.5);
        assert_eq!(string_to_number("5."), 5.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        for nan in ["80x", "inf", "nan", "0x", "-0x10", "1e", "+", "."] {
            assert!(string_to_number(nan).is_nan(), "{nan}");
        }
    }

    #[test]
    fn ports_accept_numeric_strings_and_reject_the_rest() {
        assert_eq!(validate_port(&Value::str(" 80 "), "Port"), Ok(80));
        assert_eq!(validate_port(&Value::Int(65535), "Port"), Ok(65535));
        assert_eq!(validate_port(&Value::Float(80.0), "Port"), Ok(80));
        for bad in [
            Value::Int(-1),
            Value::Int(65536),
            Value::Float(1.5),
            Value::Float(f64::NAN),
            Value::str(""),
            Value::str(" "),
            Value::str("80x"),
            Value::Null,
            Value::Bool(true),
        ] {
            let e = validate_port(&bad, "Port").unwrap_err();
            assert_eq!(e.code(), "ERR_SOCKET_BAD_PORT", "{bad:?}");
        }
        assert_eq!(
            validate_port(&Value::Int(-1), "options.port")
                .unwrap_err()
                .to_string(),
            "options.port should be >= 0 and < 65536. Received type int (-1)."
        );
    }

    #[test]
    fn int32_reports_node_ranges() {
        let e = validate_int32(&Value::Int(33), "prefix", 0, 32).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The value of \"prefix\" is out of range. It must be >= 0 && <= 32. Received 33"
        );
        let e = validate_int32(&Value::Float(1.5), "value", 1, i32::MAX).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The value of \"value\" is out of range. It must be an integer. Received 1.5"
        );
        let e = validate_int32(&Value::str("8"), "prefix", 0, 32).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG_TYPE");
    }

    #[test]
    fn to_int32_wraps() {
        assert_eq!(to_int32(4_294_967_295.0), -1);
        assert_eq!(to_int32(-1.0), -1);
        assert_eq!(to_int32(2_147_483_648.0), i32::MIN);
        assert_eq!(to_int32(f64::NAN), 0);
    }
}
