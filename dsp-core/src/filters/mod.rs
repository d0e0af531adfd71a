//! Filters and equalisers.
