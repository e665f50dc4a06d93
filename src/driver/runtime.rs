//! The process's one tokio runtime, started on first use.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use tokio::runtime::Runtime;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static WORKERS: AtomicUsize = AtomicUsize::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();
/// The process that started the runtime (its threads do not survive fork).
static STARTED_IN: AtomicU32 = AtomicU32::new(0);

/// Sets the number of I/O threads; only before the runtime starts. Returns
/// whether it took effect. 0 means the default (`TOKIONET_WORKER_THREADS`,
/// else 1: socket work is mostly system calls, and one thread hands events
/// to the loop in the largest batches).
pub fn configure(worker_threads: usize) -> bool {
    if RUNTIME.get().is_some() {
        return false;
    }
    WORKERS.store(worker_threads, Ordering::Relaxed);
    true
}

pub fn get() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        let configured = WORKERS.load(Ordering::Relaxed);
        let workers = if configured > 0 {
            configured
        } else {
            std::env::var("TOKIONET_WORKER_THREADS")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or(1)
        };
        STARTED_IN.store(std::process::id(), Ordering::Relaxed);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("tokionet-io")
            .enable_io()
            .enable_time()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// The process the runtime was started in, if this is a child forked from
/// it after that (where the runtime has no threads and cannot be used).
pub fn forked_from() -> Option<u32> {
    let started = STARTED_IN.load(Ordering::Relaxed);
    (started != 0 && started != std::process::id()).then_some(started)
}

/// Milliseconds on a monotonic clock, for activity stamps shared between
/// threads.
pub fn now_ms() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// The tokio instant of a [`now_ms`] stamp.
pub fn instant_at(ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::from_std(
        *EPOCH.get_or_init(Instant::now) + std::time::Duration::from_millis(ms),
    )
}
