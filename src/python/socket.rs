//! `net.Socket` for Python: argument handling, the bridge between the
//! socket's state machine ([`SocketMachine`]) and its connection's driver
//! ([`Conn`]), and the emission of events to listeners.
//!
//! Events caused by a caller's own call (a failed write, `destroy()`) are
//! emitted on a later tick through the loop context; events caused by I/O
//! are emitted as the batch that carried them is drained. The socket is
//! never borrowed while a listener runs, so listeners may call back in.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString, PyTuple};
use rustc_hash::FxHashMap;

use super::arg::{to_value, Arg};
use super::emitter::{emit, emit_event1, listener_count, EventEmitter, ListenerChange};
use super::loop_ctx::{check_thread, thread_id, LoopCtx, Tick};
use super::options::{normalize_args, Options};
use super::pipe::{self, CorePipe};
use crate::address::is_ip;
use crate::driver::conn::{family_of, ConnectPlan, Target, WriteOutcome};
use crate::driver::{Conn, Event};
use crate::proto::socket::{Emit, Flow, Io, Output, SocketMachine, WriteGrant};
use crate::validate::{
    validate_boolean, validate_int32, validate_number, validate_port, validate_string,
};
use crate::{config, Error, Value};

/// Node 24's default high-water mark for both sides of a socket.
pub const DEFAULT_HWM: usize = 64 * 1024;

/// Node's `TIMEOUT_MAX`: timer durations are clamped to a signed 32-bit int.
const TIMEOUT_MAX: f64 = 2_147_483_647.0;

/// `net.Socket`.
#[pyclass(extends = EventEmitter, subclass, module = "tokionet", name = "Socket")]
pub struct PySocket {
    m: SocketMachine,
    conn: Option<Arc<Conn>>,
    ctx: Option<Py<LoopCtx>>,
    /// The thread of `ctx`'s loop (0 while there is none).
    owner: u64,
    /// Emits waiting for a later tick, oldest first.
    pending: VecDeque<Emit>,
    flush_scheduled: bool,
    callbacks: FxHashMap<u64, Py<PyAny>>,
    /// Errors handed to `destroy(err)`, by their [`Error::Foreign`] token.
    foreign_errors: FxHashMap<u64, Py<PyAny>>,
    next_callback: u64,
    decoder: Option<Py<PyAny>>,
    /// `socket.timeout`: the last value given to `setTimeout`.
    timeout: Option<Py<PyAny>>,
    no_delay: bool,
    keep_alive: Option<(bool, u32)>,
    server: Option<Py<PyAny>>,
    refed: bool,
    counted: bool,
    /// Node's `_sockname` and `_peername`: asked of the descriptor when
    /// first read, not on accept (two system calls per connection that most
    /// servers never use).
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
    /// The host and port of the connection under way, for `'lookup'`.
    host: String,
    port: u16,
    destroy_on_finish: bool,
    block_list: Option<Py<PyAny>>,
    type_of_service: Option<u8>,
    /// Happy Eyeballs is on for the connect under way.
    auto_select: bool,
    /// The accepting server has been told this connection is gone.
    left_server: bool,
    /// A descriptor given to the constructor (`fd`, its kind, whether to
    /// read), opened once the object exists.
    pending_fd: Option<(i32, &'static str, bool)>,
    /// A connect to an address, started on the next tick.
    deferred_plan: Option<ConnectPlan>,
    /// Node's `onread` option: the buffer (or a function giving one) and
    /// the callback.
    onread: Option<(Py<PyAny>, Py<PyAny>)>,
    /// The connect under way is to a Unix socket path.
    path_connect: bool,
    /// Port, local address and attempt timeout of a connect waiting for a
    /// caller's `lookup` to answer.
    pending_plan: Option<(u16, Option<SocketAddr>, Option<std::time::Duration>)>,
    /// `autoSelectFamilyAttemptedAddresses` (`None` unless several
    /// addresses were tried).
    attempted: Option<Vec<String>>,
    /// The pipe from this socket that runs inside the core.
    core_pipe: Option<CorePipe>,
}

fn family_label(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// `{address, family, port}` as Node's `address()` returns it.
pub fn address_dict<'py>(py: Python<'py>, addr: &SocketAddr) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("address", addr.ip().to_string())?;
    d.set_item("family", family_label(addr))?;
    d.set_item("port", addr.port())?;
    Ok(d)
}

/// Node's encodings and the Python codecs behind them.
fn codec(encoding: &str) -> Option<&'static str> {
    Some(match encoding.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => "utf-8",
        "ascii" => "ascii",
        "latin1" | "binary" => "latin-1",
        "ucs2" | "ucs-2" | "utf16le" | "utf-16le" => "utf-16-le",
        "hex" => "hex",
        "base64" => "base64",
        "base64url" => "base64url",
        _ => return None,
    })
}

/// The bytes of a `write()`/`end()` chunk, encoded as Node would.
fn chunk_bytes<'py>(
    data: &Bound<'py, PyAny>,
    encoding: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = data.py();
    if data.is_none() {
        return Err(Error::StreamNullValues.into());
    }
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(b.clone());
    }
    if data.is_instance_of::<PyByteArray>() || data.is_instance_of::<PyMemoryView>() {
        return Ok(PyBytes::new(
            py,
            &data.extract::<Vec<u8>>().or_else(|_| {
                py.import("builtins")?
                    .getattr("bytes")?
                    .call1((data,))?
                    .extract::<Vec<u8>>()
            })?,
        ));
    }
    if let Ok(s) = data.cast::<PyString>() {
        let enc = match encoding {
            Some(e) if !e.is_none() => e.extract::<String>().unwrap_or_default(),
            _ => "utf8".to_string(),
        };
        let Some(codec) = codec(&enc) else {
            return Err(Error::UnknownEncoding(enc).into());
        };
        return match codec {
            "hex" => py
                .import("builtins")?
                .getattr("bytes")?
                .call_method1("fromhex", (s,))?
                .cast_into::<PyBytes>()
                .map_err(Into::into),
            "base64" | "base64url" => {
                let b64 = py.import("base64")?;
                let f = if codec == "base64" {
                    "b64decode"
                } else {
                    "urlsafe_b64decode"
                };
                b64.call_method1(f, (s,))?
                    .cast_into::<PyBytes>()
                    .map_err(Into::into)
            }
            _ => s
                .call_method1(intern!(py, "encode"), (codec, "replace"))?
                .cast_into::<PyBytes>()
                .map_err(Into::into),
        };
    }
    Err(Error::invalid_arg_type(
        "chunk",
        "of type string or an instance of Buffer, TypedArray, or DataView",
        &to_value(data),
    )
    .into())
}

impl PySocket {
    fn blank(allow_half_open: bool, hwm: usize) -> Self {
        PySocket {
            owner: 0,
            m: SocketMachine::new(allow_half_open, hwm, hwm),
            conn: None,
            ctx: None,
            pending: VecDeque::new(),
            flush_scheduled: false,
            callbacks: FxHashMap::default(),
            foreign_errors: FxHashMap::default(),
            next_callback: 1,
            decoder: None,
            timeout: None,
            no_delay: false,
            keep_alive: None,
            server: None,
            refed: true,
            counted: false,
            local: None,
            remote: None,
            host: String::new(),
            port: 0,
            destroy_on_finish: false,
            block_list: None,
            type_of_service: None,
            auto_select: false,
            left_server: false,
            pending_fd: None,
            deferred_plan: None,
            onread: None,
            path_connect: false,
            pending_plan: None,
            attempted: None,
            core_pipe: None,
        }
    }

