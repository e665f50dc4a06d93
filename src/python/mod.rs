//! The Python extension module `tokionet._tokionet`: the only place with
//! PyO3. It converts arguments into the core's [`crate::Value`]s, calls the
//! core, and turns [`crate::Error`]s into exceptions (in `errors.rs`, once).

// PyO3 hands arguments over by value.
#![allow(clippy::needless_pass_by_value)]

mod address;
mod arg;
mod blocklist;
mod emitter;
mod errors;
mod loop_ctx;
mod module;
mod options;
mod pipe;
mod poller;
mod server;
mod socket;
