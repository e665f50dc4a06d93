//! One asyncio event loop's side of tokionet: the hub it drains, the
//! sockets and servers that live on it, the queue of work deferred to a
//! later tick (Node's `process.nextTick`), and the count of handles that
//! keep `tokionet.run()` going.
//!
//! On tokionet's own loop the hub's epoll set is the loop's poller
//! (`poller.rs`); on any other loop its descriptor is watched with
//! `loop.add_reader`. Either way one call drains a whole batch of I/O
//! events; deferred work is run by one `loop.call_soon` per batch.
//! Listeners therefore always run on the loop's thread, never inside the
//! call that caused them.

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use rustc_hash::FxHashMap;

use super::poller::HubPoller;
use super::server::PyServer;
use super::socket::PySocket;
use crate::driver::{Event, Hub};

/// Work for a later tick.
pub enum Tick {
    /// Emit what a socket has pending.
    Socket(Py<PySocket>),
    /// Emit what a server has pending.
    Server(Py<PyServer>),
    /// Call `f(*args)`.
    Call(Py<PyAny>, Py<PyTuple>),
}

#[pyclass(module = "tokionet._tokionet")]
pub struct LoopCtx {
    pub hub: Arc<Hub>,
    pub event_loop: Py<PyAny>,
    sockets: FxHashMap<u64, Py<PySocket>>,
    servers: FxHashMap<u64, Py<PyServer>>,
    ticks: VecDeque<Tick>,
    tick_scheduled: bool,
    /// Referenced handles that are active, as libuv counts them.
    active: isize,
    /// Set by `tokionet.run()`: resolved when nothing keeps the loop alive,
    /// or failed with an uncaught error.
    idle: Option<Py<PyAny>>,
    idle_check_scheduled: bool,
    /// An uncaught error stopped `run()`: listeners no longer run.
    dead: bool,
}

/// Contexts by `id(loop)`; each keeps its loop alive, and is dropped once
/// that loop is closed.
static CONTEXTS: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn contexts(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    Ok(CONTEXTS
        .get_or_try_init(py, || Ok::<_, PyErr>(PyDict::new(py).unbind()))?
        .bind(py))
}

/// The running loop, if any.
fn running_loop(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
    let l = py
        .import(intern!(py, "asyncio"))?
        .call_method0(intern!(py, "_get_running_loop"))?;
    Ok((!l.is_none()).then_some(l))
}

impl LoopCtx {
    /// The context of the running loop, made on first use.
    pub fn current(py: Python<'_>) -> PyResult<Py<LoopCtx>> {
        let Some(event_loop) = running_loop(py)? else {
            return Err(PyRuntimeError::new_err(
                "tokionet needs a running asyncio event loop: use it inside tokionet.run(), \
                 asyncio.run() or a coroutine",
            ));
        };
        Self::for_loop(&event_loop)
    }

    /// The context of the running loop if there is one.
    pub fn current_opt(py: Python<'_>) -> PyResult<Option<Py<LoopCtx>>> {
        running_loop(py)?.map(|l| Self::for_loop(&l)).transpose()
    }

