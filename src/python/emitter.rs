//! Node's `EventEmitter` (lib/events.js, v24) for Python, and the calls the
//! crate's own pyclasses use to emit events.
//!
//! Storage: a Python dict maps each event name to its lone listener (as Node
//! keeps a lone function) or to an immutable tuple of two or more, in call
//! order. Adding or removing a listener replaces the entry (copy on write), so
//! what `emit` finds is already Node's snapshot of the listeners: it calls
//! them without copying or allocating. A lone listener needs no tuple, which
//! matters for the collector: a socket whose listeners refer to it (the
//! usual closure) is freed by it, and each object in the cycle is work. The
//! dict keeps
//! insertion order (Node's `eventNames()` order) and hashes names as Python
//! does, so any hashable object names an event.
//!
//! Listeners match by identity or `==` (Node: `===`), so that
//! `off(name, obj.method)` removes what `on(name, obj.method)` added although
//! each attribute access makes a new bound method.
//!
//! # Rust API
//!
//! Rust pyclasses extend this class (`#[pyclass(extends = EventEmitter)]`,
//! built from `PyClassInitializer::from(EventEmitter::new(py))` or
//! [`EventEmitter::with_listener_hook`]) and reach it with
//! `Bound::as_super()`; any object becomes one with `cast::<EventEmitter>()`.
//! Pass event names as `pyo3::intern!(py, "data")`.
//!
//! - `emit_event(emitter: &Bound<'py, EventEmitter>, name: &Bound<'py, PyAny>,
//!   args: &Bound<'py, PyTuple>) -> PyResult<bool>`: Node's `emit`. A
//!   listener's exception, or an unhandled `'error'`, comes back as `Err`.
//! - `has_listeners(emitter, name) -> PyResult<bool>`, and
//!   `listener_count(emitter, name) -> PyResult<usize>`.
//! - `add_listener(emitter, name, listener: &Bound<'py, PyAny>, how: Add)
//!   -> PyResult<()>` (`Add::On`, `Prepend`, `Once`, `PrependOnce`) and
//!   `remove_listener(emitter, name, listener) -> PyResult<()>`.
//! - `EventEmitter::with_listener_hook(py, hook: ListenerHook)`: the class's
//!   data with a `fn(&Bound<'_, EventEmitter>, &Bound<'_, PyAny>,
//!   ListenerChange) -> PyResult<()>` run after every listener added or
//!   removed (a Socket starts reading when a `'data'` listener arrives).
//!
//! These go straight to the storage: a Python subclass's override of `emit`,
//! `on`, ... is not consulted (nor is it by `newListener`/`removeListener`).

use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use pyo3::exceptions::PyBaseException;
use pyo3::ffi;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::sync::critical_section::with_critical_section;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PySet, PyString, PyTuple, PyType};
use pyo3::{intern, PyTraverseError};

use super::arg::{to_value, Arg};
use crate::{Error, Value};

/// Node's `EventEmitter.defaultMaxListeners`.
const DEFAULT_MAX_LISTENERS: f64 = 10.0;
/// `max_listeners` until `set_max_listeners` is called: a NaN, which that
/// method never stores.
const UNSET: u64 = u64::MAX;

/// How [`add_listener`] adds: Node's `on`, `prependListener`, `once`,
/// `prependOnceListener`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Add {
    On,
    Prepend,
    Once,
    PrependOnce,
}

/// What happened to an event's listeners, as told to a [`ListenerHook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListenerChange {
    Added,
    Removed,
}

/// Runs after a listener of `name` was added or removed, however that
/// happened; Node's Readable overrides `on` for the same purpose (a `'data'`
/// listener starts the flow).
pub(crate) type ListenerHook =
    fn(&Bound<'_, EventEmitter>, &Bound<'_, PyAny>, ListenerChange) -> PyResult<()>;

/// `events.EventEmitter`.
#[pyclass(
    subclass,
    dict,
    weakref,
    frozen,
    module = "tokionet",
    name = "EventEmitter"
)]
pub struct EventEmitter {
    /// Event name -> its lone listener, or a tuple of its listeners. Entries
    /// are replaced, never changed.
    /// (`Option` only so that an instance still being allocated, all zero
    /// bytes, is a valid `None` if the collector traverses it then.)
    events: Option<Py<PyDict>>,
    /// Names whose leak warning was given. Node keeps this flag on the
    /// listener array, which disappears when the event is down to one
    /// listener; so does the name here. Made on the first warning.
    warned: LazySet,
    /// `set_max_listeners`' value as `f64` bits, or [`UNSET`].
    max_listeners: AtomicU64,
    hook: Option<ListenerHook>,
}

