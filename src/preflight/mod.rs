//! TODO: preflight
