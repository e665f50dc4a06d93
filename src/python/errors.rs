//! The one place where a core [`Error`] becomes a Python exception.
//!
//! The exception classes are defined in `tokionet/_errors.py`, where Python's
//! multiple inheritance is at hand (`NodeTypeError` is both a `NodeError` and a
//! `TypeError`; a system error is both a `NodeError` and the `OSError` subclass
//! Python names for its errno).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::{Error, ErrorClass};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ERRORS_MODULE
        .get_or_try_init(py, || py.import("tokionet._errors").map(Bound::unbind))
        .map(|m| m.bind(py))
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = errors_module(py)?;
    let message = e.to_string();
    let exc = match (e.class(), e) {
        (ErrorClass::System, Error::System(s)) => module.getattr("_system_error")?.call1((
            s.errno,
            s.code(),
            message,
            s.syscall.as_str(),
            s.address.as_deref(),
            s.port,
            s.local_address.as_deref(),
            s.local_port,
        ))?,
        (class, _) => {
            let cls = match class {
                ErrorClass::TypeError => "NodeTypeError",
                ErrorClass::RangeError => "NodeRangeError",
                ErrorClass::AbortError => "AbortError",
                ErrorClass::Error | ErrorClass::System => "NodeError",
            };
            let exc = module.getattr(cls)?.call1((message, e.code()))?;
            if let Error::InvalidAddressFamily { host, port, .. } = e {
                exc.setattr("host", host)?;
                exc.setattr("port", port)?;
            }
            exc
        }
    };
    Ok(PyErr::from_value(exc))
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::attach(|py| build(py, &e).unwrap_or_else(|err| err))
    }
}