    /// A socket for a connection a server accepted.
    pub fn accepted<'py>(
        py: Python<'py>,
        ctx: &Bound<'py, LoopCtx>,
        conn: Arc<Conn>,
        server: &Bound<'py, PyAny>,
        allow_half_open: bool,
        paused: bool,
        hwm: usize,
    ) -> PyResult<Bound<'py, PySocket>> {
        let mut me = PySocket::blank(allow_half_open, hwm);
        me.m.accepted(paused);
        me.conn = Some(Arc::clone(&conn));
        me.ctx = Some(ctx.clone().unbind());
        me.owner = thread_id();
        me.server = Some(server.clone().unbind());
        let init = PyClassInitializer::from(EventEmitter::with_listener_hook(py, listener_changed))
            .add_subclass(me);
        let sock = Bound::new(py, init)?;
        ctx.borrow_mut()
            .register_socket(conn.id, sock.clone().unbind());
        Self::update_liveness(&sock)?;
        Ok(sock)
    }

    fn ctx<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, LoopCtx>> {
        let py = slf.py();
        if let Some(c) = &slf.borrow().ctx {
            return Ok(c.clone_ref(py).into_bound(py));
        }
        let ctx = LoopCtx::current(py)?;
        let mut me = slf.borrow_mut();
        me.ctx = Some(ctx.clone_ref(py));
        me.owner = thread_id();
        drop(me);
        Ok(ctx.into_bound(py))
    }

    /// Refuses a call from a thread other than the socket's loop's.
    fn owned(slf: &Bound<'_, Self>) -> PyResult<()> {
        check_thread(slf.borrow().owner, "Socket")
    }

    fn callback_id(&mut self, cb: Option<&Bound<'_, PyAny>>) -> u64 {
        match cb {
            Some(cb) if !cb.is_none() => {
                let id = self.next_callback;
                self.next_callback += 1;
                self.callbacks.insert(id, cb.clone().unbind());
                id
            }
            _ => 0,
        }
    }

    /// Carries out the machine's outputs: commands now, events now
    /// (`defer` false: we are in a fresh tick) or on a later tick.
    fn step(slf: &Bound<'_, Self>, defer: bool) -> PyResult<()> {
        loop {
            let out = slf.borrow_mut().m.poll();
            let Some(out) = out else { break };
            match out {
                Output::Io(io) => Self::command(slf, io),
                Output::Emit(e) => {
                    let queue = defer || !slf.borrow().pending.is_empty();
                    if queue {
                        slf.borrow_mut().pending.push_back(e);
                        Self::schedule_flush(slf)?;
                    } else {
                        Self::emit_now(slf, e)?;
                    }
                }
            }
        }
        Self::update_liveness(slf)
    }

    fn schedule_flush(slf: &Bound<'_, Self>) -> PyResult<()> {
        if std::mem::replace(&mut slf.borrow_mut().flush_scheduled, true) {
            return Ok(());
        }
        let ctx = Self::ctx(slf)?;
        LoopCtx::defer(&ctx, Tick::Socket(slf.clone().unbind()))
    }

    /// Emits what was deferred (the context calls this on a later tick).
    pub fn flush_pending(slf: &Bound<'_, Self>) -> PyResult<()> {
        slf.borrow_mut().flush_scheduled = false;
        loop {
            let e = slf.borrow_mut().pending.pop_front();
            let Some(e) = e else { break };
            let emitted = Self::emit_one(slf, e);
            // Outputs of what the listener did come after what was pending.
            Self::step(slf, true)?;
            if let Err(err) = emitted {
                // A listener raised (reported by the caller): the rest
                // still comes, on a later tick.
                if !slf.borrow().pending.is_empty() {
                    Self::schedule_flush(slf)?;
                }
                return Err(err);
            }
        }
        Self::update_liveness(slf)
    }

    fn command(slf: &Bound<'_, Self>, io: Io) {
        if matches!(io, Io::Close { .. }) {
            Self::leave_server(slf);
        }
        let conn = slf.borrow().conn.clone();
        let Some(conn) = conn else { return };
        match io {
            Io::StartReading => conn.set_reading(true),
            Io::StopReading => conn.set_reading(false),
            Io::Shutdown => conn.shutdown(),
            Io::Close { reset } => conn.close(reset),
        }
    }

    /// Emits one event in the current tick. A listener that raised is
    /// reported by the caller; what follows still happens, on a later tick,
    /// so that the socket still closes and its server learns it.
    fn emit_now(slf: &Bound<'_, Self>, e: Emit) -> PyResult<()> {
        if let Err(err) = Self::emit_one(slf, e) {
            Self::step(slf, true)?;
            return Err(err);
        }
        Ok(())
    }

    fn emit_one(slf: &Bound<'_, Self>, e: Emit) -> PyResult<()> {
        let py = slf.py();
        let emitter = slf.as_super();
        match e {
            Emit::Connect => {
                emit(emitter, intern!(py, "connect"), ())?;
            }
            Emit::Ready => {
                emit(emitter, intern!(py, "ready"), ())?;
            }
            Emit::Data(chunk) => Self::emit_data(slf, &chunk)?,
            Emit::End => {
                let decoder = slf.borrow().decoder.as_ref().map(|d| d.clone_ref(py));
                if let Some(d) = decoder {
                    let rest = d.bind(py).call_method(
                        intern!(py, "decode"),
                        (b"".as_slice(),),
                        Some(&[("final", true)].into_py_dict(py)?),
                    )?;
                    if rest.len()? > 0 {
                        emit(emitter, intern!(py, "data"), (rest,))?;
                    }
                }
                emit(emitter, intern!(py, "end"), ())?;
                // Node ends its own side on the tick after 'end': writes made
                // by 'end' listeners still go out.
                slf.borrow_mut().m.end_emitted();
            }
            Emit::Prefinish => {
                emit(emitter, intern!(py, "prefinish"), ())?;
            }
            Emit::Finish => {
                emit(emitter, intern!(py, "finish"), ())?;
                if slf.borrow().destroy_on_finish {
                    slf.borrow_mut().m.destroy(None);
                }
            }
            Emit::Drain => {
                emit(emitter, intern!(py, "drain"), ())?;
            }
            Emit::Timeout => {
                emit(emitter, intern!(py, "timeout"), ())?;
            }
            Emit::Error(err) => {
                let exc = Self::exception(slf, err);
                emit(emitter, intern!(py, "error"), (exc,))?;
            }
            Emit::Close(had_error) => {
                Self::update_liveness(slf)?;
                match had_error {
                    Some(h) => emit(emitter, intern!(py, "close"), (h,))?,
                    None => emit(emitter, intern!(py, "close"), ())?,
                };
                Self::leave_server(slf);
            }
            Emit::Callback(id, err) => {
                let cb = slf.borrow_mut().callbacks.remove(&id);
                if let Some(cb) = cb {
                    match err {
                        Some(e) => cb.bind(py).call1((Self::exception(slf, e),))?,
                        None => cb.bind(py).call1((py.None(),))?,
                    };
                }
            }
        }
        Ok(())
    }

    /// Tells the accepting server once that this connection is gone (Node
    /// does it in `_destroy`, so the server's `'close'` can precede the
    /// socket's).
    fn leave_server(slf: &Bound<'_, Self>) {
        let py = slf.py();
        let server = {
            let mut me = slf.borrow_mut();
            if me.left_server {
                return;
            }
            me.left_server = true;
            me.server.as_ref().map(|s| s.clone_ref(py))
        };
        if let Some(server) = server {
            if let Ok(server) = server.bind(py).cast::<super::server::PyServer>() {
                if let Err(e) = super::server::PyServer::connection_closed(server) {
                    if let Ok(ctx) = Self::ctx(slf) {
                        LoopCtx::report(&ctx, e);
                    }
                }
            }
        }
    }

    /// The Python exception for an error (the caller's own object for
    /// `destroy(err)`).
    fn exception(slf: &Bound<'_, Self>, err: Error) -> Py<PyAny> {
        let py = slf.py();
        if let Error::Foreign(id) = err {
            if let Some(obj) = slf.borrow().foreign_errors.get(&id) {
                return obj.clone_ref(py);
            }
        }
        PyErr::from(err).into_value(py).into_any()
    }

    fn emit_data(slf: &Bound<'_, Self>, chunk: &Bytes) -> PyResult<()> {
        enum Route {
            Pipe(Py<PySocket>),
            OnRead(Py<PyAny>, Py<PyAny>),
            Text(Py<PyAny>),
            Bytes,
        }
        let py = slf.py();
        // Decided in one borrow; `bytes` to the 'data' listeners, the
        // common case, clones nothing.
        let route = {
            let me = slf.borrow();
            match (&me.core_pipe, &me.onread, &me.decoder) {
                (Some(p), _, _) => Route::Pipe(p.dest.clone_ref(py)),
                (None, Some((b, c)), _) => Route::OnRead(b.clone_ref(py), c.clone_ref(py)),
                (None, None, Some(d)) => Route::Text(d.clone_ref(py)),
                (None, None, None) => Route::Bytes,
            }
        };
        match route {
            Route::Pipe(dest) => {
                // Read before the core pipe took over: it goes the same way.
                let bytes = PyBytes::new(py, chunk);
                Self::write_bytes(dest.bind(py), &bytes, None)?;
            }
            Route::OnRead(buffer, callback) => {
                Self::deliver_onread(slf, chunk, buffer.bind(py), callback.bind(py))?;
            }
            Route::Text(decoder) => {
                let bytes = PyBytes::new(py, chunk);
                let text = decoder
                    .bind(py)
                    .call_method1(intern!(py, "decode"), (bytes,))?;
                if text.len()? > 0 {
                    emit(slf.as_super(), intern!(py, "data"), (text,))?;
                }
            }
            Route::Bytes => {
                let bytes = PyBytes::new(py, chunk);
                emit_event1(slf.as_super(), intern!(py, "data"), bytes.as_any())?;
            }
        }
        Ok(())
    }

    /// Whether a chunk can skip the state machine's queue: emitted at once,
    /// with nothing deferred before it (`emit_data` then delivers it as the
    /// queue would: as `bytes` or text, to `onread` or a core pipe).
    fn pass_data(slf: &Bound<'_, Self>, len: usize) -> bool {
        let mut me = slf.borrow_mut();
        me.pending.is_empty() && me.m.pass_data(len)
    }

    /// Node's `onread` mode: the bytes land in the caller's buffer (a
    /// writable buffer, or a function returning one), at most its length
    /// at a time, and `callback(nread, buf)` sees them; returning `False`
    /// stops reading. No `'data'` events.
    fn deliver_onread(
        slf: &Bound<'_, Self>,
        chunk: &Bytes,
        buffer: &Bound<'_, PyAny>,
        callback: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let mut rest: &[u8] = chunk;
        let mut stop = false;
        while !rest.is_empty() {
            let buf = if buffer.is_callable() {
                buffer.call0()?
            } else {
                buffer.clone()
            };
            let view = py
                .import("builtins")?
                .getattr("memoryview")?
                .call1((&buf,))?
                .call_method1("cast", ("B",))?;
            let room = view.len()?;
            if room == 0 {
                break;
            }
            let n = room.min(rest.len());
            view.set_item(
                pyo3::types::PySlice::new(py, 0, n as isize, 1),
                PyBytes::new(py, &rest[..n]),
            )?;
            rest = &rest[n..];
            if callback
                .call1((n, &buf))?
                .is(pyo3::types::PyBool::new(py, false))
            {
                stop = true;
            }
        }
        if stop {
            slf.borrow_mut().m.pause();
            Self::step(slf, true)?;
        }
        Ok(())
    }

    /// Keeps the loop context's count of active handles right.
    fn update_liveness(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let mut me = slf.borrow_mut();
        let want = me.refed && me.m.is_active();
        if me.counted == want {
            return Ok(());
        }
        let ctx = me.ctx.as_ref().map(|c| c.clone_ref(py));
        LoopCtx::track(py, ctx.as_ref(), &mut me.counted, want)
    }

    /// An I/O event for this socket.
    pub fn on_event(slf: &Bound<'_, Self>, event: Event) -> PyResult<()> {
        let py = slf.py();
        if !slf.borrow().pending.is_empty() {
            Self::flush_pending(slf)?;
        }
        match event {
            Event::Data { data, .. } => {
                // The common case: the listeners are called straight from
                // the event. Whatever they do steps the machine itself, and
                // a chunk changes neither the outputs nor whether the socket
                // is active, so no step follows unless a listener raised.
                if Self::pass_data(slf, data.len()) {
                    return Self::emit_now(slf, Emit::Data(data));
                }
                slf.borrow_mut().m.handle_data(data);
            }
            Event::Eof { .. } => slf.borrow_mut().m.handle_eof(),
            Event::WriteDone { count, .. } => slf.borrow_mut().m.handle_write_done(count),
            Event::ShutdownDone { .. } => slf.borrow_mut().m.handle_shutdown_done(),
            Event::IoError { error, .. } => slf.borrow_mut().m.handle_io_error(error.into()),
            Event::Timeout { .. } => slf.borrow_mut().m.handle_timeout(),
            Event::PipeReady { .. } => {
                // Every chunk read before the pipe has been written on.
                if let Some(conn) = &slf.borrow().conn {
                    conn.pipe_start();
                }
            }
            Event::Closed { .. } => slf.borrow_mut().m.handle_closed(),
            Event::Lookup { result, .. } => {
                let (host, all) = {
                    let me = slf.borrow();
                    (me.host.clone(), me.auto_select)
                };
                match result {
                    // One 'lookup' per address with Happy Eyeballs, else one.
                    Ok(ips) => {
                        for ip in ips.iter().take(if all { ips.len() } else { 1 }) {
                            emit(
                                slf.as_super(),
                                intern!(py, "lookup"),
                                (py.None(), ip.to_string(), family_of(ip), &host),
                            )?;
                        }
                    }
                    Err(error) => {
                        let exc = PyErr::from(Error::from(error)).into_value(py);
                        emit(
                            slf.as_super(),
                            intern!(py, "lookup"),
                            (exc, py.None(), py.None(), host),
                        )?;
                    }
                }
            }
            Event::Attempt { addr, he, .. } => {
                if he {
                    let mut me = slf.borrow_mut();
                    let text = format!("{}:{}", addr.ip(), addr.port());
                    me.attempted.get_or_insert_with(Vec::new).push(text);
                }
                emit(
                    slf.as_super(),
                    intern!(py, "connectionAttempt"),
                    (addr.ip().to_string(), addr.port(), family_of(&addr.ip())),
                )?;
            }
            Event::AttemptFailed { addr, error, .. } => {
                let exc = Self::exception(slf, error);
                emit(
                    slf.as_super(),
                    intern!(py, "connectionAttemptFailed"),
                    (
                        addr.ip().to_string(),
                        addr.port(),
                        family_of(&addr.ip()),
                        exc,
                    ),
                )?;
            }
            Event::AttemptTimeout { addr, .. } => {
                emit(
                    slf.as_super(),
                    intern!(py, "connectionAttemptTimeout"),
                    (addr.ip().to_string(), addr.port(), family_of(&addr.ip())),
                )?;
            }
            Event::Connected { .. } => {
                let mut me = slf.borrow_mut();
                if let Some(conn) = me.conn.clone() {
                    let (no_delay, keep_alive) = (me.no_delay, me.keep_alive);
                    conn.with_socket(|s| {
                        if no_delay {
                            let _ = s.set_tcp_nodelay(true);
                        }
                        if let Some((true, delay)) = keep_alive {
                            let _ = apply_keep_alive(&s, true, delay);
                        }
                    });
                }
                me.m.handle_connected();
            }
            Event::ConnectFailed {
                errors, aggregate, ..
            } => {
                if aggregate {
                    slf.borrow_mut().attempted.get_or_insert_with(Vec::new);
                }
                // A pipe's failed connect is reported as a failed attempt
                // at the path, as Node does.
                let path_failed = {
                    let me = slf.borrow();
                    me.path_connect.then(|| me.host.clone())
                };
                if let (Some(path), Some(error)) = (path_failed, errors.first()) {
                    let exc = Self::exception(slf, error.clone());
                    emit(
                        slf.as_super(),
                        intern!(py, "connectionAttemptFailed"),
                        (path, py.None(), py.None(), exc),
                    )?;
                }
                let error = if aggregate {
                    // Node's AggregateError: every attempt's error, the
                    // first one's code; none at all means they were cut short.
                    if errors.is_empty() {
                        Error::SocketConnectionTimeout
                    } else {
                        let excs: Vec<Py<PyAny>> = errors
                            .into_iter()
                            .map(|e| Self::exception(slf, e))
                            .collect();
                        let agg = py
                            .import("tokionet._errors")?
                            .getattr("AggregateError")?
                            .call1((excs,))?;
                        Self::foreign(slf, agg.unbind())
                    }
                } else {
                    errors
                        .into_iter()
                        .next()
                        .unwrap_or(Error::SocketConnectionTimeout)
                };
                slf.borrow_mut().m.handle_connect_failed(error);
            }
            Event::Accepted { .. } | Event::AcceptError { .. } | Event::ServerLookup { .. } => {}
        }
        Self::step(slf, false)
    }

    /// A connection under way: the machine connecting, a fresh connection
    /// registered with the loop, the socket's idle timeout applied.
    fn start_connect(
        slf: &Bound<'_, Self>,
        host: &str,
        port: u16,
        he: bool,
    ) -> PyResult<Arc<Conn>> {
        let py = slf.py();
        let ctx = Self::ctx(slf)?;
        let reading = slf.borrow().m.flow() != Flow::Paused;
        let conn = Conn::new(&ctx.borrow().hub, reading);
        {
            let mut me = slf.borrow_mut();
            me.m.connect();
            me.conn = Some(Arc::clone(&conn));
            host.clone_into(&mut me.host);
            me.path_connect = false;
            me.port = port;
            me.local = None;
            me.remote = None;
            me.auto_select = he;
            me.attempted = None;
        }
        let timeout_ms = slf
            .borrow()
            .timeout
            .as_ref()
            .map(|t| t.bind(py).extract::<f64>().unwrap_or(0.0));
        if let Some(ms) = timeout_ms {
            conn.set_timeout(ms.min(TIMEOUT_MAX) as u64);
        }
        ctx.borrow_mut()
            .register_socket(conn.id, slf.clone().unbind());
        Ok(conn)
    }

    /// The callback handed to a caller's `lookup`: `(err, address, family)`,
    /// or `(err, [{address, family}, ...])` when all addresses were asked for.
    fn on_lookup(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        let py = slf.py();
        let Some((port, local, auto_select)) = slf.borrow_mut().pending_plan.take() else {
            return Ok(());
        };
        if !slf.borrow().m.connecting() {
            return Ok(());
        }
        let host = slf.borrow().host.clone();
        let arg = |i: usize| args.get_item(i).ok().filter(|a| !a.is_none());
        if let Some(err) = arg(0) {
            emit(
                slf.as_super(),
                intern!(py, "lookup"),
                (&err, py.None(), py.None(), &host),
            )?;
            let e = Self::foreign(slf, err.unbind());
            slf.borrow_mut().m.handle_connect_failed(e);
            return Self::step(slf, true);
        }
        // (address, family) pairs, as given.
        let mut entries: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = Vec::new();
        match arg(1) {
            Some(list) if list.is_instance_of::<pyo3::types::PyList>() && auto_select.is_some() => {
                for item in list.try_iter()? {
                    let item = item?;
                    entries.push((item.get_item("address")?, item.get_item("family")?));
                }
            }
            Some(a) => entries.push((a, arg(2).unwrap_or_else(|| py.None().into_bound(py)))),
            None => entries.push((py.None().into_bound(py), py.None().into_bound(py))),
        }
        let mut ips = Vec::new();
        let mut first_error = None;
        for (address, family) in &entries {
            let fam = to_value(family).as_number().unwrap_or(f64::NAN);
            emit(
                slf.as_super(),
                intern!(py, "lookup"),
                (py.None(), address, family, &host),
            )?;
            let text = address.extract::<String>().ok().filter(|t| is_ip(t) != 0);
            match (text, fam) {
                (Some(t), f) if f == 4.0 || f == 6.0 => {
                    if let Ok(ip) = t.parse::<IpAddr>() {
                        ips.push(ip);
                    }
                }
                (None, _) => {
                    first_error.get_or_insert(Error::InvalidIpAddress(to_value(address).inspect()));
                }
                (Some(_), _) => {
                    first_error.get_or_insert(Error::InvalidAddressFamily {
                        family: to_value(family).inspect(),
                        host: host.clone(),
                        port: port.to_string(),
                    });
                }
            }
        }
        if ips.is_empty() {
            let e = first_error.unwrap_or_else(|| Error::InvalidIpAddress("undefined".into()));
            slf.borrow_mut().m.handle_connect_failed(e);
            return Self::step(slf, true);
        }
        let (conn, block_list) = {
            let me = slf.borrow();
            (
                me.conn.clone(),
                me.block_list.as_ref().map(|b| b.clone_ref(py)),
            )
        };
        let block_list = block_list.and_then(|b| {
            b.bind(py)
                .cast::<super::blocklist::PyBlockList>()
                .ok()
                .map(|b| Arc::clone(&b.get().inner))
        });
        if let Some(conn) = conn {
            conn.spawn_connect(ConnectPlan {
                target: Target::Resolved { ips, port },
                local,
                auto_select,
                block_list,
            });
        }
        Ok(())
    }

    /// Node's `_getsockname()`: nothing once the handle is gone, even if it
    /// was read before.
    fn sockname(&mut self) -> Option<SocketAddr> {
        if !self.m.has_handle() || self.m.destroyed() {
            return None;
        }
        if self.local.is_none() {
            self.local = self.conn.as_ref().and_then(|c| c.local_addr());
        }
        self.local
    }

    /// Node's `_getpeername()`: once read it outlives the handle; unread, it
    /// is gone with the handle (or with the connection, if the kernel no
    /// longer has a peer to report).
    fn peername(&mut self) -> Option<SocketAddr> {
        if self.remote.is_none()
            && self.m.has_handle()
            && !self.m.destroyed()
            && !self.m.connecting()
        {
            self.remote = self.conn.as_ref().and_then(|c| c.peer_addr());
        }
        self.remote
    }

    /// Ends the core pipe into `dest` (or into anything): what is read goes
    /// to `'data'` listeners again. `announce`: emit `'unpipe'` on the
    /// destination, as `unpipe()` does (not when the pipe goes on through
    /// listeners). Returns the destination and the pipe's `end` flag.
    pub(crate) fn core_unpipe(
        slf: &Bound<'_, Self>,
        dest: Option<&Bound<'_, PyAny>>,
        announce: bool,
    ) -> PyResult<Option<(Py<PySocket>, bool)>> {
        let core = {
            let mut me = slf.borrow_mut();
            if !me
                .core_pipe
                .as_ref()
                .is_some_and(|p| dest.is_none_or(|d| d.is(&p.dest)))
            {
                return Ok(None);
            }
            if let Some(conn) = &me.conn {
                conn.pipe_to(None);
            }
            me.core_pipe.take().expect("checked above")
        };
        let end = pipe::detach(slf, &core)?;
        if announce {
            let py = slf.py();
            emit(core.dest.bind(py).as_super(), intern!(py, "unpipe"), (slf,))?;
        }
        Ok(Some((core.dest, end)))
    }

    /// Holds a caller's (or a composite) error object for the machine.
    fn foreign(slf: &Bound<'_, Self>, obj: Py<PyAny>) -> Error {
        let mut me = slf.borrow_mut();
        let id = me.next_callback;
        me.next_callback += 1;
        me.foreign_errors.insert(id, obj);
        Error::Foreign(id)
    }

    /// After an uncaught error under `run()`: close without listeners.
    pub fn abandon(slf: &Bound<'_, Self>) {
        let mut me = slf.borrow_mut();
        me.pending.clear();
        if let Some(conn) = me.conn.take() {
            conn.close(false);
        }
        // No 'close' will unpipe it, and the collector cannot see this
        // reference (to the socket itself, for an echo): it would keep both
        // sockets, and their loop's descriptors, alive for good.
        me.core_pipe = None;
        me.m.destroy(None);
        while me.m.poll().is_some() {}
        me.counted = false;
    }

    /// `connect()` once its arguments are normalised.
    fn connect_with(
        slf: &Bound<'_, Self>,
        options: &Options<'_>,
        callback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        if let Some(cb) = callback {
            slf.call_method1(intern!(py, "once"), ("connect", cb))?;
        }
        if slf.borrow().m.connecting() {
            return Ok(());
        }
        let port_v = options.value("port");
        let path_v = options.value("path");
        if matches!(port_v, Value::Undefined) && path_v.is_nullish() {
            return Err(Error::MissingArgs.into());
        }
        if path_v.truthy() {
            let path = validate_string(&path_v, "options.path")?.to_string();
            let conn = Self::start_connect(slf, &path, 0, false)?;
            slf.borrow_mut().path_connect = true;
            conn.spawn_connect(ConnectPlan {
                target: Target::Path(path),
                local: None,
                auto_select: None,
                block_list: None,
            });
            return Self::update_liveness(slf);
        }
        // lookupAndConnect's validation, in Node's order.
        let host_v = options.value("host");
        let host = if host_v.truthy() {
            host_v
        } else {
            Value::str("localhost")
        };
        let host = validate_string(&host, "options.host")?.to_string();
        if host.contains('\0') {
            return Err(Error::invalid_arg_value(
                "options.host",
                &Value::Str(host),
                "must be a string without null bytes",
            )
            .into());
        }
        let local_address = options.value("localAddress");
        if local_address.truthy() {
            let text = validate_string(&local_address, "options.localAddress").unwrap_or("");
            if is_ip(text) == 0 {
                return Err(Error::InvalidIpAddress(local_address_text(&local_address)).into());
            }
        }
        let local_port = options.value("localPort");
        if local_port.truthy() {
            validate_number(&local_port, "options.localPort")?;
        }
        let mut port = 0;
        if !matches!(port_v, Value::Undefined) {
            if !matches!(port_v, Value::Int(_) | Value::Float(_) | Value::Str(_)) {
                return Err(Error::invalid_arg_type(
                    "options.port",
                    "one of type number or string",
                    &port_v,
                )
                .into());
            }
            port = validate_port(&port_v, "Port")?;
        }
        let ase = options.value("autoSelectFamily");
        let auto_select = if ase.is_nullish() {
            config::default_auto_select_family()
        } else {
            validate_boolean(&ase, "options.autoSelectFamily")?
        };
        let asfat = options.value("autoSelectFamilyAttemptTimeout");
        let attempt_timeout = if asfat.is_nullish() {
            config::default_auto_select_family_attempt_timeout()
        } else {
            config::attempt_timeout(&asfat, "options.autoSelectFamilyAttemptTimeout")?
        };
        let family = options.value("family");
        let ip_literal = is_ip(&host) != 0;
        let mut fam = 0u8;
        if !ip_literal {
            let lookup = options.value("lookup");
            if !lookup.is_nullish()
                && !matches!(
                    &lookup,
                    Value::Other {
                        function: Some(_),
                        ..
                    }
                )
            {
                return Err(
                    Error::invalid_arg_type("options.lookup", "of type function", &lookup).into(),
                );
            }
            fam = match &family {
                Value::Str(s) if s == "IPv4" => 4,
                Value::Str(s) if s == "IPv6" => 6,
                Value::Undefined | Value::Null => 0,
                v => match v.as_number() {
                    Some(n) if n == 0.0 || n == 4.0 || n == 6.0 => n as u8,
                    _ => {
                        return Err(Error::InvalidArgValue {
                            name: "options.family".into(),
                            reason: "must be one of: 0, 4, 6".into(),
                            received: v.inspect(),
                        }
                        .into())
                    }
                },
            };
            let hints = options.value("hints");
            if hints.truthy() {
                validate_number(&hints, "options.hints")?;
            }
        }
        let local = if local_address.truthy() || local_port.truthy() {
            let ip: IpAddr = match &local_address {
                Value::Str(s) if !s.is_empty() => {
                    s.parse().map_err(|_| Error::InvalidIpAddress(s.clone()))?
                }
                _ => {
                    if is_ip(&host) == 6 {
                        IpAddr::from([0u16; 8])
                    } else {
                        IpAddr::from([0u8; 4])
                    }
                }
            };
            let lp = local_port.as_number().unwrap_or(0.0) as u16;
            Some(SocketAddr::new(ip, lp))
        } else {
            None
        };

        // Node tries several addresses only for a host name looked up with
        // no family and no local address.
        let he = auto_select && !ip_literal && fam == 0 && !local_address.truthy();
        let conn = Self::start_connect(slf, &host, port, he)?;
        let lookup = options
            .get("lookup")
            .filter(|l| !ip_literal && l.is_callable());
        if let Some(lookup) = lookup {
            // A caller's own resolver, called as dns.lookup is; its answer
            // starts the attempts.
            let hints = options.get("hints").filter(|h| to_value(h).truthy());
            slf.borrow_mut().pending_plan = Some((
                port,
                local,
                he.then(|| std::time::Duration::from_millis(u64::from(attempt_timeout))),
            ));
            let lookup_options = PyDict::new(py);
            // Node's dnsopts: family 4/6 or undefined; hints ADDRCONFIG (32)
            // when no family and no hints were given.
            lookup_options.set_item("family", (fam != 0).then_some(fam))?;
            let hints = match hints {
                Some(h) => h,
                None if fam == 0 => 32i64.into_pyobject(py)?.into_any(),
                None => 0i64.into_pyobject(py)?.into_any(),
            };
            lookup_options.set_item("hints", hints)?;
            lookup_options.set_item("all", he)?;
            let sock = slf.clone().unbind();
            let cb = pyo3::types::PyCFunction::new_closure(
                py,
                None,
                None,
                move |args: &Bound<'_, PyTuple>, _kw: Option<&Bound<'_, PyDict>>| -> PyResult<()> {
                    PySocket::on_lookup(sock.bind(args.py()), args)
                },
            )?;
            lookup.call1((&host, lookup_options, cb))?;
            return Self::update_liveness(slf);
        }
        let target = if ip_literal {
            let ip: IpAddr = host
                .split('%')
                .next()
                .unwrap_or(&host)
                .parse()
                .map_err(|_| Error::InvalidIpAddress(host.clone()))?;
            Target::Addr(SocketAddr::new(ip, port))
        } else {
            Target::Host {
                host,
                port,
                family: fam,
                // Node: the caller's hints, else ADDRCONFIG when no family.
                hints: match options.value("hints").as_number() {
                    Some(h) if h != 0.0 => h as i32,
                    _ if fam == 0 => crate::driver::resolve::ADDRCONFIG,
                    _ => 0,
                },
            }
        };
        let block_list = slf.borrow().block_list.as_ref().and_then(|b| {
            b.bind(py)
                .cast::<super::blocklist::PyBlockList>()
                .ok()
                .map(|b| Arc::clone(&b.get().inner))
        });
        let plan = ConnectPlan {
            target,
            local,
            auto_select: he.then(|| std::time::Duration::from_millis(u64::from(attempt_timeout))),
            block_list,
        };
        if ip_literal {
            // Node connects to an address on the next tick: an abort or a
            // destroy in between means no connection is ever made.
            slf.borrow_mut().deferred_plan = Some(plan);
            let ctx = Self::ctx(slf)?;
            let f = slf.getattr(intern!(py, "_begin_connect"))?.unbind();
            LoopCtx::defer(&ctx, Tick::Call(f, PyTuple::empty(py).unbind()))?;
        } else {
            conn.spawn_connect(plan);
        }
        Self::update_liveness(slf)
    }
}

