//! DS01's policy core, as libraries the commands use: resource limits
//! (`resource-limits.yaml`), the GPU inventory, who holds which GPU, the
//! allocator, username sanitizing and Python's number formats.  Nothing
//! here prints, connects or reads the environment: what it reads comes in
//! through [`sources::Sources`].

pub mod allocator;
pub mod fd;
pub mod gpu_snapshot;
pub mod gpu_state;
pub mod gpus;
pub mod limits;
pub mod lock;
pub mod pyfmt;
pub mod reservations;
pub mod sources;
pub mod state_dir;
pub mod username;
pub mod utilization;

pub use username::sanitize as sanitize_username;
