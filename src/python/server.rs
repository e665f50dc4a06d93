//! `net.Server` for Python: Node's constructor options and `listen()`
//! argument forms, the listener's driver, and the server's events.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

use super::arg::{to_value, Arg};
use super::emitter::{emit, EventEmitter};
use super::loop_ctx::{check_thread, thread_id, LoopCtx, Tick};
use super::options::{normalize_args, to_number, Options};
use super::socket::{address_dict, PySocket, DEFAULT_HWM};
use crate::driver::listener::{Endpoint, ListenConfig, Listener};
use crate::driver::Conn;
use crate::proto::server::{Admission, ServerMachine};
use crate::validate::{validate_number, validate_port};
use crate::{Error, SystemError, Value};

static NEXT_SERVER: AtomicU64 = AtomicU64::new(1);

/// Node's default `listen()` backlog.
const DEFAULT_BACKLOG: i32 = 511;

enum ServerEmit {
    Listening,
    Error(Error),
    Close,
}

/// `net.Server`.
#[pyclass(extends = EventEmitter, subclass, module = "tokionet", name = "Server")]
pub struct PyServer {
    id: u64,
    m: ServerMachine,
    listener: Option<Listener>,
    ctx: Option<Py<LoopCtx>>,
    /// The thread of `ctx`'s loop (0 while there is none).
    owner: u64,
    pending: VecDeque<ServerEmit>,
    flush_scheduled: bool,
    refed: bool,
    counted: bool,
    max_connections: Option<Py<PyAny>>,
    allow_half_open: Py<PyAny>,
    pause_on_connect: bool,
    no_delay: bool,
    keep_alive: bool,
    keep_alive_initial_delay: u32,
    high_water_mark: usize,
    block_list: Option<Py<PyAny>>,
    /// The path of a Unix socket server.
    pipe_name: Option<String>,
    /// The last listen was on a Unix socket path.
    pipe_error: bool,
    /// Bumped by `close()`: a bind waiting for its tick checks it (Node's
    /// `_listeningId`).
    generation: u64,
    /// A bind waiting for the next tick, with the generation it belongs to.
    deferred_bind: Option<(u64, Vec<Endpoint>, i32)>,
    /// Node's `dropMaxConnection` (read by cluster workers only; kept as set).
    #[pyo3(get, set)]
    drop_max_connection: Option<Py<PyAny>>,
}

impl PyServer {
    /// The answer to a listen host's lookup: bind to Node's pick, or report
    /// the failure, unless `close()` came first.
    pub fn on_lookup(
        slf: &Bound<'_, Self>,
        generation: u64,
        result: Result<Vec<IpAddr>, SystemError>,
    ) -> PyResult<()> {
        // The lookup kept the loop alive, as Node's pending getaddrinfo does.
        if let Some(ctx) = slf.borrow().ctx.as_ref() {
            LoopCtx::count_active(ctx.bind(slf.py()), -1)?;
        }
        let pending = slf.borrow_mut().deferred_bind.take();
        let Some((wanted, endpoints, backlog)) = pending else {
            return Ok(());
        };
        if wanted != generation || generation != slf.borrow().generation {
            return Ok(());
        }
        match result.map(|ips| pick_listen_address(&ips)) {
            Ok(Some(ip)) => {
                let endpoints: Vec<Endpoint> = endpoints
                    .into_iter()
                    .map(|e| match e {
                        Endpoint::Tcp {
                            addr,
                            ipv6_only,
                            reuse_port,
                        } => Endpoint::Tcp {
                            addr: SocketAddr::new(ip, addr.port()),
                            ipv6_only,
                            reuse_port,
                        },
                        other => other,
                    })
                    .collect();
                Self::bind(slf, &endpoints, backlog)
            }
            Ok(None) => Self::defer(
                slf,
                ServerEmit::Error(Error::from(crate::driver::resolve::lookup_error(
                    "",
                    &std::io::Error::from(std::io::ErrorKind::NotFound),
                ))),
            ),
            Err(e) => Self::defer(slf, ServerEmit::Error(Error::from(e))),
        }
    }