/// A `'data'` listener starts the flow (Node's Readable overrides `on` for
/// this).
fn listener_changed(
    emitter: &Bound<'_, EventEmitter>,
    name: &Bound<'_, PyAny>,
    change: ListenerChange,
) -> PyResult<()> {
    if change != ListenerChange::Added || name.extract::<&str>().ok() != Some("data") {
        return Ok(());
    }
    let Ok(sock) = emitter.cast::<PySocket>() else {
        return Ok(());
    };
    let py = sock.py();
    if let Some((dest, end)) = PySocket::core_unpipe(sock, None, false)? {
        // Someone else wants the bytes too: the pipe goes on through listeners.
        py.import("tokionet._stream")?
            .call_method1("demote_core_pipe", (sock, dest, end))?;
    }
    sock.borrow_mut().m.data_listener_added();
    PySocket::step(sock, true)
}

fn local_address_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.inspect(),
    }
}

fn apply_keep_alive(
    s: &socket2::SockRef<'_>,
    enable: bool,
    delay_secs: u32,
) -> std::io::Result<()> {
    s.set_keepalive(enable)?;
    if enable && delay_secs > 0 {
        let ka = socket2::TcpKeepalive::new()
            .with_time(std::time::Duration::from_secs(u64::from(delay_secs)))
            .with_interval(std::time::Duration::from_secs(1))
            .with_retries(10);
        s.set_tcp_keepalive(&ka)?;
    }
    Ok(())
}

