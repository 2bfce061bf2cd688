//! Tier 2: DS01's policy layer over AIME MLC: per-user resource limits
//! (`resource-limits.yaml`), username sanitizing, and the commands built on
//! them.  Every DS01 command reads limits through [`limits`] and sanitizes
//! names through [`username`]; there is one implementation of each.

pub mod allocator;
pub mod check_limits;
pub mod get_resource_limits;
pub mod gpu_allocator;
pub mod gpu_availability_checker;
pub mod gpu_state_reader;
pub mod gpus;
pub mod limits;
pub mod mlc_create;
pub mod pyfmt;
pub mod username;

pub use username::sanitize as sanitize_username;

use crate::error::Failure;

/// The DS01 command names this tier answers to.
pub const COMMANDS: &[&str] = &[
    get_resource_limits::NAME,
    gpu_state_reader::NAME,
    gpu_state_reader::ALIAS,
    gpu_allocator::NAME,
    gpu_allocator::ALIAS,
    gpu_availability_checker::NAME,
    gpu_availability_checker::ALIAS,
    check_limits::NAME,
    check_limits::ALIAS,
    mlc_create::NAME,
];

/// Run the DS01 command `name` with `args`; returns the exit code.
pub fn main(name: &str, args: &[String]) -> i32 {
    match name {
        get_resource_limits::NAME => get_resource_limits::main(args),
        gpu_state_reader::NAME | gpu_state_reader::ALIAS => gpu_state_reader::main(args),
        gpu_allocator::NAME | gpu_allocator::ALIAS => gpu_allocator::main(args),
        mlc_create::NAME => mlc_create::main(args),
        gpu_availability_checker::NAME | gpu_availability_checker::ALIAS => {
            gpu_availability_checker::main(args)
        }
        check_limits::NAME | check_limits::ALIAS => check_limits::main(args),
        other => {
            Failure::stderr(127, format!("ds01: no DS01 command is called '{other}'\n")).report()
        }
    }
}
