//! Tend's supervisor core: configuration, process lifecycle, diagnosis, probes,
//! logs, metrics and the control API. The `tend` CLI and the `tend-app` tray
//! application are thin shells over this library.

pub mod api;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod event;
pub mod export;
pub mod health;
pub mod import;
pub mod instance;
pub mod logs;
pub mod metrics;
pub mod notify;
pub mod paths;
pub mod preflight;
pub mod process;
pub mod state;
pub mod supervisor;
#[cfg(test)]
mod test_support;
pub mod tray_menu;
