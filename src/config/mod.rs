//! `tend.toml`: the raw schema, strict parsing with positioned errors,
//! `${VAR}` expansion and the resolved [`Config`].

mod model;

pub use model::*;
