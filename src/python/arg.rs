//! Arguments as Node sees them: left out (`undefined`) or given, and their
//! conversion into the core's [`Value`].

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

use crate::Value;

/// A positional or keyword argument that may be left out. PyO3 fills in
/// [`Arg::undefined()`] for a missing one, so `None` (JS `null`) and "not
/// given" (JS `undefined`) stay apart, as Node's validators need.
#[derive(Debug, Clone)]
pub struct Arg<'py>(pub Option<Bound<'py, PyAny>>);

impl Arg<'_> {
    pub fn undefined() -> Self {
        Arg(None)
    }

    pub fn value(&self) -> Value {
        self.0.as_ref().map_or(Value::Undefined, to_value)
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg(Some(obj.to_owned())))
    }
}

/// A Python object as a [`Value`]: its kind, and how messages print it.
pub fn to_value(obj: &Bound<'_, PyAny>) -> Value {
    if obj.is_none() {
        Value::Null
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Value::Bool(b.is_true())
    } else if let Ok(s) = obj.cast::<PyString>() {
        // Lone surrogates become U+FFFD, as a JS string does on its way
        // into C++ or a URL: none of them is part of an address.
        Value::Str(s.to_string_lossy().into_owned())
    } else if obj.is_instance_of::<PyInt>() {
        match obj.extract::<i128>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(obj.extract::<f64>().unwrap_or(f64::INFINITY)),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        Value::Float(f.value())
    } else {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "object".to_string(), |n| n.to_string());
        let function = (obj.is_callable() && !obj.is_instance_of::<PyType>())
            .then(|| obj.getattr("__name__").ok()?.extract::<String>().ok())
            .flatten();
        let repr = obj.repr().map_or_else(
            |_| format!("<{type_name} object>"),
            |r| r.to_string_lossy().into_owned(),
        );
        Value::Other {
            type_name,
            function,
            repr,
        }
    }
}
