//! The `#[pymodule]`: what `tokionet._tokionet` exports.

use pyo3::prelude::*;

use super::address::{is_ip, is_ipv4, is_ipv6, PySocketAddress};
use super::arg::Arg;
use super::blocklist::PyBlockList;
use super::emitter::EventEmitter;
use super::loop_ctx::{_loop_ctx, LoopCtx};
use super::poller::HubPoller;
use super::server::PyServer;
use super::socket::{connect, PySocket};
use crate::config;

#[pyfunction]
fn get_default_auto_select_family() -> bool {
    config::default_auto_select_family()
}

#[pyfunction]
#[pyo3(signature = (value = Arg::undefined()))]
fn set_default_auto_select_family(value: Arg<'_>) -> PyResult<()> {
    Ok(config::set_default_auto_select_family(&value.value())?)
}

#[pyfunction]
fn get_default_auto_select_family_attempt_timeout() -> u32 {
    config::default_auto_select_family_attempt_timeout()
}

#[pyfunction]
#[pyo3(signature = (value = Arg::undefined()))]
fn set_default_auto_select_family_attempt_timeout(value: Arg<'_>) -> PyResult<()> {
    Ok(config::set_default_auto_select_family_attempt_timeout(
        &value.value(),
    )?)
}

/// `tokionet.configure(worker_threads=N)`: the number of I/O threads, before
/// the first socket or server starts the runtime. Returns whether it took
/// effect.
#[pyfunction]
#[pyo3(signature = (*, worker_threads = 0))]
fn configure(worker_threads: usize) -> bool {
    crate::driver::runtime::configure(worker_threads)
}

#[pymodule]
fn _tokionet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySocketAddress>()?;
    m.add_class::<PyBlockList>()?;
    m.add_class::<EventEmitter>()?;
    m.add_class::<PySocket>()?;
    m.add_class::<PyServer>()?;
    m.add_class::<LoopCtx>()?;
    m.add_class::<HubPoller>()?;
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_function(wrap_pyfunction!(_loop_ctx, m)?)?;
    m.add_function(wrap_pyfunction!(configure, m)?)?;
    m.add_function(wrap_pyfunction!(is_ip, m)?)?;
    m.add_function(wrap_pyfunction!(is_ipv4, m)?)?;
    m.add_function(wrap_pyfunction!(is_ipv6, m)?)?;
    m.add_function(wrap_pyfunction!(get_default_auto_select_family, m)?)?;
    m.add_function(wrap_pyfunction!(set_default_auto_select_family, m)?)?;
    m.add_function(wrap_pyfunction!(
        get_default_auto_select_family_attempt_timeout,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(
        set_default_auto_select_family_attempt_timeout,
        m
    )?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