    pub fn for_loop(event_loop: &Bound<'_, PyAny>) -> PyResult<Py<LoopCtx>> {
        let py = event_loop.py();
        if let Some(parent) = crate::driver::runtime::forked_from() {
            return Err(PyRuntimeError::new_err(format!(
                "tokionet cannot run in a process forked from one that used it \
                 (its I/O threads stayed in process {parent}); import and use tokionet \
                 only after forking, or start processes with the 'spawn' or \
                 'forkserver' method"
            )));
        }
        let map = contexts(py)?;
        let key = event_loop.as_ptr() as usize;
        if let Some(ctx) = map.get_item(key)? {
            let ctx = ctx.cast_into::<LoopCtx>()?;
            if ctx.borrow().event_loop.bind(py).is(event_loop) {
                return Ok(ctx.unbind());
            }
        }
        // Forget contexts of loops that have closed.
        let stale: Vec<Bound<'_, PyAny>> = map
            .iter()
            .filter(|(_, c)| {
                c.cast::<LoopCtx>().is_ok_and(|c| {
                    c.borrow()
                        .event_loop
                        .bind(py)
                        .call_method0(intern!(py, "is_closed"))
                        .and_then(|r| r.is_truthy())
                        .unwrap_or(true)
                })
            })
            .map(|(k, _)| k)
            .collect();
        for k in stale {
            // Its loop is closed: whatever it still had open is closed too,
            // so no descriptor outlives the loop it belonged to.
            if let Some(ctx) = map.get_item(&k)? {
                if let Ok(ctx) = ctx.cast::<LoopCtx>() {
                    Self::shut_down(ctx);
                }
            }
            map.del_item(k)?;
        }
        // tokionet's own loop polls the hub's epoll set itself.
        let poller = event_loop
            .getattr(intern!(py, "_tokionet_poller"))
            .ok()
            .and_then(|p| p.cast_into::<HubPoller>().ok());
        let hub = match &poller {
            Some(p) => Arc::clone(&p.borrow().hub),
            None => Hub::new().map_err(PyErr::from)?,
        };
        let fd = hub.fd();
        let ctx = Bound::new(
            py,
            LoopCtx {
                hub,
                event_loop: event_loop.clone().unbind(),
                sockets: FxHashMap::default(),
                servers: FxHashMap::default(),
                ticks: VecDeque::new(),
                tick_scheduled: false,
                active: 0,
                idle: None,
                idle_check_scheduled: false,
                dead: false,
            },
        )?;
        match poller {
            Some(p) => p.borrow_mut().ctx = Some(ctx.clone().unbind()),
            None => {
                event_loop.call_method1(
                    intern!(py, "add_reader"),
                    (fd, ctx.getattr(intern!(py, "_drain"))?),
                )?;
            }
        }
        map.set_item(key, &ctx)?;
        Ok(ctx.unbind())
    }

    pub fn register_socket(&mut self, id: u64, sock: Py<PySocket>) {
        self.sockets.insert(id, sock);
    }

    pub fn forget_socket(&mut self, id: u64) {
        self.sockets.remove(&id);
    }

    pub fn register_server(&mut self, id: u64, server: Py<PyServer>) {
        self.servers.insert(id, server);
    }

    pub fn forget_server(&mut self, id: u64) {
        self.servers.remove(&id);
    }

    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// Adds work for a later tick.
    pub fn defer(slf: &Bound<'_, LoopCtx>, tick: Tick) -> PyResult<()> {
        let py = slf.py();
        let schedule = {
            let mut me = slf.borrow_mut();
            me.ticks.push_back(tick);
            !std::mem::replace(&mut me.tick_scheduled, true)
        };
        if schedule {
            let event_loop = slf.borrow().event_loop.clone_ref(py);
            event_loop.bind(py).call_method1(
                intern!(py, "call_soon"),
                (slf.getattr(intern!(py, "_run_ticks"))?,),
            )?;
        }
        Ok(())
    }

    /// Brings one handle's share of the active count in line with `want`
    /// (`counted` is the handle's own record of it).
    pub fn track(
        py: Python<'_>,
        ctx: Option<&Py<LoopCtx>>,
        counted: &mut bool,
        want: bool,
    ) -> PyResult<()> {
        if *counted != want {
            if let Some(ctx) = ctx {
                *counted = want;
                Self::count_active(ctx.bind(py), if want { 1 } else { -1 })?;
            }
        }
        Ok(())
    }

    /// A handle became active (+1) or inactive (-1).
    pub fn count_active(slf: &Bound<'_, LoopCtx>, delta: isize) -> PyResult<()> {
        slf.borrow_mut().active += delta;
        Self::maybe_idle(slf)
    }

    /// Under `run()`, checks on the next loop turn whether anything is
    /// still alive (deferred work counts as alive).
    fn maybe_idle(slf: &Bound<'_, LoopCtx>) -> PyResult<()> {
        let check = {
            let me = slf.borrow();
            me.active <= 0 && me.idle.is_some() && !me.idle_check_scheduled
        };
        if check {
            Self::schedule_idle_check(slf)?;
        }
        Ok(())
    }

    fn schedule_idle_check(slf: &Bound<'_, LoopCtx>) -> PyResult<()> {
        let py = slf.py();
        slf.borrow_mut().idle_check_scheduled = true;
        let event_loop = slf.borrow().event_loop.clone_ref(py);
        event_loop.bind(py).call_method1(
            intern!(py, "call_soon"),
            (slf.getattr(intern!(py, "_check_idle"))?,),
        )?;
        Ok(())
    }

