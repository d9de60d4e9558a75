//! Unit tests of the checker: the tricky inference cases.
