//! Fingerprints: the hashes `ghost.lock` records and `ghost check` compares.