impl EventEmitter {
    pub(crate) fn new(py: Python<'_>) -> Self {
        EventEmitter {
            events: Some(PyDict::new(py).unbind()),
            warned: LazySet::new(),
            max_listeners: AtomicU64::new(UNSET),
            hook: None,
        }
    }

    /// An emitter that starts with one listener (a constructor's
    /// `connectionListener`), before any Python code sees it.
    pub(crate) fn with_listener(
        py: Python<'_>,
        name: &str,
        listener: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let me = Self::new(py);
        me.events().bind(py).set_item(name, listener)?;
        Ok(me)
    }

    /// An emitter that calls `hook` after every change to its listeners.
    pub(crate) fn with_listener_hook(py: Python<'_>, hook: ListenerHook) -> Self {
        EventEmitter {
            hook: Some(hook),
            ..Self::new(py)
        }
    }

    fn events(&self) -> &Py<PyDict> {
        self.events
            .as_ref()
            .expect("an initialised emitter has its dict")
    }

    /// Forgets that `name`'s leak warning was given.
    fn unwarn(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        match self.warned.get(py) {
            Some(warned) => warned.discard(name).map(drop),
            None => Ok(()),
        }
    }

    fn max_listeners(&self) -> f64 {
        match self.max_listeners.load(Ordering::Relaxed) {
            UNSET => DEFAULT_MAX_LISTENERS,
            bits => f64::from_bits(bits),
        }
    }
}

/// A set made on first use. Its pointer is null until then, so that all-zero
/// bytes are a valid empty state: the collector may traverse an emitter whose
/// fields are not written yet (a `OnceLock`'s zero bytes read as initialised).
struct LazySet(AtomicPtr<ffi::PyObject>);

impl LazySet {
    const fn new() -> Self {
        LazySet(AtomicPtr::new(ptr::null_mut()))
    }

    fn get<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PySet>> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is the set this holds a reference to.
        (!p.is_null()).then(|| unsafe { Bound::from_borrowed_ptr(py, p).cast_into_unchecked() })
    }

    fn get_or_make<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        if let Some(set) = self.get(py) {
            return Ok(set);
        }
        let set = PySet::empty(py)?;
        match self.0.compare_exchange(
            ptr::null_mut(),
            set.clone().into_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(set),
            Err(other) => {
                // Another thread made one first: ours goes (its reference too).
                // SAFETY: the reference `into_ptr` gave away above.
                drop(unsafe { Bound::from_owned_ptr(py, set.as_ptr()) });
                // SAFETY: as in `get`.
                Ok(unsafe { Bound::from_borrowed_ptr(py, other).cast_into_unchecked() })
            }
        }
    }

    fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: `Option<Py<_>>` is a nullable object pointer; borrowed here,
        // so never dropped.
        let set = ManuallyDrop::new(unsafe {
            std::mem::transmute::<*mut ffi::PyObject, Option<Py<PySet>>>(p)
        });
        visit.call(&*set)
    }
}

impl Drop for LazySet {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: the reference this held; the emitter is being
            // deallocated, so the thread is attached.
            Python::attach(|py| drop(unsafe { Bound::from_owned_ptr(py, p) }));
        }
    }
}

/// Node's `onceWrapper`: removes itself, then calls the listener once.
#[pyclass(frozen, module = "tokionet", name = "_OnceWrapper")]
struct OnceWrapper {
    emitter: Py<EventEmitter>,
    event: Py<PyAny>,
    /// The listener given to `once` (Node's `wrapper.listener`).
    #[pyo3(get)]
    listener: Py<PyAny>,
    fired: AtomicBool,
}

#[pymethods]
impl OnceWrapper {
    #[pyo3(signature = (*args))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = slf.py();
        let me = slf.get();
        if me.fired.swap(true, Ordering::AcqRel) {
            return Ok(None);
        }
        remove_listener(me.emitter.bind(py), me.event.bind(py), slf.as_any())?;
        me.listener.bind(py).call1(args).map(Some)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<once wrapper of {}>",
            self.listener.bind(py).repr()?
        ))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.emitter)?;
        visit.call(&self.event)?;
        visit.call(&self.listener)
    }
}

fn invalid_listener(received: &Value) -> PyErr {
    Error::invalid_arg_type("listener", "of type function", received).into()
}