    fn lookup_then_bind(
        slf: &Bound<'_, Self>,
        host: String,
        port: u16,
        ipv6_only: bool,
        reuse_port: bool,
        backlog: i32,
    ) -> PyResult<()> {
        let ctx = Self::ctx(slf)?;
        let (id, generation) = {
            let me = slf.borrow();
            (me.id, me.generation)
        };
        // The address is filled in from the lookup's answer.
        let placeholder = Endpoint::Tcp {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            ipv6_only,
            reuse_port,
        };
        slf.borrow_mut().deferred_bind = Some((generation, vec![placeholder], backlog));
        ctx.borrow_mut().register_server(id, slf.clone().unbind());
        LoopCtx::count_active(&ctx, 1)?;
        let hub = Arc::clone(&ctx.borrow().hub);
        crate::driver::runtime::get().spawn(async move {
            let result = crate::driver::resolve::lookup(host, 0, 0).await;
            hub.push(crate::driver::Event::ServerLookup {
                server: id,
                generation,
                result,
            });
        });
        Ok(())
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

    /// Refuses a call from a thread other than the server's loop's.
    fn owned(slf: &Bound<'_, Self>) -> PyResult<()> {
        check_thread(slf.borrow().owner, "Server")
    }

    fn defer(slf: &Bound<'_, Self>, e: ServerEmit) -> PyResult<()> {
        slf.borrow_mut().pending.push_back(e);
        Self::schedule_flush(slf)
    }

    fn schedule_flush(slf: &Bound<'_, Self>) -> PyResult<()> {
        if std::mem::replace(&mut slf.borrow_mut().flush_scheduled, true) {
            return Ok(());
        }
        let ctx = Self::ctx(slf)?;
        LoopCtx::defer(&ctx, Tick::Server(slf.clone().unbind()))
    }

    pub fn flush_pending(slf: &Bound<'_, Self>) -> PyResult<()> {
        slf.borrow_mut().flush_scheduled = false;
        let result = Self::emit_pending(slf);
        // A listener raised (reported by the caller): the events after it
        // still come, on a later tick, so that a closing server still
        // emits 'close'.
        if result.is_err() && !slf.borrow().pending.is_empty() {
            Self::schedule_flush(slf)?;
        }
        result
    }

    fn emit_pending(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        loop {
            let e = slf.borrow_mut().pending.pop_front();
            let Some(e) = e else { break };
            match e {
                // Node emits 'listening' only if the server still listens.
                ServerEmit::Listening => {
                    if slf.borrow().m.listening() {
                        emit(slf.as_super(), intern!(py, "listening"), ())?;
                    }
                }
                ServerEmit::Error(err) => {
                    let exc = PyErr::from(err).into_value(py);
                    // Node reports a pipe's listen error with port -1.
                    if slf.borrow().pipe_error {
                        exc.bind(py).setattr("port", -1)?;
                    }
                    emit(slf.as_super(), intern!(py, "error"), (exc,))?;
                }
                ServerEmit::Close => {
                    emit(slf.as_super(), intern!(py, "close"), ())?;
                }
            }
        }
        Ok(())
    }

    fn update_liveness(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let mut me = slf.borrow_mut();
        let want = me.refed && me.listener.is_some();
        let ctx = me.ctx.as_ref().map(|c| c.clone_ref(py));
        LoopCtx::track(py, ctx.as_ref(), &mut me.counted, want)
    }

    /// A connection arrived: admitted (`'connection'`) or dropped (`'drop'`).
    pub fn on_accepted(slf: &Bound<'_, Self>, conn: Arc<Conn>) -> PyResult<()> {
        let py = slf.py();
        if !slf.borrow().m.listening() {
            conn.close(false);
            return Ok(());
        }
        let admission = slf.borrow_mut().m.admit();
        if admission == Admission::Drop {
            if slf.borrow().pipe_name.is_some() {
                conn.close(false);
                emit(slf.as_super(), intern!(py, "drop"), ())?;
                return Ok(());
            }
            let data = PyDict::new(py);
            if let (Some(local), Some(remote)) = (conn.local_addr(), conn.peer_addr()) {
                let fam = |a: &SocketAddr| if a.is_ipv4() { "IPv4" } else { "IPv6" };
                data.set_item("localAddress", local.ip().to_string())?;
                data.set_item("localPort", local.port())?;
                data.set_item("localFamily", fam(&local))?;
                data.set_item("remoteAddress", remote.ip().to_string())?;
                data.set_item("remotePort", remote.port())?;
                data.set_item("remoteFamily", fam(&remote))?;
            }
            conn.close(false);
            emit(slf.as_super(), intern!(py, "drop"), (data,))?;
            return Ok(());
        }
        // A blocked peer is closed without a word, and not counted.
        let blocked = slf.borrow().block_list.as_ref().is_some_and(|bl| {
            let peer = conn.peer_addr();
            bl.bind(py)
                .cast::<super::blocklist::PyBlockList>()
                .is_ok_and(|b| peer.is_some_and(|p| b.get().check_ip(p.ip())))
        });
        if blocked {
            slf.borrow_mut().m.connection_closed();
            conn.close(false);
            return Ok(());
        }
        let ctx = Self::ctx(slf)?;
        let (allow_half_open, paused, hwm, no_delay, keep_alive) = {
            let me = slf.borrow();
            (
                to_value(me.allow_half_open.bind(py)).truthy(),
                me.pause_on_connect,
                me.high_water_mark,
                me.no_delay,
                me.keep_alive.then_some(me.keep_alive_initial_delay),
            )
        };
        if no_delay || keep_alive.is_some() {
            conn.with_socket(|s| {
                if no_delay {
                    let _ = s.set_tcp_nodelay(true);
                }
                if let Some(delay) = keep_alive {
                    let _ = s.set_keepalive(true);
                    if delay > 0 {
                        let ka = socket2::TcpKeepalive::new()
                            .with_time(std::time::Duration::from_secs(u64::from(delay)));
                        let _ = s.set_tcp_keepalive(&ka);
                    }
                }
            });
        }
        let sock = PySocket::accepted(py, &ctx, conn, slf.as_any(), allow_half_open, paused, hwm)?;
        emit(slf.as_super(), intern!(py, "connection"), (sock,))?;
        Ok(())
    }

    pub fn on_accept_error(slf: &Bound<'_, Self>, error: SystemError) -> PyResult<()> {
        let py = slf.py();
        emit(
            slf.as_super(),
            intern!(py, "error"),
            (PyErr::from(Error::from(error)).into_value(py),),
        )?;
        Ok(())
    }

    /// One of this server's connections closed.
    pub fn connection_closed(slf: &Bound<'_, Self>) -> PyResult<()> {
        if slf.borrow_mut().m.connection_closed() {
            Self::defer(slf, ServerEmit::Close)?;
        }
        Ok(())
    }

    pub fn abandon(slf: &Bound<'_, Self>) {
        let mut me = slf.borrow_mut();
        me.pending.clear();
        if let Some(mut l) = me.listener.take() {
            l.close();
        }
        me.counted = false;
    }

    /// Binds and listens on `addr` (the loop thread does it at once so the
    /// outcome is known; Node reports it on the next tick either way).
    fn bind(slf: &Bound<'_, Self>, endpoints: &[Endpoint], backlog: i32) -> PyResult<()> {
        let ctx = Self::ctx(slf)?;
        let hub = Arc::clone(&ctx.borrow().hub);
        let (id, paused) = {
            let me = slf.borrow();
            (me.id, me.pause_on_connect)
        };
        let mut last_err = None;
        slf.borrow_mut().pipe_error = matches!(endpoints.first(), Some(Endpoint::Unix { .. }));
        for endpoint in endpoints {
            let cfg = ListenConfig {
                endpoint: endpoint.clone(),
                backlog,
                start_reading: !paused,
            };
            match Listener::listen(&hub, id, &cfg) {
                Ok(l) => {
                    {
                        let mut me = slf.borrow_mut();
                        me.listener = Some(l);
                        me.m.listened();
                        // Node keeps returning a pipe's path, even after close.
                        if let Endpoint::Unix { path, .. } = endpoint {
                            me.pipe_name = Some(path.clone());
                        }
                    }
                    ctx.borrow_mut().register_server(id, slf.clone().unbind());
                    Self::update_liveness(slf)?;
                    return Self::defer(slf, ServerEmit::Listening);
                }
                Err(e) => last_err = Some(e),
            }
        }
        match last_err {
            Some(e) => Self::defer(slf, ServerEmit::Error(Error::from(e))),
            None => Ok(()),
        }
    }
}

/// Node's choice among a listen host's addresses: the first that is not
/// IPv6 link-local, else the first.
fn pick_listen_address(ips: &[IpAddr]) -> Option<IpAddr> {
    let link_local =
        |ip: &&IpAddr| matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80);
    ips.iter()
        .find(|ip| !link_local(ip))
        .or(ips.first())
        .copied()
}

