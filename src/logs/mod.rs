//! TODO: logs
