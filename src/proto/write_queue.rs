//! Node's Writable accounting for one socket: the writable length, the
//! high-water mark, `'drain'`, and the write requests still in flight.
//!
//! Bytes themselves are not held here (the driver owns what the kernel has
//! not taken yet); this is the bookkeeping that decides what `write()`
//! returns, when each write's callback runs and when `'drain'` is due.

use std::collections::VecDeque;

/// A caller's write callback, by the id the binding layer gave it (0: none).
pub type CallbackId = u64;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    len: usize,
    callback: CallbackId,
}

/// The writable side's length accounting.
#[derive(Debug, Clone)]
pub struct WriteQueue {
    hwm: usize,
    /// Bytes accepted by `write()` whose completion has not been seen.
    length: usize,
    /// Writes handed to the driver, oldest first.
    in_flight: VecDeque<Pending>,
    need_drain: bool,
    /// Bytes accepted over the socket's life (Node's `bytesWritten` counts
    /// queued bytes too).
    accepted: u64,
}

/// What completing writes produced: callbacks to run, and whether `'drain'`
/// is due after them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Completed {
    pub callbacks: Vec<CallbackId>,
    pub drain: bool,
}

impl WriteQueue {
    pub fn new(hwm: usize) -> Self {
        WriteQueue {
            hwm,
            length: 0,
            in_flight: VecDeque::new(),
            need_drain: false,
            accepted: 0,
        }
    }

    pub fn high_water_mark(&self) -> usize {
        self.hwm
    }

    /// Node's `writableLength`.
    pub fn length(&self) -> usize {
        self.length
    }

    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Accepts a write of `len` bytes; returns what Node's `write()` returns:
    /// whether the length is still under the high-water mark *with* this
    /// write counted, so a single write of the full mark returns false.
    pub fn accept(&mut self, len: usize) -> bool {
        self.length += len;
        self.accepted += len as u64;
        let ok = self.length < self.hwm;
        if !ok {
            self.need_drain = true;
        }
        ok
    }

    /// A write the kernel took at once: it leaves the length now; its
    /// callback (if any) still runs later, as Node defers it.
    pub fn complete_now(&mut self, len: usize, callback: CallbackId) -> Completed {
        self.length -= len;
        let mut done = Completed::default();
        if callback != 0 {
            done.callbacks.push(callback);
        }
        done.drain = self.take_drain();
        done
    }

    /// A write handed to the driver; it completes in order with
    /// [`WriteQueue::complete_queued`].
    pub fn queue(&mut self, len: usize, callback: CallbackId) {
        self.in_flight.push_back(Pending { len, callback });
    }

    /// The driver finished the `count` oldest queued writes.
    pub fn complete_queued(&mut self, count: usize) -> Completed {
        let mut done = Completed::default();
        for _ in 0..count {
            let Some(p) = self.in_flight.pop_front() else {
                break;
            };
            self.length -= p.len;
            if p.callback != 0 {
                done.callbacks.push(p.callback);
            }
        }
        done.drain = self.take_drain();
        done
    }

    /// Every queued write that will now never complete (the socket was
    /// destroyed): their callbacks, in order.
    pub fn abort(&mut self) -> Vec<CallbackId> {
        let callbacks = self
            .in_flight
            .iter()
            .map(|p| p.callback)
            .filter(|&c| c != 0)
            .collect();
        self.in_flight.clear();
        self.length = 0;
        self.need_drain = false;
        callbacks
    }

    fn take_drain(&mut self) -> bool {
        if self.need_drain && self.length == 0 {
            self.need_drain = false;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_of_the_full_mark_returns_false_and_drains_after() {
        let mut q = WriteQueue::new(16);
        assert!(q.accept(8));
        assert!(!q.accept(8));
        q.queue(8, 1);
        q.queue(8, 2);
        assert_eq!(
            q.complete_queued(1),
            Completed {
                callbacks: vec![1],
                drain: false
            }
        );
        assert_eq!(
            q.complete_queued(1),
            Completed {
                callbacks: vec![2],
                drain: true
            }
        );
        assert_eq!(q.length(), 0);
    }

    #[test]
    fn immediate_completion_leaves_the_length_at_once() {
        let mut q = WriteQueue::new(16);
        assert!(!q.accept(16));
        let done = q.complete_now(16, 0);
        assert!(done.drain && done.callbacks.is_empty());
        assert!(q.accept(4));
        assert_eq!(q.complete_now(4, 0), Completed::default());
    }

    #[test]
    fn abort_returns_pending_callbacks() {
        let mut q = WriteQueue::new(4);
        q.accept(10);
        q.queue(5, 7);
        q.queue(5, 0);
        assert_eq!(q.abort(), vec![7]);
        assert_eq!(q.length(), 0);
        assert_eq!(q.accepted(), 10);
    }
}