    /// An exception from a listener (or an `'error'` nobody listened to):
    /// Node's uncaught exception. Under `run()` it ends the run; in a plain
    /// asyncio program it goes to the loop's exception handler.
    pub fn report(slf: &Bound<'_, LoopCtx>, err: PyErr) {
        let py = slf.py();
        let idle = slf.borrow().idle.as_ref().map(|f| f.clone_ref(py));
        if let Some(fut) = idle {
            let fut = fut.bind(py);
            if !fut
                .call_method0(intern!(py, "done"))
                .and_then(|d| d.is_truthy())
                .unwrap_or(true)
            {
                let _ = fut.call_method1(intern!(py, "set_exception"), (err.value(py),));
            }
            Self::shut_down(slf);
            return;
        }
        let ctx = PyDict::new(py);
        let _ = ctx.set_item("message", "Unhandled error in a tokionet listener");
        let _ = ctx.set_item("exception", err.value(py));
        let event_loop = slf.borrow().event_loop.clone_ref(py);
        if event_loop
            .bind(py)
            .call_method1(intern!(py, "call_exception_handler"), (ctx,))
            .is_err()
        {
            err.print(py);
        }
    }

    /// After an uncaught error under `run()`: every handle is closed and no
    /// listener runs again.
    fn shut_down(slf: &Bound<'_, LoopCtx>) {
        let py = slf.py();
        let (sockets, servers) = {
            let mut me = slf.borrow_mut();
            me.dead = true;
            me.ticks.clear();
            (
                me.sockets.drain().map(|(_, s)| s).collect::<Vec<_>>(),
                me.servers.drain().map(|(_, s)| s).collect::<Vec<_>>(),
            )
        };
        for s in sockets {
            PySocket::abandon(s.bind(py));
        }
        for s in servers {
            PyServer::abandon(s.bind(py));
        }
        // Served connections close on the loop thread, which will not run
        // for this loop again: close their descriptors now.
        slf.borrow().hub.close_all();
    }

    fn dispatch(slf: &Bound<'_, LoopCtx>, event: Event) -> PyResult<()> {
        let py = slf.py();
        let socket = |id: u64| {
            slf.borrow()
                .sockets
                .get(&id)
                .map(|s| s.clone_ref(py).into_bound(py))
        };
        match event {
            Event::Accepted { server, conn } => {
                let srv = slf
                    .borrow()
                    .servers
                    .get(&server)
                    .map(|s| s.clone_ref(py).into_bound(py));
                match srv {
                    Some(srv) => PyServer::on_accepted(&srv, conn)?,
                    None => conn.close(false),
                }
            }
            Event::ServerLookup {
                server,
                generation,
                result,
            } => {
                let srv = slf
                    .borrow()
                    .servers
                    .get(&server)
                    .map(|s| s.clone_ref(py).into_bound(py));
                if let Some(srv) = srv {
                    PyServer::on_lookup(&srv, generation, result)?;
                }
            }
            Event::AcceptError { server, error } => {
                let srv = slf
                    .borrow()
                    .servers
                    .get(&server)
                    .map(|s| s.clone_ref(py).into_bound(py));
                if let Some(srv) = srv {
                    PyServer::on_accept_error(&srv, error)?;
                }
            }
            Event::Closed { conn } => {
                if let Some(s) = socket(conn) {
                    slf.borrow_mut().forget_socket(conn);
                    PySocket::on_event(&s, Event::Closed { conn })?;
                }
            }
            other => {
                let id = match &other {
                    Event::Lookup { conn, .. }
                    | Event::Attempt { conn, .. }
                    | Event::AttemptFailed { conn, .. }
                    | Event::AttemptTimeout { conn, .. }
                    | Event::Connected { conn }
                    | Event::ConnectFailed { conn, .. }
                    | Event::Data { conn, .. }
                    | Event::Eof { conn }
                    | Event::WriteDone { conn, .. }
                    | Event::ShutdownDone { conn }
                    | Event::IoError { conn, .. }
                    | Event::Timeout { conn }
                    | Event::PipeReady { conn } => *conn,
                    _ => return Ok(()),
                };
                if let Some(s) = socket(id) {
                    PySocket::on_event(&s, other)?;
                }
            }
        }
        Ok(())
    }

    fn run_ticks_inner(slf: &Bound<'_, LoopCtx>) {
        let py = slf.py();
        let mut ran = false;
        loop {
            let tick = {
                let mut me = slf.borrow_mut();
                if me.dead {
                    me.ticks.clear();
                }
                if let Some(t) = me.ticks.pop_front() {
                    t
                } else {
                    me.tick_scheduled = false;
                    break;
                }
            };
            ran = true;
            let result = match tick {
                Tick::Socket(s) => PySocket::flush_pending(s.bind(py)),
                Tick::Server(s) => PyServer::flush_pending(s.bind(py)),
                Tick::Call(f, args) => f.bind(py).call1(args.bind(py)).map(|_| ()),
            };
            if let Err(e) = result {
                Self::report(slf, e);
            }
        }
        // Running out of deferred work may leave the loop idle; with none
        // run, the last change of `active` already checked.
        if ran {
            if let Err(e) = Self::maybe_idle(slf) {
                Self::report(slf, e);
            }
        }
    }

