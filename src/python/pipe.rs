//! A core pipe's listeners: what `src.pipe(dest)` between two sockets leaves
//! on them when the bytes move inside the core (`_stream.py` pipes through
//! listeners otherwise). As a pipe through listeners does, the source's
//! `'end'` ends the destination (or, with `{end: false}`, unpipes) and the
//! destination's `'close'` or `'finish'` unpipes; the listeners are Rust objects, so that setting up
//! and tearing down a pipe echo costs no Python frame (it was most of a
//! short connection's user time on that echo).

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::{intern, PyTraverseError};

use super::emitter::{add_listener, remove_listener, Add};
use super::socket::PySocket;

/// A core pipe from the socket that holds it.
pub(crate) struct CorePipe {
    pub dest: Py<PySocket>,
    /// `pipe()`'s `end` option.
    end: bool,
    /// Its `'end'` listener on the source.
    on_end: Py<PyAny>,
    /// Its `'close'` and `'finish'` listener on the destination.
    on_gone: Py<PyAny>,
}

/// Ends the destination when the source ends (Node's `onend`), or with
/// `{end: false}` unpipes (Node's `unpipe` as the end listener).
#[pyclass(frozen, module = "tokionet", name = "_PipeEnd")]
struct PipeEnd {
    src: Py<PySocket>,
    dest: Py<PySocket>,
    end: bool,
}

#[pymethods]
impl PipeEnd {
    #[pyo3(signature = (*_args))]
    fn __call__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        let dest = self.dest.bind(py);
        if self.end {
            // Through the attribute, as `dest.end()` would be called from
            // Python (a subclass may override it).
            dest.call_method0(intern!(py, "end"))?;
        } else {
            PySocket::core_unpipe(self.src.bind(py), Some(dest.as_any()), true)?;
        }
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.src)?;
        visit.call(&self.dest)
    }
}

/// Unpipes the source when the destination closes or finishes.
#[pyclass(frozen, module = "tokionet", name = "_PipeGone")]
struct PipeGone {
    src: Py<PySocket>,
    dest: Py<PySocket>,
}

#[pymethods]
impl PipeGone {
    #[pyo3(signature = (*_args))]
    fn __call__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        PySocket::core_unpipe(self.src.bind(py), Some(self.dest.bind(py).as_any()), true)?;
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.src)?;
        visit.call(&self.dest)
    }
}

/// Adds the listeners, in the order `_stream._Pipe.attach` adds its own.
pub(crate) fn attach(
    src: &Bound<'_, PySocket>,
    dest: &Bound<'_, PySocket>,
    end: bool,
) -> PyResult<CorePipe> {
    let py = src.py();
    let on_end = Bound::new(
        py,
        PipeEnd {
            src: src.clone().unbind(),
            dest: dest.clone().unbind(),
            end,
        },
    )?
    .into_any();
    add_listener(src.as_super(), intern!(py, "end"), &on_end, Add::On)?;
    let on_gone = Bound::new(
        py,
        PipeGone {
            src: src.clone().unbind(),
            dest: dest.clone().unbind(),
        },
    )?
    .into_any();
    add_listener(dest.as_super(), intern!(py, "close"), &on_gone, Add::On)?;
    add_listener(dest.as_super(), intern!(py, "finish"), &on_gone, Add::On)?;
    Ok(CorePipe {
        dest: dest.clone().unbind(),
        end,
        on_end: on_end.unbind(),
        on_gone: on_gone.unbind(),
    })
}

/// Removes what [`attach`] added; returns the pipe's `end` option, for a
/// pipe that goes on through listeners.
pub(crate) fn detach(src: &Bound<'_, PySocket>, pipe: &CorePipe) -> PyResult<bool> {
    let py = src.py();
    let dest = pipe.dest.bind(py).as_super();
    remove_listener(src.as_super(), intern!(py, "end"), pipe.on_end.bind(py))?;
    let on_gone = pipe.on_gone.bind(py);
    remove_listener(dest, intern!(py, "close"), on_gone)?;
    remove_listener(dest, intern!(py, "finish"), on_gone)?;
    Ok(pipe.end)
}