/// `typeOfService` / `setTypeOfService(tos)`: an integer from 0 to 255.
fn validate_tos(v: &Value, name: &str) -> Result<u8, Error> {
    if v.as_number().is_none_or(f64::is_nan) {
        return Err(Error::invalid_arg_type(name, "of type number", v));
    }
    Ok(validate_int32(v, name, 0, 255)? as u8)
}

fn apply_tos(s: &socket2::SockRef<'_>, tos: u8) -> std::io::Result<()> {
    match s.local_addr()?.as_socket() {
        Some(std::net::SocketAddr::V6(_)) => s.set_tclass_v6(u32::from(tos)),
        _ => s.set_tos_v4(u32::from(tos)),
    }
}

/// Node's `~~(ms / 1000)` for keep-alive delays.
fn seconds(ms: f64) -> u32 {
    if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0).trunc() as u32
    } else {
        0
    }
}

trait IntoPyDictExt<'py> {
    fn into_py_dict(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>>;
}

impl<'py> IntoPyDictExt<'py> for [(&str, bool); 1] {
    fn into_py_dict(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
}

#[pymethods]
impl PySocket {
    /// `Socket(options=None, /, **kwargs)`.
    #[new]
    #[pyo3(signature = (options = Arg::undefined(), /, **kwargs))]
    fn new(
        py: Python<'_>,
        options: Arg<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let opts = Options::empty(py);
        match &options.0 {
            Some(o)
                if o.cast::<pyo3::types::PyMapping>().is_ok()
                    && !o.is_instance_of::<PyString>() =>
            {
                opts.merge(o)?;
            }
            Some(o) if !o.is_none() => {
                // A number is a descriptor (`new Socket(fd)`).
                opts.set("fd", o)?;
            }
            _ => {}
        }
        if let Some(kw) = kwargs {
            opts.merge(kw.as_any())?;
        }
        for key in ["objectMode", "readableObjectMode", "writableObjectMode"] {
            let v = opts.value(key);
            if v.truthy() {
                return Err(Error::invalid_arg_value(
                    format!("options.{key}"),
                    &v,
                    "is not supported",
                )
                .into());
            }
        }
        let kaid = opts.value("keepAliveInitialDelay");
        let mut keep_alive_delay = 0;
        if !matches!(kaid, Value::Undefined) {
            keep_alive_delay = seconds(validate_number(&kaid, "options.keepAliveInitialDelay")?);
        }
        let fd = opts.value("fd");
        let mut pending_fd = None;
        if !matches!(fd, Value::Undefined) {
            let fd = validate_int32(&fd, "fd", 0, i32::MAX)?;
            let kind = crate::driver::stream::guess_handle_type(fd);
            if kind != "TCP" && kind != "PIPE" {
                return Err(Error::InvalidFdType(kind.to_string()).into());
            }
            pending_fd = Some((
                fd,
                kind,
                !matches!(opts.value("readable"), Value::Bool(false)),
            ));
        }
        let signal = opts.value("signal");
        if !matches!(signal, Value::Undefined) {
            let ok = opts
                .get("signal")
                .is_some_and(|s| s.hasattr("aborted").unwrap_or(false));
            if !ok {
                // The Duplex constructor checks it first, under this name.
                return Err(Error::invalid_arg_type(
                    "signal",
                    "an instance of AbortSignal",
                    &signal,
                )
                .into());
            }
        }
        let block_list = opts.get("blockList");
        if let Some(bl) = &block_list {
            if to_value(bl).truthy() && !bl.is_instance_of::<super::blocklist::PyBlockList>() {
                return Err(Error::invalid_arg_type(
                    "options.blockList",
                    "an net.BlockList",
                    &to_value(bl),
                )
                .into());
            }
        }
        let tos = opts.value("typeOfService");
        let type_of_service = if matches!(tos, Value::Undefined) {
            None
        } else {
            Some(validate_tos(&tos, "options.typeOfService")?)
        };
        let allow_half_open = opts.value("allowHalfOpen").truthy();
        let mut me = PySocket::blank(allow_half_open, DEFAULT_HWM);
        me.no_delay = opts.value("noDelay").truthy();
        if opts.value("keepAlive").truthy() {
            me.keep_alive = Some((true, keep_alive_delay));
        }
        me.block_list = block_list.filter(|b| !b.is_none()).map(Bound::unbind);
        me.pending_fd = pending_fd;
        // `onread` is used only when well formed, and silently ignored
        // otherwise, as in Node.
        if let Some(onread) = opts.get("onread").filter(|o| o.cast::<PyDict>().is_ok()) {
            let buffer = onread.get_item("buffer").ok();
            let callback = onread
                .get_item("callback")
                .ok()
                .filter(PyAnyMethods::is_callable);
            if let (Some(buffer), Some(callback)) = (buffer, callback) {
                let usable = buffer.is_callable()
                    || buffer.is_instance_of::<PyByteArray>()
                    || buffer.is_instance_of::<PyMemoryView>();
                if usable {
                    me.onread = Some((buffer.unbind(), callback.unbind()));
                    // The bytes flow to the callback, not to 'data'.
                    me.m.resume();
                    while me.m.poll().is_some() {}
                }
            }
        }
        me.type_of_service = type_of_service;
        me.ctx = LoopCtx::current_opt(py)?;
        me.owner = if me.ctx.is_some() { thread_id() } else { 0 };
        Ok(
            PyClassInitializer::from(EventEmitter::with_listener_hook(py, listener_changed))
                .add_subclass(me),
        )
    }

