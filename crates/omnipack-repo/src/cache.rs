//! Incremental cache of package records (to be written).