    /// Takes one batch of I/O events and runs their listeners; foreign
    /// descriptors that are ready (tokionet's own loop) go to `foreign`.
    pub fn drain(slf: &Bound<'_, Self>, foreign: &mut Vec<(RawFd, u32)>) {
        let hub = Arc::clone(&slf.borrow().hub);
        let mut events = Vec::new();
        // Each connection's events are handled right after it is read.
        hub.take_with(&mut events, foreign, |events| {
            for event in events.drain(..) {
                if slf.borrow().dead {
                    continue;
                }
                if let Err(e) = Self::dispatch(slf, event) {
                    Self::report(slf, e);
                }
                // As Node runs the nextTick queue after each I/O callback.
                Self::run_ticks_inner(slf);
            }
        });
        Self::run_ticks_inner(slf);
    }
}

#[pymethods]
impl LoopCtx {
    /// The add_reader callback: one batch of I/O events.
    fn _drain(slf: &Bound<'_, Self>) {
        Self::drain(slf, &mut Vec::new());
    }

    fn _run_ticks(slf: &Bound<'_, Self>) {
        Self::run_ticks_inner(slf);
    }

    fn _check_idle(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let fut = {
            let mut me = slf.borrow_mut();
            me.idle_check_scheduled = false;
            if me.active > 0 || !me.ticks.is_empty() {
                return Ok(());
            }
            me.idle.as_ref().map(|f| f.clone_ref(py))
        };
        if let Some(fut) = fut {
            let fut = fut.bind(py);
            if !fut.call_method0(intern!(py, "done"))?.is_truthy()? {
                fut.call_method1(intern!(py, "set_result"), (py.None(),))?;
            }
        }
        Ok(())
    }

    /// For `tokionet.run()`: a future that resolves once no referenced
    /// handle is active (or fails with the first uncaught error).
    fn _wait_idle(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let fut = slf
            .borrow()
            .event_loop
            .bind(py)
            .call_method0(intern!(py, "create_future"))?
            .unbind();
        let check = {
            let mut me = slf.borrow_mut();
            me.idle = Some(fut.clone_ref(py));
            me.dead = false;
            me.active <= 0 && !me.idle_check_scheduled
        };
        if check {
            Self::schedule_idle_check(slf)?;
        }
        Ok(fut)
    }

    /// For `tokionet.run()`: catch uncaught errors while `main` runs.
    fn _begin_run(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Self::_wait_idle(slf)
    }

    /// Ends `run()` mode: errors go to the loop's handler again.
    fn _end_run(&mut self) {
        self.idle = None;
    }

    /// The number of active referenced handles (for tests and `run()`).
    #[getter]
    fn active_handles(&self) -> isize {
        self.active
    }

    /// Closes everything (the loop is going away).
    fn _close_all(slf: &Bound<'_, Self>) {
        Self::shut_down(slf);
        let py = slf.py();
        let fd = slf.borrow().hub.fd();
        let event_loop = slf.borrow().event_loop.clone_ref(py);
        let _ = event_loop
            .bind(py)
            .call_method1(intern!(py, "remove_reader"), (fd,));
    }
}

/// `tokionet._tokionet._loop_ctx(loop)`: the context of a loop.
#[pyfunction]
pub fn _loop_ctx(event_loop: &Bound<'_, PyAny>) -> PyResult<Py<LoopCtx>> {
    LoopCtx::for_loop(event_loop)
}

/// The calling thread (`pthread_self`), to tell a handle's loop thread from
/// others.
pub fn thread_id() -> u64 {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as u64 }
}

/// Sockets and servers are used on their loop's thread, as the loop runs
/// their listeners there: a call from another thread is refused (not raced).
pub fn check_thread(owner: u64, what: &str) -> PyResult<()> {
    if owner == 0 || owner == thread_id() {
        return Ok(());
    }
    Err(PyRuntimeError::new_err(format!(
        "this tokionet {what} belongs to an event loop running on another thread; \
         call it from that thread (loop.call_soon_threadsafe() hands a call over)"
    )))
}