    /// `socket.connect(options[, cb])`, `(port[, host][, cb])`, `(path[, cb])`.
    #[pyo3(signature = (*args, **kwargs))]
    fn connect<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let (options, callback) = normalize_args(slf.py(), args, kwargs)?;
        Self::connect_with(slf, &options, callback)?;
        Ok(slf.clone())
    }

    /// `write(data, encoding='utf8', callback=None)` -> bool.
    #[pyo3(signature = (data = None, encoding = None, callback = None))]
    fn write(
        slf: &Bound<'_, Self>,
        data: Option<Bound<'_, PyAny>>,
        encoding: Option<Bound<'_, PyAny>>,
        callback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        Self::owned(slf)?;
        let py = slf.py();
        let (encoding, callback) = match encoding {
            Some(e) if e.is_callable() => (None, Some(e)),
            e => (e, callback),
        };
        let data = data.unwrap_or_else(|| py.None().into_bound(py));
        let bytes = chunk_bytes(&data, encoding.as_ref())?;
        if let Some(cb) = &callback {
            if !cb.is_none() && !cb.is_callable() {
                return Err(
                    Error::invalid_arg_type("cb", "of type function", &to_value(cb)).into(),
                );
            }
        }
        let ret = Self::write_bytes(slf, &bytes, callback.as_ref())?;
        Ok(ret)
    }

