//! `HubPoller`: a hub's epoll set behind the `select.epoll` interface, the
//! poller of tokionet's own event loop (`tokionet.EventLoop`, an asyncio
//! selector loop). On it the loop waits on one epoll set for its sockets and
//! for every other descriptor it watches: a wake-up costs one `epoll_wait`,
//! and the sockets are served inside it, with no loop callback in between.
//! On any other loop the hub's descriptor is watched with `add_reader`,
//! which costs a second `epoll_wait` and a callback per wake-up.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use super::loop_ctx::LoopCtx;
use crate::driver::Hub;

#[pyclass(module = "tokionet._tokionet")]
pub struct HubPoller {
    pub hub: Arc<Hub>,
    /// The loop's context, once tokionet is used on the loop.
    pub ctx: Option<Py<LoopCtx>>,
    /// The loop's `_ready` deque and `_scheduled` heap, once it has said
    /// so: while both say asyncio has nothing to do, `poll` serves the
    /// sockets and waits again without returning to the loop.
    asyncio_work: Option<(Py<PyAny>, Py<PyAny>)>,
    closed: bool,
}

impl HubPoller {
    fn check(&self) -> PyResult<()> {
        if self.closed {
            return Err(PyValueError::new_err(
                "I/O operation on closed epoll object",
            ));
        }
        Ok(())
    }
}

/// `select.epoll`'s timeout: seconds, negative or None to wait forever.
fn timeout(seconds: Option<f64>) -> Option<Duration> {
    seconds
        .filter(|s| *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

#[pymethods]
impl HubPoller {
    #[new]
    fn new() -> PyResult<Self> {
        Ok(HubPoller {
            hub: Hub::new()?,
            ctx: None,
            asyncio_work: None,
            closed: false,
        })
    }

    fn fileno(&self) -> PyResult<RawFd> {
        self.check()?;
        Ok(self.hub.fd())
    }

    #[getter]
    fn closed(&self) -> bool {
        self.closed
    }

    fn register(&self, fd: RawFd, eventmask: u32) -> PyResult<()> {
        self.check()?;
        Ok(self.hub.add_foreign(fd, eventmask)?)
    }

    fn modify(&self, fd: RawFd, eventmask: u32) -> PyResult<()> {
        self.check()?;
        Ok(self.hub.modify_foreign(fd, eventmask)?)
    }

    fn unregister(&self, fd: RawFd) -> PyResult<()> {
        self.check()?;
        Ok(self.hub.remove_foreign(fd)?)
    }

    /// Waits (without the GIL) until something is ready, serves the
    /// tokionet sockets that are (their listeners run now), and returns the
    /// other descriptors that are ready as `(fd, events)`.
    ///
    /// On a loop that called `_watch`, a wake-up that only served sockets
    /// and left asyncio nothing to do (no descriptor of its own ready, no
    /// callback queued, no new timer) waits again, until `timeout`: the
    /// loop's Python iteration then runs only when it has work, as libuv's
    /// does (in the 1 × 64 B echo that iteration was a third of the
    /// `'data'` echo's user time and almost half of `pipe()`'s).
    #[pyo3(signature = (timeout=None, maxevents=-1))]
    fn poll(
        slf: &Bound<'_, Self>,
        timeout: Option<f64>,
        maxevents: i32,
    ) -> PyResult<Vec<(RawFd, u32)>> {
        // Every ready descriptor is returned: those beyond `maxevents`
        // would only wait for the next call.
        let _ = maxevents;
        let py = slf.py();
        let (hub, ctx, work) = {
            let me = slf.borrow();
            me.check()?;
            (
                Arc::clone(&me.hub),
                me.ctx.as_ref().map(|c| c.clone_ref(py)),
                me.asyncio_work
                    .as_ref()
                    .map(|(r, s)| (r.clone_ref(py), s.clone_ref(py))),
            )
        };
        let wait = self::timeout(timeout);
        let deadline = wait.and_then(|w| Instant::now().checked_add(w));
        let timers = match &work {
            Some((_, scheduled)) => Some(scheduled.bind(py).len()?),
            None => None,
        };
        let mut foreign = Vec::new();
        let mut left = wait;
        loop {
            if let Err(e) = py.detach(|| hub.wait(left)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e.into());
                }
                // As select.epoll does: a signal's Python handler runs now.
                py.check_signals()?;
            }
            match &ctx {
                Some(ctx) => LoopCtx::drain(ctx.bind(py), &mut foreign),
                None => hub.take_with(&mut Vec::new(), &mut foreign, Vec::clear),
            }
            let Some((ready, scheduled)) = &work else {
                break;
            };
            // A signal that came outside the wait interrupted nothing: its
            // Python handler (KeyboardInterrupt) runs here, as it would
            // between two of asyncio's iterations.
            py.check_signals()?;
            if !foreign.is_empty()
                || wait == Some(Duration::ZERO)
                || !ready.bind(py).is_empty()?
                || Some(scheduled.bind(py).len()?) != timers
            {
                break;
            }
            match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(rest) if !rest.is_zero() => left = Some(rest),
                    _ => break,
                },
                None => left = None,
            }
        }
        Ok(foreign)
    }

    /// Lets `poll` see whether asyncio has work: the loop's `_ready`
    /// deque and `_scheduled` heap. The loop's `stop()` must then wake the
    /// poller (it only sets a flag).
    fn _watch(&mut self, ready: Py<PyAny>, scheduled: Py<PyAny>) {
        self.asyncio_work = Some((ready, scheduled));
    }

    fn close(&mut self) {
        self.closed = true;
        self.ctx = None;
        self.asyncio_work = None;
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(ctx) = &self.ctx {
            visit.call(ctx)?;
        }
        if let Some((ready, scheduled)) = &self.asyncio_work {
            visit.call(ready)?;
            visit.call(scheduled)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.ctx = None;
        self.asyncio_work = None;
    }
}
