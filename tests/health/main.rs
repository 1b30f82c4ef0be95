//! Health probes against real servers, processes and files.

#[path = "../support/mod.rs"]
mod support;

mod checks;
mod runner;
