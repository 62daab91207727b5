//! Project versions from `git describe`, converted by Flocker's rules (to be written).
