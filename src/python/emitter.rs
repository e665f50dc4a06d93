//! Placeholder EventEmitter (replaced by the full implementation).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

#[pyclass(subclass, dict, weakref, module = "tokionet", name = "EventEmitter")]
pub struct EventEmitter {
    events: Py<PyDict>,
}

impl EventEmitter {
    pub fn empty(py: Python<'_>) -> Self {
        EventEmitter {
            events: PyDict::new(py).unbind(),
        }
    }

    pub fn add_initial(
        &self,
        py: Python<'_>,
        event: &str,
        listener: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.events
            .bind(py)
            .set_item(event, PyList::new(py, [listener])?)
    }
}

#[pymethods]
impl EventEmitter {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        EventEmitter {
            events: PyDict::new(py).unbind(),
        }
    }

    fn on<'py>(
        slf: Bound<'py, Self>,
        event: Bound<'py, PyAny>,
        listener: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let events = slf.borrow().events.clone_ref(py).into_bound(py);
        let list = match events.get_item(&event)? {
            Some(l) => l.cast_into::<PyList>()?,
            None => {
                let l = PyList::empty(py);
                events.set_item(&event, &l)?;
                l
            }
        };
        list.append(listener)?;
        Ok(slf)
    }

    fn once<'py>(
        slf: Bound<'py, Self>,
        event: Bound<'py, PyAny>,
        listener: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::on(slf, event, listener)
    }

    #[pyo3(signature = (event, *args))]
    fn emit(
        slf: Bound<'_, Self>,
        event: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
    ) -> PyResult<bool> {
        let py = slf.py();
        let events = slf.borrow().events.clone_ref(py).into_bound(py);
        let Some(list) = events.get_item(&event)? else {
            if event.extract::<&str>().ok() == Some("error") {
                let err = args.get_item(0)?;
                return Err(PyErr::from_value(err));
            }
            return Ok(false);
        };
        let listeners: Vec<Bound<'_, PyAny>> = list.cast_into::<PyList>()?.iter().collect();
        for l in &listeners {
            l.call1(args.clone())?;
        }
        Ok(!listeners.is_empty())
    }

    fn remove_listener<'py>(
        slf: Bound<'py, Self>,
        event: Bound<'py, PyAny>,
        listener: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let events = slf.borrow().events.clone_ref(py).into_bound(py);
        if let Some(l) = events.get_item(&event)? {
            let l = l.cast_into::<PyList>()?;
            if let Ok(i) = l.index(&listener) {
                l.del_item(i)?;
            }
        }
        Ok(slf)
    }

    fn prepend_listener<'py>(
        slf: Bound<'py, Self>,
        event: Bound<'py, PyAny>,
        listener: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::on(slf, event, listener)
    }

    fn prepend_once_listener<'py>(
        slf: Bound<'py, Self>,
        event: Bound<'py, PyAny>,
        listener: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::on(slf, event, listener)
    }

    fn listener_count(&self, py: Python<'_>, event: Bound<'_, PyAny>) -> PyResult<usize> {
        Ok(match self.events.bind(py).get_item(&event)? {
            Some(l) => l.len()?,
            None => 0,
        })
    }
}
