//! Tier 2: DS01's commands over AIME MLC.  Each module is one command;
//! the policy they share (limits, GPUs, the allocator) is in
//! [`crate::policy`], the terminal kit in [`crate::ui::ds01`].

pub mod check_limits;
pub mod container_exit;
pub mod create_policy;
pub mod get_resource_limits;
pub mod gpu_allocator;
pub mod gpu_availability_checker;
pub mod gpu_state_reader;
pub mod messages;
pub mod mlc_create;
