//! `BlockList` for Python. The rule set sits behind an `Arc<RwLock>` so that
//! the I/O side can check peers on its own threads without the GIL.

use std::sync::{Arc, PoisonError, RwLock};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple};

use super::address::PySocketAddress;
use super::arg::{to_value, Arg};
use crate::blocklist::{BlockList, Target};
use crate::Error;

/// `net.BlockList`.
#[pyclass(module = "tokionet", name = "BlockList", frozen)]
pub struct PyBlockList {
    pub inner: Arc<RwLock<BlockList>>,
}

fn target(arg: &Arg<'_>) -> Target {
    match &arg.0 {
        Some(obj) => match obj.cast::<PySocketAddress>() {
            Ok(sa) => Target::Address(sa.get().inner),
            Err(_) => Target::Value(to_value(obj)),
        },
        None => Target::Value(crate::Value::Undefined),
    }
}

impl PyBlockList {
    /// Whether `ip` is blocked (for sockets and servers).
    pub fn check_ip(&self, ip: std::net::IpAddr) -> bool {
        self.read(|bl| bl.check_ip(ip))
    }

    fn write<R>(&self, f: impl FnOnce(&mut BlockList) -> R) -> R {
        f(&mut self.inner.write().unwrap_or_else(PoisonError::into_inner))
    }

    fn read<R>(&self, f: impl FnOnce(&BlockList) -> R) -> R {
        f(&self.inner.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The strings of a list or tuple, or `None` if it holds anything else.
fn strings(obj: &Bound<'_, PyAny>) -> Option<Vec<String>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect()
    } else {
        obj.cast::<PyTuple>().ok()?.iter().collect()
    };
    items
        .iter()
        .map(|i| {
            i.cast::<PyString>()
                .ok()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect()
}

#[pymethods]
impl PyBlockList {
    #[new]
    fn new() -> Self {
        PyBlockList {
            inner: Arc::new(RwLock::new(BlockList::new())),
        }
    }

    #[pyo3(signature = (address = Arg::undefined(), r#type = Arg::undefined()))]
    fn add_address(&self, address: Arg<'_>, r#type: Arg<'_>) -> PyResult<()> {
        let (t, f) = (target(&address), r#type.value());
        Ok(self.write(|bl| bl.add_address(&t, &f))?)
    }

    #[pyo3(signature = (start = Arg::undefined(), end = Arg::undefined(), r#type = Arg::undefined()))]
    fn add_range(&self, start: Arg<'_>, end: Arg<'_>, r#type: Arg<'_>) -> PyResult<()> {
        let (s, e, f) = (target(&start), target(&end), r#type.value());
        Ok(self.write(|bl| bl.add_range(&s, &e, &f))?)
    }

    #[pyo3(signature = (net = Arg::undefined(), prefix = Arg::undefined(), r#type = Arg::undefined()))]
    fn add_subnet(&self, net: Arg<'_>, prefix: Arg<'_>, r#type: Arg<'_>) -> PyResult<()> {
        let (n, p, f) = (target(&net), prefix.value(), r#type.value());
        Ok(self.write(|bl| bl.add_subnet(&n, &p, &f))?)
    }

    #[pyo3(signature = (address = Arg::undefined(), r#type = Arg::undefined()))]
    fn check(&self, address: Arg<'_>, r#type: Arg<'_>) -> PyResult<bool> {
        let (t, f) = (target(&address), r#type.value());
        Ok(self.read(|bl| bl.check(&t, &f))?)
    }

    /// The rules as Node prints them, newest first.
    #[getter]
    fn rules(&self) -> Vec<String> {
        self.read(BlockList::rules)
    }

    fn to_json(&self) -> Vec<String> {
        self.rules()
    }

    /// `blockList.fromJSON(data)`: a list of rule strings, or JSON text of one.
    #[pyo3(signature = (data = Arg::undefined()))]
    #[allow(clippy::wrong_self_convention)] // Node's name: it adds to this list.
    fn from_json(&self, py: Python<'_>, data: Arg<'_>) -> PyResult<()> {
        let bad = |v: &Bound<'_, PyAny>| -> PyErr {
            Error::invalid_arg_type("data", "of type string or string[]", &to_value(v)).into()
        };
        let items = match &data.0 {
            None => {
                return Err(Error::invalid_arg_type(
                    "data",
                    "of type string or string[]",
                    &crate::Value::Undefined,
                )
                .into())
            }
            Some(obj) if obj.is_instance_of::<PyString>() => {
                let json = py.import("json")?;
                let parsed = match json.call_method1("loads", (obj,)) {
                    Ok(parsed) => parsed,
                    // Past Python's int digit limit a JSON integer is a bare
                    // ValueError; JavaScript reads it as a double (a number,
                    // so no string[]): read integers as floats then.
                    Err(e)
                        if e.is_instance_of::<PyValueError>(py)
                            && !e.is_instance(py, &json.getattr("JSONDecodeError")?) =>
                    {
                        let kwargs = PyDict::new(py);
                        kwargs.set_item("parse_int", py.get_type::<PyFloat>())?;
                        json.call_method("loads", (obj,), Some(&kwargs))?
                    }
                    Err(e) => return Err(e),
                };
                strings(&parsed).ok_or_else(|| bad(&parsed))?
            }
            Some(obj) => strings(obj).ok_or_else(|| bad(obj))?,
        };
        Ok(self.write(|bl| bl.from_json(&items))?)
    }

    #[staticmethod]
    #[pyo3(signature = (value = Arg::undefined()))]
    fn is_block_list(value: Arg<'_>) -> bool {
        value.0.is_some_and(|v| v.is_instance_of::<PyBlockList>())
    }

    fn __repr__(&self) -> String {
        let rules: Vec<String> = self
            .rules()
            .iter()
            .map(|r| crate::value::py_str_repr(r))
            .collect();
        format!("BlockList {{ rules: [{}] }}", rules.join(", "))
    }
}
