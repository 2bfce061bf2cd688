//! Tier 2: DS01's commands over AIME MLC.  Each module is one command;
//! the policy they share (limits, GPUs, the allocator) is in
//! [`crate::policy`], the terminal kit in [`crate::ui::ds01`].

pub mod check_limits;
pub mod container_attach;
pub mod container_create;
pub mod container_deploy;
pub mod container_exit;
pub mod container_list;
pub mod container_pause;
pub mod container_remove;
pub mod container_retire;
pub mod container_run;
pub mod container_session;
pub mod container_start;
pub mod container_stats;
pub mod container_stop;
pub mod container_unpause;
pub mod create_policy;
pub mod devcontainer_check;
pub mod devcontainer_init;
pub mod dispatch;
pub mod docker_wrapper;
pub mod get_resource_limits;
pub mod gpu_allocator;
pub mod gpu_availability_checker;
pub mod gpu_state_reader;
pub mod help;
pub mod image_create;
pub mod image_delete;
pub mod image_install;
pub mod image_list;
pub mod image_update;
pub mod lifecycle;
pub mod messages;
pub mod mlc_create;
pub mod mlc_stats;
pub mod owned;
pub mod project_init;
pub mod project_launch;
pub mod project_meta;
pub mod shell_setup;
pub mod ssh_setup;
pub mod user_setup;
pub mod version;
pub mod vscode_setup;

/// The run a command line asks for, or None once the page it asked for
/// (help, info) is printed: the command then ends with exit 0.
pub fn run_or_page<T>(
    ctx: &mut crate::context::Ctx,
    parsed: crate::cli::ds01::Parsed<T>,
) -> Option<T> {
    match parsed {
        crate::cli::ds01::Parsed::Help(page) => {
            ctx.out(&page);
            None
        }
        crate::cli::ds01::Parsed::Run(run) => Some(run),
    }
}
