//! What container-create says when the GPUs asked for cannot be had, and
//! its notice for a multi-GPU request.  (Refusals of the allocator itself,
//! and the report of a failed create, are mlc-create's: DS01's friendly
//! boxes and its diagnostic block.)

use super::plan::GpuQuota;
use crate::error::Failure;
use crate::ui::ds01::{BOLD, CYAN, NC, RED};

/// No GPU is left to this user: limits, usage, and how to free some.
pub fn cannot_allocate(q: &GpuQuota) -> Failure {
    Failure::stdout(
        1,
        format!(
            "{RED}Cannot allocate GPU resources.{NC}\n\n\
             Your limits:\n\
             \x20 • Per container: up to {} GPUs\n\
             \x20 • Total (all containers): up to {} GPUs\n\n\
             Current usage:\n\
             \x20 • You have {} GPUs allocated\n\
             \x20 • Remaining quota: {}\n\n\
             {CYAN}To free up resources:{NC}\n\
             \x20 container-retire <name>   # Remove a container and free its GPU\n\
             \x20 check-limits              # View your current usage\n",
            q.per, q.total, q.current, q.remaining
        ),
    )
}

/// `--num-gpus` that is not a positive whole number.
pub fn invalid_count(given: &str) -> Failure {
    Failure::stdout(
        1,
        format!("{RED}Invalid --num-gpus value: '{given}' (expected a positive integer).{NC}\n"),
    )
}

/// `--num-gpus` above what this container may have.
pub fn too_many(given: &str, q: &GpuQuota) -> Failure {
    Failure::stdout(
        1,
        format!(
            "{RED}Requested {given} GPU slot(s) exceeds your available maximum of {}.{NC}\n\
             \x20 • Per container: up to {}   • Remaining quota: {}   • System free: {}\n\n\
             Run {CYAN}check-limits{NC} to see your current usage.\n",
            q.cap, q.per, q.remaining, q.physical
        ),
    )
}

/// The notice before a request for more than one GPU.
pub fn multi_gpu_notice(n: u64) -> String {
    let rule = format!("{CYAN}{}{NC}", "━".repeat(47));
    format!(
        "{rule}\n{CYAN}ℹ  Multi-GPU Allocation{NC}\n{rule}\n\n\
         \x20 Requesting: {BOLD}{n} full GPUs{NC}\n\n\
         \x20 {CYAN}Useful for:{NC}\n\
         \x20   • Data-parallel training (DDP)\n\
         \x20   • Large models requiring multi-GPU memory\n\
         \x20   • Hyperparameter sweeps on separate GPUs\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_exit_1_on_stdout() {
        let f = invalid_count("abc");
        assert_eq!(f.code, 1);
        assert_eq!(
            f.stdout,
            "\x1b[0;31mInvalid --num-gpus value: 'abc' (expected a positive integer).\x1b[0m\n"
        );
        let q = GpuQuota {
            per: "2".into(),
            total: "2".into(),
            current: 2,
            remaining: 0,
            physical: 4,
            cap: 0,
        };
        assert!(cannot_allocate(&q)
            .stdout
            .contains("  • You have 2 GPUs allocated\n  • Remaining quota: 0\n"));
        assert!(too_many("9", &q).stdout.contains("maximum of 0.\x1b[0m\n  • Per container: up to 2   • Remaining quota: 0   • System free: 4\n"));
    }
}