    /// `end([data[, encoding]][, callback])` -> self.
    #[pyo3(signature = (data = None, encoding = None, callback = None))]
    fn end<'py>(
        slf: &Bound<'py, Self>,
        data: Option<Bound<'py, PyAny>>,
        encoding: Option<Bound<'py, PyAny>>,
        callback: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        // Node's shuffle: end(cb) and end(data, cb).
        let (data, encoding, callback) = match (data, encoding, callback) {
            (Some(d), _, _) if d.is_callable() => (None, None, Some(d)),
            (d, Some(e), _) if e.is_callable() => (d, None, Some(e)),
            other => other,
        };
        if let Some(d) = data.filter(|d| !d.is_none()) {
            let bytes = chunk_bytes(&d, encoding.as_ref())?;
            Self::write_bytes(slf, &bytes, None)?;
        }
        if let Some(cb) = callback.filter(|c| !c.is_none()) {
            slf.call_method1(intern!(py, "once"), ("finish", cb))?;
        }
        slf.borrow_mut().m.end();
        Self::step(slf, true)?;
        Ok(slf.clone())
    }

    /// `destroy([error])` -> self.
    #[pyo3(signature = (error = None))]
    fn destroy<'py>(
        slf: &Bound<'py, Self>,
        error: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let core_err = error.filter(|e| !e.is_none()).map(|e| {
            let mut me = slf.borrow_mut();
            let id = me.next_callback;
            me.next_callback += 1;
            me.foreign_errors.insert(id, e.unbind());
            Error::Foreign(id)
        });
        slf.borrow_mut().m.destroy(core_err);
        Self::step(slf, true)?;
        Ok(slf.clone())
    }

    /// `destroySoon()`: end, then destroy once finished.
    fn destroy_soon(slf: &Bound<'_, Self>) -> PyResult<()> {
        Self::owned(slf)?;
        {
            let mut me = slf.borrow_mut();
            if me.m.writable() {
                me.m.end();
            }
            if me.m.writable_finished() {
                me.m.destroy(None);
            } else {
                me.destroy_on_finish = true;
            }
        }
        Self::step(slf, true)
    }

    /// `resetAndDestroy()` -> self.
    fn reset_and_destroy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        slf.borrow_mut().m.reset_and_destroy();
        Self::step(slf, true)?;
        Ok(slf.clone())
    }

    fn pause<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        slf.borrow_mut().m.pause();
        Self::step(slf, true)?;
        Ok(slf.clone())
    }

    fn resume<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        slf.borrow_mut().m.resume();
        Self::step(slf, true)?;
        Ok(slf.clone())
    }

    fn is_paused(&self) -> bool {
        self.m.flow() == Flow::Paused
    }

    /// `setEncoding([encoding])`: `'data'` then carries `str`, with
    /// characters split across chunks kept whole.
    #[pyo3(signature = (encoding = None))]
    fn set_encoding<'py>(
        slf: &Bound<'py, Self>,
        encoding: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        let enc = match &encoding {
            Some(e) if !e.is_none() => e
                .extract::<String>()
                .map_err(|_| Error::UnknownEncoding(to_value(e).inspect()))?,
            _ => "utf8".to_string(),
        };
        let Some(codec) = codec(&enc) else {
            return Err(Error::UnknownEncoding(enc).into());
        };
        let decoder = if codec == "hex" || codec.starts_with("base64") {
            py.import("tokionet._stream")?
                .call_method1("binary_decoder", (codec,))?
        } else {
            py.import("codecs")?
                .call_method1("getincrementaldecoder", (codec,))?
                .call1(("replace",))?
        };
        slf.borrow_mut().decoder = Some(decoder.unbind());
        Ok(slf.clone())
    }

    /// `setTimeout(timeout[, callback])` -> self.
    #[pyo3(signature = (timeout = Arg::undefined(), callback = Arg::undefined()))]
    fn set_timeout<'py>(
        slf: &Bound<'py, Self>,
        timeout: Arg<'py>,
        callback: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        if slf.borrow().m.destroyed() {
            return Ok(slf.clone());
        }
        slf.borrow_mut().timeout = Some(timeout.0.clone().map_or_else(|| py.None(), Bound::unbind));
        let v = timeout.value();
        let ms = validate_number(&v, "msecs")?;
        if ms < 0.0 || !ms.is_finite() {
            return Err(Error::out_of_range("msecs", "a non-negative finite number", &v).into());
        }
        let ms = if ms > TIMEOUT_MAX {
            let warnings = py.import("warnings")?;
            let category = py
                .import("tokionet._errors")?
                .getattr("TimeoutOverflowWarning")?;
            warnings.call_method1(
                "warn",
                (format!("{} does not fit into a 32-bit signed integer.\nTimer duration was truncated to {}.", v.inspect(), TIMEOUT_MAX as i64), category, 2),
            )?;
            TIMEOUT_MAX
        } else {
            ms
        };
        let cb = callback.0.clone();
        if let Some(cb) = &cb {
            if !cb.is_callable() {
                return Err(
                    Error::invalid_arg_type("callback", "of type function", &to_value(cb)).into(),
                );
            }
        }
        if let Some(conn) = slf.borrow().conn.clone() {
            conn.set_timeout(ms as u64);
        }
        if let Some(cb) = cb {
            if ms == 0.0 {
                slf.call_method1(intern!(py, "remove_listener"), ("timeout", cb))?;
            } else {
                slf.call_method1(intern!(py, "once"), ("timeout", cb))?;
            }
        }
        Ok(slf.clone())
    }

    /// `setNoDelay([noDelay=True])` -> self.
    #[pyo3(signature = (no_delay = Arg::undefined()))]
    fn set_no_delay<'py>(slf: &Bound<'py, Self>, no_delay: Arg<'py>) -> Bound<'py, Self> {
        let v = no_delay.value();
        let enable = matches!(v, Value::Undefined) || v.truthy();
        let mut me = slf.borrow_mut();
        if me.no_delay != enable || me.conn.is_none() {
            me.no_delay = enable;
            if let Some(conn) = &me.conn {
                conn.with_socket(|s| s.set_tcp_nodelay(enable));
            }
        }
        drop(me);
        slf.clone()
    }

    /// `setKeepAlive([enable=False][, initialDelay=0])` -> self.
    #[pyo3(signature = (enable = Arg::undefined(), initial_delay = Arg::undefined()))]
    fn set_keep_alive<'py>(
        slf: &Bound<'py, Self>,
        enable: Arg<'py>,
        initial_delay: Arg<'py>,
    ) -> Bound<'py, Self> {
        let enable = enable.value().truthy();
        let delay = seconds(crate::validate::to_number(&initial_delay.value()));
        let mut me = slf.borrow_mut();
        me.keep_alive = Some((enable, delay));
        if let Some(conn) = &me.conn {
            conn.with_socket(|s| apply_keep_alive(&s, enable, delay));
        }
        drop(me);
        slf.clone()
    }

    /// `setTypeOfService(tos)` -> self: the IP TOS / traffic class byte.
    #[pyo3(signature = (tos = Arg::undefined()))]
    fn set_type_of_service<'py>(
        slf: &Bound<'py, Self>,
        tos: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let tos = validate_tos(&tos.value(), "tos")?;
        let mut me = slf.borrow_mut();
        me.type_of_service = Some(tos);
        if let Some(conn) = &me.conn {
            conn.with_socket(|s| apply_tos(&s, tos));
        }
        drop(me);
        Ok(slf.clone())
    }

    /// `getTypeOfService()`.
    fn get_type_of_service(&self) -> u8 {
        self.type_of_service.unwrap_or(0)
    }

    /// `address()`: `{address, family, port}`, or `{}` with no handle.
    fn address<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        match &self.sockname() {
            Some(a) => address_dict(py, a),
            None => Ok(PyDict::new(py)),
        }
    }

    #[pyo3(name = "ref")]
    fn ref_<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        slf.borrow_mut().refed = true;
        Self::update_liveness(slf)?;
        Ok(slf.clone())
    }

    fn unref<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        slf.borrow_mut().refed = false;
        Self::update_liveness(slf)?;
        Ok(slf.clone())
    }

    // ---- properties ----------------------------------------------------------

    #[getter]
    fn bytes_read(&self) -> u64 {
        self.m.bytes_read() + self.conn.as_ref().map_or(0, |c| c.piped().0)
    }

    #[getter]
    fn bytes_written(&self) -> u64 {
        self.m.bytes_written() + self.conn.as_ref().map_or(0, |c| c.piped().1)
    }

    /// Starts a connect deferred to this tick, unless the socket was
    /// destroyed meanwhile.
    fn _begin_connect(slf: &Bound<'_, Self>) {
        let (plan, conn) = {
            let mut me = slf.borrow_mut();
            (me.deferred_plan.take(), me.conn.clone())
        };
        if let (Some(plan), Some(conn)) = (plan, conn) {
            if slf.borrow().m.connecting() {
                conn.spawn_connect(plan);
            }
        }
    }

    /// Finishes construction: a socket made from a descriptor is open at
    /// once, as Node's is.
    fn _after_init(slf: &Bound<'_, Self>) -> PyResult<()> {
        let Some((fd, kind, readable)) = slf.borrow_mut().pending_fd.take() else {
            return Ok(());
        };
        let stream = crate::driver::stream::Stream::from_fd(fd, kind)
            .map_err(|e| Error::from(crate::SystemError::from_io(&e, "open")))?;
        let ctx = Self::ctx(slf)?;
        let conn = Conn::new(&ctx.borrow().hub, readable);
        conn.adopt(stream, None);
        {
            let mut me = slf.borrow_mut();
            me.m.accepted(!readable);
            me.conn = Some(Arc::clone(&conn));
        }
        ctx.borrow_mut()
            .register_socket(conn.id, slf.clone().unbind());
        Self::update_liveness(slf)
    }

    /// `pipe(dest)` inside the core (no Python call per chunk), with its
    /// listeners and its `'pipe'` event; false when that cannot be done (a
    /// `'data'` listener or another pipe already reads this socket, no
    /// connection yet, text mode), and the caller pipes through listeners
    /// instead.
    #[pyo3(signature = (dest, end = true))]
    fn _core_pipe(slf: &Bound<'_, Self>, dest: &Bound<'_, PySocket>, end: bool) -> PyResult<bool> {
        Self::owned(slf)?;
        let py = slf.py();
        if slf.borrow().core_pipe.is_some()
            || listener_count(slf.as_super(), intern!(py, "data"))? > 0
        {
            return Ok(false);
        }
        let (src_conn, dest_conn) = {
            let me = slf.borrow();
            let d = dest.borrow();
            match (&me.conn, &d.conn) {
                (Some(a), Some(b))
                    if me.decoder.is_none() && !me.m.destroyed() && !d.m.destroyed() =>
                {
                    (Arc::clone(a), Arc::clone(b))
                }
                _ => return Ok(false),
            }
        };
        let core = pipe::attach(slf, dest, end)?;
        src_conn.pipe_to(Some(&dest_conn));
        {
            let mut me = slf.borrow_mut();
            me.core_pipe = Some(core);
            me.m.resume();
        }
        Self::step(slf, true)?;
        emit(dest.as_super(), intern!(py, "pipe"), (slf,))?;
        Ok(true)
    }

    /// `unpipe(dest)` of the core pipe (any destination when `dest` is
    /// `None`), `'unpipe'` included; whether there was one.
    #[pyo3(signature = (dest = None))]
    fn _core_unpipe(slf: &Bound<'_, Self>, dest: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        Ok(Self::core_unpipe(slf, dest, true)?.is_some())
    }

    /// Deprecated in Node: `writableLength` while there is a handle.
    #[getter]
    fn buffer_size(&self) -> Option<usize> {
        self.m.has_handle().then(|| self.m.writable_length())
    }

    #[getter]
    fn writable_length(&self) -> usize {
        self.m.writable_length()
    }

    #[getter]
    fn writable_high_water_mark(&self) -> usize {
        self.m.writable_high_water_mark()
    }

    #[getter]
    fn readable_length(&self) -> usize {
        self.m.readable_length()
    }

    #[getter]
    fn connecting(&self) -> bool {
        self.m.connecting()
    }

    #[getter]
    fn pending(&self) -> bool {
        self.m.pending()
    }

    #[getter]
    fn destroyed(&self) -> bool {
        self.m.destroyed()
    }

    #[getter]
    fn ready_state(&self) -> &'static str {
        self.m.ready_state()
    }

    #[getter]
    fn readable(&self) -> bool {
        self.m.readable()
    }

    #[getter]
    fn writable(&self) -> bool {
        self.m.writable()
    }

    #[getter]
    fn readable_ended(&self) -> bool {
        self.m.readable_ended()
    }

    #[getter]
    fn writable_ended(&self) -> bool {
        self.m.writable_ended()
    }

    #[getter]
    fn writable_finished(&self) -> bool {
        self.m.writable_finished()
    }

    #[getter]
    fn allow_half_open(&self) -> bool {
        self.m.allow_half_open()
    }

    #[getter]
    fn timeout(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.timeout.as_ref().map(|t| t.clone_ref(py))
    }

    #[getter]
    fn server(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.server.as_ref().map(|s| s.clone_ref(py))
    }

    #[getter]
    fn remote_address(&mut self) -> Option<String> {
        self.peername().map(|a| a.ip().to_string())
    }

    #[getter]
    fn remote_port(&mut self) -> Option<u16> {
        self.peername().map(|a| a.port())
    }

    #[getter]
    fn remote_family(&mut self) -> Option<&'static str> {
        self.peername().as_ref().map(family_label)
    }

    #[getter]
    fn local_address(&mut self) -> Option<String> {
        self.sockname().map(|a| a.ip().to_string())
    }

    #[getter]
    fn local_port(&mut self) -> Option<u16> {
        self.sockname().map(|a| a.port())
    }

    #[getter]
    fn local_family(&mut self) -> Option<&'static str> {
        self.sockname().as_ref().map(family_label)
    }

    /// `autoSelectFamilyAttemptedAddresses`: `"ip:port"` of each address
    /// tried, when Happy Eyeballs tried several (else `None`).
    #[getter]
    fn auto_select_family_attempted_addresses(&self) -> Option<Vec<String>> {
        self.attempted.clone()
    }

    #[getter]
    fn block_list(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.block_list.as_ref().map(|b| b.clone_ref(py))
    }
}