/// Node's `checkListener`.
fn check_listener(listener: &Bound<'_, PyAny>) -> PyResult<()> {
    if listener.is_callable() {
        Ok(())
    } else {
        Err(invalid_listener(&to_value(listener)))
    }
}

/// A listener argument that Python callers may leave out, as Node's may.
fn given(listener: Arg<'_>) -> PyResult<Bound<'_, PyAny>> {
    listener
        .0
        .ok_or_else(|| invalid_listener(&Value::Undefined))
}

fn is_str(obj: &Bound<'_, PyAny>, s: &str) -> bool {
    obj.cast::<PyString>()
        .is_ok_and(|o| o.to_str().is_ok_and(|t| t == s))
}

/// A stored listener as the caller knows it: a once-wrapper's listener, or
/// the listener itself.
fn unwrapped<'py>(entry: &Bound<'py, PyAny>) -> Bound<'py, PyAny> {
    match entry.cast::<OnceWrapper>() {
        Ok(w) => w.get().listener.bind(entry.py()).clone(),
        Err(_) => entry.clone(),
    }
}

/// Node's `list[i] === listener || list[i].listener === listener`.
fn matches(entry: &Bound<'_, PyAny>, listener: &Bound<'_, PyAny>) -> PyResult<bool> {
    let same = |a: &Bound<'_, PyAny>| -> PyResult<bool> { Ok(a.is(listener) || a.eq(listener)?) };
    if same(entry)? {
        return Ok(true);
    }
    match entry.cast::<OnceWrapper>() {
        Ok(w) => same(w.get().listener.bind(entry.py())),
        Err(_) => Ok(false),
    }
}

/// An event's listeners as stored.
enum Listeners<'py> {
    One(Bound<'py, PyAny>),
    Many(Bound<'py, PyTuple>),
}

impl<'py> Listeners<'py> {
    fn len(&self) -> usize {
        match self {
            Listeners::One(_) => 1,
            Listeners::Many(list) => list.len(),
        }
    }

    /// Calls `f` with each listener, in order, until one fails.
    fn each(&self, mut f: impl FnMut(&Bound<'py, PyAny>) -> PyResult<()>) -> PyResult<()> {
        match self {
            Listeners::One(listener) => f(listener),
            Listeners::Many(list) => list.iter_borrowed().try_for_each(|l| f(&l)),
        }
    }

    fn to_vec(&self) -> Vec<Bound<'py, PyAny>> {
        match self {
            Listeners::One(listener) => vec![listener.clone()],
            Listeners::Many(list) => list.iter().collect(),
        }
    }
}

fn listeners_of<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
) -> PyResult<Option<Listeners<'py>>> {
    let events = emitter.get().events().bind(emitter.py());
    // A tuple is never a listener (it is not callable), so it can only be a
    // list; an exact check leaves a callable tuple subclass a lone listener.
    Ok(events
        .get_item(name)?
        .map(|entry| match entry.cast_into_exact::<PyTuple>() {
            Ok(list) => Listeners::Many(list),
            Err(e) => Listeners::One(e.into_inner()),
        }))
}

/// Stores `list` as `name`'s listeners (none: the name goes).
fn store<'py>(
    events: &Bound<'py, PyDict>,
    name: &Bound<'py, PyAny>,
    list: &[Bound<'py, PyAny>],
) -> PyResult<()> {
    match list {
        [] => events.del_item(name),
        [lone] => events.set_item(name, lone),
        _ => events.set_item(name, PyTuple::new(events.py(), list)?),
    }
}

pub(crate) fn has_listeners<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
) -> PyResult<bool> {
    emitter.get().events().bind(emitter.py()).contains(name)
}

pub(crate) fn listener_count<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
) -> PyResult<usize> {
    Ok(listeners_of(emitter, name)?.map_or(0, |l| l.len()))
}

/// Node's `emit`: calls the listeners of `name` in order with `args`, and
/// returns whether there were any.
pub(crate) fn emit_event<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
) -> PyResult<bool> {
    let Some(listeners) = listeners_of(emitter, name)? else {
        if is_str(name, "error") {
            return Err(unhandled_error(args));
        }
        return Ok(false);
    };
    listeners.each(|l| l.call1(args).map(drop))?;
    Ok(true)
}

/// `emit_event` for the crate's own events: the name interned (`intern!`,
/// hashed once), the arguments as a tuple.
pub(crate) fn emit<'py, A>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyString>,
    args: A,
) -> PyResult<bool>
where
    A: IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>>,
    PyErr: From<A::Error>,
{
    emit_event(emitter, name, &args.into_pyobject(emitter.py())?)
}

