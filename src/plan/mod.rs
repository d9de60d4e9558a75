//! Stage 4, plan: compiled modules, `ghost.lock` and the implementations on disk in;
//! each module's [`State`] and the order to build them out.
//!
//! The lock (`lock.rs`) is the only file this stage reads and writes; deciding a state
//! (`state.rs`) is pure.

pub mod lock;
pub mod state;

pub use lock::{Lock, LockEntry, LockError};
pub use state::{ModuleStatus, StaleReason, State};