impl PySocket {
    fn write_bytes(
        slf: &Bound<'_, Self>,
        bytes: &Bound<'_, PyBytes>,
        callback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let data = bytes.as_bytes();
        let len = data.len();
        let ret = {
            let mut me = slf.borrow_mut();
            let cb = me.callback_id(callback);
            match me.m.write(len, cb) {
                WriteGrant::Refused => false,
                WriteGrant::Send { ret, .. } => {
                    match me.conn.clone() {
                        Some(conn) => match conn.write_with(data, || shared_bytes(bytes)) {
                            Ok(WriteOutcome::Sent) => me.m.sent(len, cb),
                            Ok(WriteOutcome::Queued) => me.m.queued(len, cb),
                            Err(e) => {
                                me.m.queued(len, cb);
                                me.m.handle_io_error(e.into());
                            }
                        },
                        None => me.m.queued(len, cb),
                    }
                    ret
                }
            }
        };
        Self::step(slf, true)?;
        Ok(ret)
    }
}

/// A Python `bytes` object as `Bytes`, without a copy: what the kernel did
/// not take of a write waits in the queue as a view of the caller's object.
fn shared_bytes(bytes: &Bound<'_, PyBytes>) -> Bytes {
    Bytes::from_owner(PyBytesOwner {
        ptr: bytes.as_bytes().as_ptr(),
        len: bytes.as_bytes().len(),
        _obj: bytes.clone().unbind(),
    })
}

struct PyBytesOwner {
    ptr: *const u8,
    len: usize,
    /// Keeps the object, and so its buffer, alive (bytes never change).
    _obj: Py<PyBytes>,
}

// SAFETY: the pointer is into the immutable buffer of the `bytes` object
// held alongside it; `Py` itself may move between threads (its reference is
// released with the GIL, or deferred until PyO3 next holds it).
unsafe impl Send for PyBytesOwner {}

impl AsRef<[u8]> for PyBytesOwner {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see above: `len` bytes at `ptr` live as long as `_obj`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// `net.connect(...)` / `net.createConnection(...)`.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn connect<'py>(
    py: Python<'py>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (options, callback) = normalize_args(py, args, kwargs)?;
    let cls = py.import("tokionet")?.getattr("Socket")?;
    let sock = cls.call1((&options.dict,))?;
    let timeout = options.value("timeout");
    if timeout.truthy() {
        sock.call_method1("set_timeout", (options.get("timeout"),))?;
    }
    let sock = sock
        .cast_into::<PySocket>()
        .map_err(|_| PyTypeError::new_err("tokionet.Socket must be a Socket"))?;
    PySocket::connect_with(&sock, &options, callback)?;
    Ok(sock.into_any())
}