/// `emit_event` with one argument and no tuple: listeners get a vectorcall
/// (the `'data'` event's path). Not for `'error'`, whose absence of
/// listeners is an error that `emit_event` raises.
pub(crate) fn emit_event1<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
    arg: &Bound<'py, PyAny>,
) -> PyResult<bool> {
    debug_assert!(!is_str(name, "error"));
    let Some(listeners) = listeners_of(emitter, name)? else {
        return Ok(false);
    };
    listeners.each(|l| l.call1((arg,)).map(drop))?;
    Ok(true)
}

/// What Node throws for an `'error'` event nobody listens to: the error
/// itself, or `ERR_UNHANDLED_ERROR` naming the value, which it keeps as
/// `context`.
fn unhandled_error(args: &Bound<'_, PyTuple>) -> PyErr {
    let py = args.py();
    let value = args.get_item(0).ok();
    if let Some(err) = value
        .as_ref()
        .filter(|v| v.is_instance_of::<PyBaseException>())
    {
        return PyErr::from_value(err.clone());
    }
    let shown = value.as_ref().map(|v| {
        match v.repr() {
            Ok(r) => r.to_string_lossy().into_owned(),
            // Node falls back on the value itself when inspect throws.
            Err(_) => format!(
                "<{} object>",
                v.get_type()
                    .name()
                    .map_or_else(|_| String::new(), |n| n.to_string())
            ),
        }
    });
    let err = PyErr::from(Error::UnhandledError(shown));
    // Setting an attribute on a fresh NodeError cannot fail.
    let _ = err.value(py).setattr("context", value);
    err
}

/// Node's `_addListener` (and `_onceWrap`).
pub(crate) fn add_listener<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
    listener: &Bound<'py, PyAny>,
    how: Add,
) -> PyResult<()> {
    check_listener(listener)?;
    let py = emitter.py();
    let me = emitter.get();
    let entry = if matches!(how, Add::Once | Add::PrependOnce) {
        let wrapper = OnceWrapper {
            emitter: emitter.clone().unbind(),
            event: name.clone().unbind(),
            listener: listener.clone().unbind(),
            fired: AtomicBool::new(false),
        };
        Bound::new(py, wrapper)?.into_any()
    } else {
        listener.clone()
    };
    let new_listener = intern!(py, "newListener");
    if has_listeners(emitter, new_listener)? {
        let args = PyTuple::new(py, [name.clone(), unwrapped(&entry)])?;
        emit_event(emitter, new_listener, &args)?;
    }
    let events = me.events().bind(py);
    let count = with_critical_section(events.as_any(), || -> PyResult<usize> {
        let mut list = match listeners_of(emitter, name)? {
            Some(old) => old.to_vec(),
            None => Vec::with_capacity(1),
        };
        if matches!(how, Add::Prepend | Add::PrependOnce) {
            list.insert(0, entry);
        } else {
            list.push(entry);
        }
        store(events, name, &list)?;
        Ok(list.len())
    })?;
    // Node checks for a leak only once an event has a second listener.
    if count > 1 {
        warn_if_leaking(emitter, name, count)?;
    }
    if let Some(hook) = me.hook {
        hook(emitter, name, ListenerChange::Added)?;
    }
    Ok(())
}

/// Node's `MaxListenersExceededWarning`, once per name.
fn warn_if_leaking<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
    count: usize,
) -> PyResult<()> {
    static WARNING: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = emitter.py();
    let max = emitter.get().max_listeners();
    if max <= 0.0 || count as f64 <= max {
        return Ok(());
    }
    let warned = emitter.get().warned.get_or_make(py)?;
    if warned.contains(name)? {
        return Ok(());
    }
    warned.add(name)?;
    let message = format!(
        "Possible EventEmitter memory leak detected. {count} {} listeners added to [{}]. \
         MaxListeners is {}. Use emitter.setMaxListeners() to increase limit",
        name.str()?,
        emitter.get_type().name()?,
        js_number(max),
    );
    let warning = WARNING
        .import(py, "tokionet._errors", "MaxListenersExceededWarning")?
        .call1((message, emitter, name, count))?;
    py.import("warnings")?.call_method1("warn", (warning,))?;
    Ok(())
}

