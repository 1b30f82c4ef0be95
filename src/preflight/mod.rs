//! Checks run before every start attempt: the command, the working
//! directory, required files, variables, commands and free ports.
//!
//! NOTE: a placeholder with the interface the supervisor calls; the checks replace it.

use crate::config::ComponentConfig;
use crate::diagnose::{Diagnosis, PortOwners};

/// One failed preflight check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The check in words, e.g. "requires.env TUNNEL_TOKEN".
    pub check: String,
    pub diagnosis: Diagnosis,
}

pub fn check(
    component: &ComponentConfig,
    env: &dyn Fn(&str) -> Option<String>,
    owners: &dyn PortOwners,
) -> Vec<Problem> {
    let _ = (component, env, owners);
    Vec::new()
}
