//! Node's options objects from Python: a dict (Node's keys or PEP 8 ones)
//! and keyword arguments, merged into one dict with Node's keys; and Node's
//! `normalizeArgs` for the positional forms of `listen()` and `connect()`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping, PyString, PyTuple};

use super::arg::to_value;
use crate::validate::string_to_number;
use crate::Value;

/// PEP 8 option names and Node's. Names that are the same in both are
/// not listed.
const NODE_NAMES: &[(&str, &str)] = &[
    ("allow_half_open", "allowHalfOpen"),
    ("pause_on_connect", "pauseOnConnect"),
    ("no_delay", "noDelay"),
    ("keep_alive", "keepAlive"),
    ("keep_alive_initial_delay", "keepAliveInitialDelay"),
    ("high_water_mark", "highWaterMark"),
    ("readable_high_water_mark", "readableHighWaterMark"),
    ("writable_high_water_mark", "writableHighWaterMark"),
    ("block_list", "blockList"),
    ("ipv6_only", "ipv6Only"),
    ("reuse_port", "reusePort"),
    ("readable_all", "readableAll"),
    ("writable_all", "writableAll"),
    ("local_address", "localAddress"),
    ("local_port", "localPort"),
    ("auto_select_family", "autoSelectFamily"),
    (
        "auto_select_family_attempt_timeout",
        "autoSelectFamilyAttemptTimeout",
    ),
    ("object_mode", "objectMode"),
    ("readable_object_mode", "readableObjectMode"),
    ("writable_object_mode", "writableObjectMode"),
    ("type_of_service", "typeOfService"),
];

/// Keyword names that carry the trailing callback rather than an option.
const CALLBACK_NAMES: &[&str] = &[
    "callback",
    "listener",
    "connection_listener",
    "connectionListener",
];

fn node_name(key: &str) -> &str {
    NODE_NAMES
        .iter()
        .find(|(snake, _)| *snake == key)
        .map_or(key, |(_, node)| node)
}

/// A merged options object with Node's keys.
pub struct Options<'py> {
    pub dict: Bound<'py, PyDict>,
}

impl<'py> Options<'py> {
    pub fn empty(py: Python<'py>) -> Self {
        Options {
            dict: PyDict::new(py),
        }
    }

    /// Adds every entry of a mapping, translating PEP 8 keys.
    pub fn merge(&self, source: &Bound<'py, PyAny>) -> PyResult<()> {
        let map = source.cast::<PyMapping>()?;
        for item in map.items()?.iter() {
            let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
            match k.cast::<PyString>() {
                Ok(s) => {
                    let key = s.to_string_lossy();
                    self.dict.set_item(node_name(&key), v)?;
                }
                Err(_) => self.dict.set_item(k, v)?,
            }
        }
        Ok(())
    }

    /// The option as given (`None` when absent).
    pub fn get(&self, key: &str) -> Option<Bound<'py, PyAny>> {
        self.dict.get_item(key).ok().flatten()
    }

    /// The option as a [`Value`] (`Undefined` when absent).
    pub fn value(&self, key: &str) -> Value {
        self.get(key).map_or(Value::Undefined, |v| to_value(&v))
    }

    pub fn has(&self, key: &str) -> bool {
        self.dict.contains(key).unwrap_or(false)
    }

    pub fn set(&self, key: &str, value: impl IntoPyObject<'py>) -> PyResult<()> {
        self.dict.set_item(key, value)
    }
}

/// A keyword callback, and the keyword arguments left.
type CallbackAndOptions<'py> = (Option<Bound<'py, PyAny>>, Option<Bound<'py, PyDict>>);

/// Splits a trailing callback out of keyword arguments; what is left are
/// options.
pub fn take_callback<'py>(
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<CallbackAndOptions<'py>> {
    let Some(kw) = kwargs else {
        return Ok((None, None));
    };
    let kw = kw.copy()?;
    let mut callback = None;
    for name in CALLBACK_NAMES {
        if let Some(cb) = kw.get_item(name)? {
            kw.del_item(name)?;
            if !cb.is_none() {
                callback = Some(cb);
            }
        }
    }
    Ok((callback, Some(kw)))
}

/// Whether a value is an options object (a mapping; JS `typeof 'object'`
/// and not null).
pub fn is_options_object(v: &Bound<'_, PyAny>) -> bool {
    !v.is_none() && !v.is_instance_of::<PyString>() && v.cast::<PyMapping>().is_ok()
}

/// Node's `toNumber` in `listen()`: a number >= 0, else "false" (`None`).
pub fn to_number(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Str(s) => string_to_number(s),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Null => 0.0,
        other => other.as_number().unwrap_or(f64::NAN),
    };
    (n >= 0.0).then_some(n)
}

/// A pipe name: a string that is not a non-negative number.
fn is_pipe_name(v: &Value) -> bool {
    matches!(v, Value::Str(_)) && to_number(v).is_none()
}

/// Node's `normalizeArgs` for `(options[, cb])`, `(path[, cb])` and
/// `([port][, host][...][, cb])`, with keyword options merged over and a
/// keyword callback taking the place of a trailing one.
pub fn normalize_args<'py>(
    py: Python<'py>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Options<'py>, Option<Bound<'py, PyAny>>)> {
    let (kw_callback, kw) = take_callback(kwargs)?;
    let options = Options::empty(py);
    let mut callback = None;
    if let Some(arg0) = args.iter().next() {
        if is_options_object(&arg0) {
            options.merge(&arg0)?;
        } else if is_pipe_name(&to_value(&arg0)) {
            options.set("path", &arg0)?;
        } else {
            options.set("port", &arg0)?;
            if let Some(host) = args.iter().nth(1) {
                if host.is_instance_of::<PyString>() {
                    options.set("host", host)?;
                }
            }
        }
        let last = args.get_item(args.len() - 1)?;
        if last.is_callable() {
            callback = Some(last);
        }
    }
    if let Some(kw) = kw {
        if !kw.is_empty() {
            options.merge(kw.as_any())?;
        }
    }
    Ok((options, kw_callback.or(callback)))
}