#[pymethods]
impl PyServer {
    /// `Server([options][, connection_listener])`.
    #[new]
    #[pyo3(signature = (options = Arg::undefined(), connection_listener = Arg::undefined(), /, **kwargs))]
    fn new(
        py: Python<'_>,
        options: Arg<'_>,
        connection_listener: Arg<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (kw_listener, kwargs) = super::options::take_callback(kwargs)?;
        let opts = Options::empty(py);
        let mut listener = connection_listener
            .0
            .clone()
            .filter(PyAnyMethods::is_callable)
            .or(kw_listener);
        match &options.0 {
            Some(o) if o.is_callable() => listener = Some(o.clone()),
            Some(o) if super::options::is_options_object(o) => opts.merge(o)?,
            Some(o) if o.is_none() => {}
            Some(o) => {
                return Err(
                    Error::invalid_arg_type("options", "of type object", &to_value(o)).into(),
                )
            }
            None => {}
        }
        if let Some(kw) = kwargs {
            opts.merge(kw.as_any())?;
        }
        let mut keep_alive_initial_delay = 0;
        let kaid = opts.value("keepAliveInitialDelay");
        if !matches!(kaid, Value::Undefined) {
            let ms = validate_number(&kaid, "options.keepAliveInitialDelay")?;
            keep_alive_initial_delay = if ms > 0.0 {
                (ms / 1000.0).trunc() as u32
            } else {
                0
            };
        }
        let mut high_water_mark = DEFAULT_HWM;
        let hwm = opts.value("highWaterMark");
        if !matches!(hwm, Value::Undefined) {
            let n = validate_number(&hwm, "options.highWaterMark")?;
            if n >= 0.0 {
                high_water_mark = n as usize;
            }
        }
        let block_list = opts.get("blockList").filter(|b| to_value(b).truthy());
        if let Some(bl) = &block_list {
            if !bl.is_instance_of::<super::blocklist::PyBlockList>() {
                return Err(Error::invalid_arg_type(
                    "options.blockList",
                    "an net.BlockList",
                    &to_value(bl),
                )
                .into());
            }
        }
        let allow_half_open = match opts.get("allowHalfOpen") {
            Some(v) if to_value(&v).truthy() => v.unbind(),
            _ => false.into_pyobject(py)?.to_owned().into_any().unbind(),
        };
        let ctx = LoopCtx::current_opt(py)?;
        let me = PyServer {
            owner: if ctx.is_some() { thread_id() } else { 0 },
            id: NEXT_SERVER.fetch_add(1, Ordering::Relaxed),
            m: ServerMachine::new(),
            listener: None,
            ctx,
            pending: VecDeque::new(),
            flush_scheduled: false,
            refed: true,
            counted: false,
            max_connections: None,
            allow_half_open,
            pause_on_connect: opts.value("pauseOnConnect").truthy(),
            no_delay: opts.value("noDelay").truthy(),
            keep_alive: opts.value("keepAlive").truthy(),
            keep_alive_initial_delay,
            high_water_mark,
            block_list: block_list.map(Bound::unbind),
            pipe_name: None,
            pipe_error: false,
            generation: 0,
            deferred_bind: None,
            drop_max_connection: None,
        };
        let emitter = match listener {
            Some(l) => EventEmitter::with_listener(py, "connection", &l)?,
            None => EventEmitter::new(py),
        };
        Ok(PyClassInitializer::from(emitter).add_subclass(me))
    }