/// How JavaScript prints a number: no `.0` on whole ones.
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// Node's `removeListener`: removes the most recently added match.
pub(crate) fn remove_listener<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: &Bound<'py, PyAny>,
    listener: &Bound<'py, PyAny>,
) -> PyResult<()> {
    check_listener(listener)?;
    let py = emitter.py();
    let me = emitter.get();
    let events = me.events().bind(py);
    let removed = with_critical_section(
        events.as_any(),
        || -> PyResult<Option<(Bound<'py, PyAny>, usize)>> {
            let Some(list) = listeners_of(emitter, name)? else {
                return Ok(None);
            };
            let mut rest = list.to_vec();
            let mut position = None;
            for (i, entry) in rest.iter().enumerate().rev() {
                if matches(entry, listener)? {
                    position = Some(i);
                    break;
                }
            }
            let Some(position) = position else {
                return Ok(None);
            };
            let entry = rest.remove(position);
            store(events, name, &rest)?;
            Ok(Some((entry, list.len())))
        },
    )?;
    let Some((entry, old_len)) = removed else {
        return Ok(());
    };
    if old_len <= 2 {
        me.unwarn(py, name)?;
    }
    let remove_listener = intern!(py, "removeListener");
    if has_listeners(emitter, remove_listener)? {
        // Node reports a lone once-wrapper's listener, and otherwise what it
        // was given.
        let reported = if old_len == 1 {
            unwrapped(&entry)
        } else {
            listener.clone()
        };
        emit_event(
            emitter,
            remove_listener,
            &PyTuple::new(py, [name, &reported])?,
        )?;
    }
    if let Some(hook) = me.hook {
        hook(emitter, name, ListenerChange::Removed)?;
    }
    Ok(())
}

/// Node's `removeAllListeners`: one event's listeners, or every event's
/// (`name` left out).
fn remove_all_listeners<'py>(
    emitter: &Bound<'py, EventEmitter>,
    name: Option<&Bound<'py, PyAny>>,
) -> PyResult<()> {
    let py = emitter.py();
    let events = emitter.get().events().bind(py);
    let remove_listener_name = intern!(py, "removeListener");
    if !has_listeners(emitter, remove_listener_name)? {
        // Nobody hears about the removals: drop the entries.
        let names = match name {
            Some(name) if events.contains(name)? => vec![name.clone()],
            Some(_) => Vec::new(),
            None => events.keys().iter().collect(),
        };
        return forget(emitter, &names);
    }
    if let Some(name) = name {
        if let Some(list) = listeners_of(emitter, name)? {
            // Newest first, as Node does.
            for entry in list.to_vec().iter().rev() {
                remove_listener(emitter, name, entry)?;
            }
        }
        return Ok(());
    }
    for key in events.keys().iter() {
        if !is_str(&key, "removeListener") {
            remove_all_listeners(emitter, Some(&key))?;
        }
    }
    remove_all_listeners(emitter, Some(remove_listener_name))?;
    // Node ends with an empty table, whatever the listeners added meanwhile.
    let names: Vec<_> = events.keys().iter().collect();
    forget(emitter, &names)
}

/// Drops events' listeners without telling `'removeListener'`.
fn forget<'py>(emitter: &Bound<'py, EventEmitter>, names: &[Bound<'py, PyAny>]) -> PyResult<()> {
    let me = emitter.get();
    let py = emitter.py();
    for name in names {
        me.events().bind(py).del_item(name)?;
        me.unwarn(py, name)?;
        if let Some(hook) = me.hook {
            hook(emitter, name, ListenerChange::Removed)?;
        }
    }
    Ok(())
}

#[pymethods]
impl EventEmitter {
    /// Node's constructor `options` (`captureRejections`) have no Python
    /// meaning. Any arguments are accepted and ignored, as `object.__new__`
    /// does, so that subclasses' constructors may take their own.
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new(
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        let _ = (args, kwargs);
        Self::new(py)
    }

