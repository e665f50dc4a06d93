//! `SocketAddress` and the `isIP` functions for Python.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};

use super::arg::{to_value, Arg};
use crate::address::{self, SocketAddressOptions};
use crate::validate::validate_string;
use crate::{Error, Value};

/// `net.SocketAddress`.
#[pyclass(
    module = "tokionet",
    name = "SocketAddress",
    frozen,
    eq,
    hash,
    skip_from_py_object
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PySocketAddress {
    pub inner: address::SocketAddress,
}

impl PySocketAddress {
    fn options(
        options: &Arg<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<SocketAddressOptions> {
        let mut o = SocketAddressOptions::default();
        let mut read = |source: &Bound<'_, PyAny>| -> PyResult<()> {
            if let Ok(sa) = source.cast::<PySocketAddress>() {
                let sa = sa.get().inner;
                o.address = Value::Str(sa.address());
                o.port = Value::Int(i128::from(sa.port()));
                o.family = Value::str(sa.family().as_str());
                o.flowlabel = Value::Int(i128::from(sa.flowlabel()));
                return Ok(());
            }
            let Ok(map) = source.cast::<PyMapping>() else {
                return Err(Error::invalid_arg_type(
                    "options",
                    "of type object",
                    &to_value(source),
                )
                .into());
            };
            for (key, slot) in [
                ("address", &mut o.address),
                ("port", &mut o.port),
                ("family", &mut o.family),
                ("flowlabel", &mut o.flowlabel),
            ] {
                if map.contains(key)? {
                    *slot = to_value(&map.get_item(key)?);
                }
            }
            Ok(())
        };
        if let Some(obj) = &options.0 {
            read(obj)?;
        }
        if let Some(kw) = kwargs {
            read(kw.as_any())?;
        }
        Ok(o)
    }
}

#[pymethods]
impl PySocketAddress {
    /// `SocketAddress(options=None, /, **kwargs)`: Node's options object as a
    /// dict, keyword arguments, or both.
    #[new]
    #[pyo3(signature = (options = Arg::undefined(), /, **kwargs))]
    fn new(options: Arg<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let o = Self::options(&options, kwargs)?;
        Ok(PySocketAddress {
            inner: address::SocketAddress::from_options(&o)?,
        })
    }

    #[getter]
    fn address(&self) -> String {
        self.inner.address()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.inner.port()
    }

    #[getter]
    fn family(&self) -> &'static str {
        self.inner.family().as_str()
    }

    #[getter]
    fn flowlabel(&self) -> u32 {
        self.inner.flowlabel()
    }

    /// `{address, port, family, flowlabel}`, in Node's key order.
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("address", self.inner.address())?;
        d.set_item("port", self.inner.port())?;
        d.set_item("family", self.inner.family().as_str())?;
        d.set_item("flowlabel", self.inner.flowlabel())?;
        Ok(d)
    }

    /// `SocketAddress.parse(input)`: `None` where Node returns `undefined`.
    #[staticmethod]
    #[pyo3(signature = (input = Arg::undefined()))]
    fn parse(input: Arg<'_>) -> PyResult<Option<Self>> {
        let v = input.value();
        let text = validate_string(&v, "input")?;
        Ok(address::SocketAddress::parse(text).map(|inner| PySocketAddress { inner }))
    }

    #[staticmethod]
    #[pyo3(signature = (value = Arg::undefined()))]
    fn is_socket_address(value: Arg<'_>) -> bool {
        value
            .0
            .is_some_and(|v| v.is_instance_of::<PySocketAddress>())
    }

    fn __repr__(&self) -> String {
        self.inner.to_string()
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let cls = slf.get_type().into_any();
        Ok((cls, (slf.get().to_json(slf.py())?,)))
    }
}

fn text_of(input: &Arg<'_>) -> Option<String> {
    match input.value() {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// `net.isIP(input)`: 4, 6 or 0; never raises.
#[pyfunction]
#[pyo3(signature = (input = Arg::undefined()))]
pub fn is_ip(input: Arg<'_>) -> u8 {
    text_of(&input).map_or(0, |s| address::is_ip(&s))
}

/// `net.isIPv4(input)`.
#[pyfunction]
#[pyo3(signature = (input = Arg::undefined()))]
pub fn is_ipv4(input: Arg<'_>) -> bool {
    text_of(&input).is_some_and(|s| address::is_ipv4(&s))
}

/// `net.isIPv6(input)`.
#[pyfunction]
#[pyo3(signature = (input = Arg::undefined()))]
pub fn is_ipv6(input: Arg<'_>) -> bool {
    text_of(&input).is_some_and(|s| address::is_ipv6(&s))
}