    /// `listen(...)` in all of Node's forms -> self.
    #[pyo3(signature = (*args, **kwargs))]
    fn listen<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        // listen(handle) / listen({handle}): another server's listening
        // socket (Node: `options._handle || options.handle`).
        let handle = args.iter().next().and_then(|a| {
            if a.is_instance_of::<PyServer>() {
                Some(a)
            } else if a.cast::<PyDict>().is_ok() {
                a.get_item("handle")
                    .ok()
                    .filter(PyAnyMethods::is_instance_of::<PyServer>)
            } else {
                None
            }
        });
        if let Some(handle) = handle {
            let other = handle.cast::<PyServer>()?;
            let fd = other
                .borrow()
                .listener
                .as_ref()
                .map(Listener::dup_fd)
                .transpose()
                .map_err(|e| Error::from(SystemError::from_io(&e, "listen")))?;
            let Some(fd) = fd else {
                return Err(Error::InvalidFdType("UNKNOWN".into()).into());
            };
            let callback = args.iter().last().filter(PyAnyMethods::is_callable);
            slf.borrow().m.check_can_listen()?;
            if let Some(cb) = callback {
                slf.call_method1(intern!(py, "once"), ("listening", cb))?;
            }
            let kind = crate::driver::stream::guess_handle_type(fd);
            Self::bind(slf, &[Endpoint::Fd { fd, kind }], DEFAULT_BACKLOG)?;
            return Ok(slf.clone());
        }
        let (options, callback) = normalize_args(py, args, kwargs)?;
        slf.borrow().m.check_can_listen()?;
        if let Some(cb) = callback {
            slf.call_method1(intern!(py, "once"), ("listening", cb))?;
        }
        let arg = |i: usize| {
            args.get_item(i)
                .map_or(Value::Bool(false), |a| to_value(&a))
        };
        let backlog_from_args = to_number(&arg(1))
            .filter(|&n| n != 0.0)
            .or_else(|| to_number(&arg(2)).filter(|&n| n != 0.0));
        let ipv6_only = matches!(options.value("ipv6Only"), Value::Bool(true));
        let reuse_port = matches!(options.value("reusePort"), Value::Bool(true));
        let signal = options.value("signal");
        let signal_obj = options.get("signal").filter(|s| !s.is_none());
        if !matches!(signal, Value::Undefined) {
            let ok = options
                .get("signal")
                .is_some_and(|s| !s.is_none() && s.hasattr("aborted").unwrap_or(false));
            if !ok {
                return Err(Error::invalid_arg_type(
                    "options.signal",
                    "an instance of AbortSignal",
                    &signal,
                )
                .into());
            }
        }
        let fd = options.value("fd");
        if let Some(n) = fd.as_number().filter(|n| *n >= 0.0 && n.fract() == 0.0) {
            let fd = n as i32;
            let kind = crate::driver::stream::guess_handle_type(fd);
            if let Some(sig) = &signal_obj {
                py.import("tokionet._abort")?
                    .call_method1("attach_server", (slf, sig))?;
            }
            let backlog =
                backlog_from_args.map_or(DEFAULT_BACKLOG, |b| b.min(f64::from(i32::MAX)) as i32);
            Self::bind(slf, &[Endpoint::Fd { fd, kind }], backlog)?;
            return Ok(slf.clone());
        }
        if let Some(sig) = &signal_obj {
            py.import("tokionet._abort")?
                .call_method1("attach_server", (slf, sig))?;
        }
        let first_is_fn = args.iter().next().is_some_and(|a| a.is_callable());
        if args.is_empty() && kwargs.is_none_or(PyDictMethods::is_empty)
            || first_is_fn
            || options.value("port") == Value::Null
        {
            options.set("port", 0)?;
        }
        let port_v = options.value("port");
        if matches!(port_v, Value::Int(_) | Value::Float(_) | Value::Str(_)) {
            let port = validate_port(&port_v, "options.port")?;
            let backlog_v = options.value("backlog");
            let backlog = if backlog_v.truthy() {
                crate::validate::to_number(&backlog_v)
            } else {
                backlog_from_args.unwrap_or(0.0)
            };
            let backlog = if backlog > 0.0 {
                backlog.min(f64::from(i32::MAX)) as i32
            } else {
                DEFAULT_BACKLOG
            };
            let host = options.value("host");
            let addrs = if host.truthy() {
                let Value::Str(h) = &host else {
                    return Err(Error::invalid_arg_type("hostname", "of type string", &host).into());
                };
                match h.parse::<IpAddr>() {
                    Ok(ip) => vec![SocketAddr::new(ip, port)],
                    Err(_) => {
                        // A name: looked up off the loop thread, as
                        // dns.lookup does; the bind follows its answer.
                        Self::lookup_then_bind(
                            slf,
                            h.clone(),
                            port,
                            ipv6_only,
                            reuse_port,
                            backlog,
                        )?;
                        return Ok(slf.clone());
                    }
                }
            } else {
                vec![
                    SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
                ]
            };
            let endpoints: Vec<Endpoint> = addrs
                .into_iter()
                .map(|addr| Endpoint::Tcp {
                    addr,
                    ipv6_only,
                    reuse_port,
                })
                .collect();
            if host.truthy() {
                // Node looks a host up before binding, so the bind comes on
                // a later tick (`listening` is still false on return, and a
                // close() before then cancels it).
                let generation = slf.borrow().generation;
                slf.borrow_mut().deferred_bind = Some((generation, endpoints, backlog));
                let ctx = Self::ctx(slf)?;
                let f = slf.getattr(intern!(py, "_bind_deferred"))?.unbind();
                LoopCtx::defer(&ctx, Tick::Call(f, PyTuple::empty(py).unbind()))?;
            } else {
                Self::bind(slf, &endpoints, backlog)?;
            }
            return Ok(slf.clone());
        }
        let path = options.value("path");
        if let Value::Str(p) = &path {
            if !p.is_empty() {
                let readable_all = options.value("readableAll").truthy();
                let writable_all = options.value("writableAll").truthy();
                if p.starts_with('\0') && (readable_all || writable_all) {
                    return Err(Error::invalid_arg_value(
                        "options",
                        &to_value(options.dict.as_any()),
                        "can not set readableAll or writableAllt to true when path is abstract unix socket",
                    )
                    .into());
                }
                let backlog_v = options.value("backlog");
                let backlog = if backlog_v.truthy() {
                    crate::validate::to_number(&backlog_v)
                } else {
                    backlog_from_args.unwrap_or(0.0)
                };
                let backlog = if backlog > 0.0 {
                    backlog.min(f64::from(i32::MAX)) as i32
                } else {
                    DEFAULT_BACKLOG
                };
                Self::bind(
                    slf,
                    &[Endpoint::Unix {
                        path: p.clone(),
                        readable_all,
                        writable_all,
                    }],
                    backlog,
                )?;
                return Ok(slf.clone());
            }
        }
        let shown = to_value(options.dict.as_any());
        if !options.has("port") && !options.has("path") {
            return Err(Error::invalid_arg_value(
                "options",
                &shown,
                "must have the property \"port\" or \"path\"",
            )
            .into());
        }
        Err(Error::invalid_arg_value("options", &shown, "is invalid").into())
    }

    /// `close()` on the next tick, in order with the server's own deferred
    /// work (an already-aborted `signal` given to `listen()`).
    fn _close_later(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let ctx = Self::ctx(slf)?;
        let f = slf.getattr(intern!(py, "close"))?.unbind();
        LoopCtx::defer(&ctx, Tick::Call(f, PyTuple::empty(py).unbind()))
    }

    /// Binds what `listen()` deferred, unless `close()` came first.
    fn _bind_deferred(slf: &Bound<'_, Self>) -> PyResult<()> {
        let pending = slf.borrow_mut().deferred_bind.take();
        if let Some((generation, endpoints, backlog)) = pending {
            if generation == slf.borrow().generation {
                Self::bind(slf, &endpoints, backlog)?;
            }
        }
        Ok(())
    }

    /// `close([callback])` -> self.
    #[pyo3(signature = (callback = None))]
    fn close<'py>(
        slf: &Bound<'py, Self>,
        callback: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        slf.borrow_mut().generation += 1;
        let (err, due) = slf.borrow_mut().m.close();
        if let Some(cb) = callback.filter(PyAnyMethods::is_callable) {
            let listener = match err.clone() {
                Some(e) => {
                    let exc = PyErr::from(e).into_value(py).into_any();
                    let cb = cb.unbind();
                    PyCFunction::new_closure(
                        py,
                        None,
                        None,
                        move |args, _kw| -> PyResult<Py<PyAny>> {
                            let py = args.py();
                            cb.bind(py).call1((exc.clone_ref(py),)).map(Bound::unbind)
                        },
                    )?
                    .into_any()
                }
                None => cb,
            };
            slf.call_method1(intern!(py, "once"), ("close", listener))?;
        }
        let listener = slf.borrow_mut().listener.take();
        if let Some(mut l) = listener {
            py.detach(|| l.close());
            let id = slf.borrow().id;
            if let Some(ctx) = slf.borrow().ctx.as_ref() {
                ctx.bind(py).borrow_mut().forget_server(id);
            }
        }
        Self::update_liveness(slf)?;
        if due {
            Self::defer(slf, ServerEmit::Close)?;
        }
        Ok(slf.clone())
    }

    /// `address()`: `{address, family, port}`, or `None` when not listening.
    /// `address()`: `{address, family, port}`; a pipe server's path (kept
    /// after `close()`, as Node does); `None` when not listening.
    fn address(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(path) = &self.pipe_name {
            return Ok(path.into_pyobject(py)?.into_any().unbind());
        }
        match self.listener.as_ref().and_then(Listener::local_addr) {
            Some(addr) => Ok(address_dict(py, &addr)?.into_any().unbind()),
            None => Ok(py.None()),
        }
    }

    /// `getConnections(callback)` -> self; the callback gets `(None, count)`
    /// on a later tick.
    #[pyo3(signature = (callback = Arg::undefined()))]
    fn get_connections<'py>(
        slf: &Bound<'py, Self>,
        callback: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        Self::owned(slf)?;
        let py = slf.py();
        let cb = match &callback.0 {
            Some(cb) if cb.is_callable() => cb.clone(),
            _ => {
                return Err(Error::invalid_arg_type(
                    "callback",
                    "of type function",
                    &callback.value(),
                )
                .into())
            }
        };
        let count = slf.borrow().m.connections();
        let ctx = Self::ctx(slf)?;
        let args = PyTuple::new(
            py,
            [
                py.None().into_bound(py),
                count.into_pyobject(py)?.into_any(),
            ],
        )?;
        LoopCtx::defer(&ctx, Tick::Call(cb.unbind(), args.unbind()))?;
        Ok(slf.clone())
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

    #[getter]
    fn listening(&self) -> bool {
        self.listener.is_some()
    }

    #[getter]
    fn get_max_connections(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.max_connections.as_ref().map(|m| m.clone_ref(py))
    }

    #[setter]
    fn set_max_connections(&mut self, value: Option<Bound<'_, PyAny>>) {
        let n = value.as_ref().and_then(|v| {
            to_value(v).as_number().or_else(|| {
                let n = crate::validate::to_number(&to_value(v));
                (!n.is_nan()).then_some(n)
            })
        });
        self.m.set_max_connections(n);
        self.max_connections = value.filter(|v| !v.is_none()).map(Bound::unbind);
    }

    #[getter]
    fn allow_half_open(&self, py: Python<'_>) -> Py<PyAny> {
        self.allow_half_open.clone_ref(py)
    }

    #[getter]
    fn pause_on_connect(&self) -> bool {
        self.pause_on_connect
    }

    #[getter]
    fn no_delay(&self) -> bool {
        self.no_delay
    }

    #[getter]
    fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    #[getter]
    fn keep_alive_initial_delay(&self) -> u32 {
        self.keep_alive_initial_delay
    }

    #[getter]
    fn high_water_mark(&self) -> usize {
        self.high_water_mark
    }

    #[getter]
    fn block_list(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.block_list.as_ref().map(|b| b.clone_ref(py))
    }
}
