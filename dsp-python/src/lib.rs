//! Python bindings for masterlib.
