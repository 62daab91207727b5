//! The built-in distribution table (to be written).