    /// Node's `on` and `addListener` (`on` is attached in `__init__.py`).
    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn add_listener<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        add_listener(slf, event, &given(listener)?, Add::On)?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn once<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        add_listener(slf, event, &given(listener)?, Add::Once)?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn prepend_listener<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        add_listener(slf, event, &given(listener)?, Add::Prepend)?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn prepend_once_listener<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        add_listener(slf, event, &given(listener)?, Add::PrependOnce)?;
        Ok(slf.clone())
    }

    /// Node's `off` and `removeListener` (`off` is attached in `__init__.py`).
    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn remove_listener<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        remove_listener(slf, event, &given(listener)?)?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (event = Arg::undefined()))]
    fn remove_all_listeners<'py>(
        slf: &Bound<'py, Self>,
        event: Arg<'py>,
    ) -> PyResult<Bound<'py, Self>> {
        remove_all_listeners(slf, event.0.as_ref())?;
        Ok(slf.clone())
    }

    #[pyo3(signature = (event, /, *args))]
    fn emit<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<bool> {
        emit_event(slf, event, args)
    }

    fn listeners<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let list = listeners_of(slf, event)?;
        let list = list.map(|l| l.to_vec()).unwrap_or_default();
        PyList::new(slf.py(), list.iter().map(unwrapped))
    }

    fn raw_listeners<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let list = listeners_of(slf, event)?;
        PyList::new(slf.py(), list.map(|l| l.to_vec()).unwrap_or_default())
    }

    /// How many listeners `event` has, or how many of them are `listener`.
    #[pyo3(signature = (event, listener = Arg::undefined()))]
    fn listener_count<'py>(
        slf: &Bound<'py, Self>,
        event: &Bound<'py, PyAny>,
        listener: Arg<'py>,
    ) -> PyResult<usize> {
        let Some(listener) = listener.0.filter(|l| !l.is_none()) else {
            return listener_count(slf, event);
        };
        let mut count = 0;
        for entry in listeners_of(slf, event)?
            .map(|l| l.to_vec())
            .unwrap_or_default()
        {
            count += usize::from(matches(&entry, &listener)?);
        }
        Ok(count)
    }

    fn event_names<'py>(slf: &Bound<'py, Self>) -> Bound<'py, PyList> {
        slf.get().events().bind(slf.py()).keys()
    }

    /// `0` means no limit.
    #[pyo3(signature = (n = Arg::undefined()))]
    fn set_max_listeners<'py>(slf: &Bound<'py, Self>, n: Arg<'py>) -> PyResult<Bound<'py, Self>> {
        let value = n.value();
        match value.as_number() {
            Some(n) if n >= 0.0 => {
                slf.get()
                    .max_listeners
                    .store(n.to_bits(), Ordering::Relaxed);
                Ok(slf.clone())
            }
            _ => Err(Error::out_of_range("n", "a non-negative number", &value).into()),
        }
    }

    fn get_max_listeners<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let n = self.max_listeners();
        // Whole numbers come back as the ints they were set as.
        if n.fract() == 0.0 && n.abs() < 2f64.powi(53) {
            Ok((n as i64).into_pyobject(py)?.into_any())
        } else {
            Ok(n.into_pyobject(py)?.into_any())
        }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // The collector may see an instance before its fields are written.
        if let Some(events) = &self.events {
            visit.call(events)?;
        }
        self.warned.traverse(&visit)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

    /// The shape Socket and Server take: a Rust class extending the emitter.
    #[pyclass(extends = EventEmitter)]
    struct Extended {
        emitted: usize,
    }

    #[pymethods]
    impl Extended {
        #[new]
        fn new(py: Python<'_>) -> PyClassInitializer<Self> {
            let base = EventEmitter::with_listener_hook(py, |_, name, change| {
                if is_str(name, "data") && change == ListenerChange::Added {
                    HOOK_CALLS.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            });
            PyClassInitializer::from(base).add_subclass(Extended { emitted: 0 })
        }
    }

    #[test]
    fn rust_subclasses_emit_through_the_rust_api() {
        Python::initialize();
        Python::attach(|py| -> PyResult<()> {
            let obj = Bound::new(py, Extended::new(py))?;
            let emitter = obj.as_super();
            let data = intern!(py, "data");
            assert!(!has_listeners(emitter, data)?);
            let calls = pyo3::types::PyList::empty(py);
            add_listener(emitter, data, &calls.getattr("append")?, Add::Once)?;
            assert_eq!(HOOK_CALLS.load(Ordering::Relaxed), 1);
            assert_eq!(listener_count(emitter, data)?, 1);
            let args = PyTuple::new(py, [1])?;
            // A mutable borrow of the subclass does not stop the emitter.
            let mut guard = obj.borrow_mut();
            assert!(emit_event(emitter, data, &args)?);
            guard.emitted += 1;
            drop(guard);
            assert!(!emit_event(emitter, data, &args)?);
            assert_eq!(calls.len(), 1);
            // Unhandled (the error's class lives in the Python package).
            assert!(emit_event(emitter, intern!(py, "error"), &PyTuple::empty(py)).is_err());
            Ok(())
        })
        .unwrap();
    }
}
