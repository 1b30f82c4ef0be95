//! `tend export`: writes the config in the form another supervisor reads,
//! so a setup that outgrew the desktop keeps its meaning elsewhere.

mod escape;
pub mod systemd;
mod unit;
