//! Dynamics processors.
