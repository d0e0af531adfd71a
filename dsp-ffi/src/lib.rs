//! C ABI for masterlib.
