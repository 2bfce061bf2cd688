//! Who the container is for, its name, its limits and its slice: every
//! check and read before the allocator is asked.

use super::{Options, USAGE};
use crate::context::Ctx;
use crate::error::Failure;
use crate::identity;
use crate::model::ContainerTag;
use crate::policy::limits::{ConfigError, Resources};
use crate::policy::username::sanitize;
use crate::ui::ds01 as term;

/// Everything decided before the allocator is asked.
pub struct Plan {
    pub options: Options,
    pub user: String,
    pub sanitized: String,
    pub tag: String,
    pub workspace: String,
    /// The limits as configured (the fallback without a configuration).
    pub resources: Resources,
    /// The cgroup parent (`--cgroup-parent`); empty without a configuration.
    pub slice: String,
    /// Whether DS01's configuration exists (else there is no allocator).
    pub configured: bool,
}

impl Plan {
    /// The resource arguments as the original showed them.
    pub fn docker_args(&self) -> Vec<String> {
        self.resources.docker_args(&self.slice)
    }
}

/// `whoami` for `--show-limits`: `SUDO_USER` under sudo, else the caller.
pub fn caller_name(ctx: &Ctx) -> String {
    sudo_user(ctx).unwrap_or_else(|| effective_name(ctx))
}

/// `SUDO_USER`, honoured only when root really runs the command: anybody
/// else could name another user in it.
fn sudo_user(ctx: &Ctx) -> Option<String> {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    root.then(|| ctx.env.get("SUDO_USER").map(str::to_string))?
}

/// The effective user's name (`whoami`, not the login session's).
fn effective_name(ctx: &Ctx) -> String {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name)
}

/// Who the container is for, with their home: the sudo user when root
/// runs it through sudo; never root itself.
fn resolve_user(ctx: &mut Ctx) -> Result<(String, u32, String), Failure> {
    if let Some(u) = sudo_user(ctx) {
        let Some(entry) = identity::user_by_name(&u) else {
            term::error(ctx, &format!("Unknown sudo user: {u}"));
            return Err(Failure::exit(1));
        };
        term::warning(
            ctx,
            &format!(
                "Running via sudo — resolving to user '{u}'. You don't need sudo for mlc-create."
            ),
        );
        return Ok((u, entry.uid, entry.home));
    }
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    if uid == 0 {
        term::error(ctx, "mlc-create should not be run as root directly");
        term::info(ctx, "Run as a normal user: mlc-create <name> <framework>");
        return Err(Failure::exit(1));
    }
    // The original's `$HOME` as bash saw it (empty when unset).
    let home = ctx.env.get("HOME").unwrap_or_default().to_string();
    Ok((effective_name(ctx), uid, home))
}

/// The checks and reads of the original, in its order, with its words.
pub fn plan(ctx: &mut Ctx, options: Options) -> Result<Plan, Failure> {
    let (user, uid, home) = resolve_user(ctx)?;
    check_name(ctx, &options.name)?;
    let tag = ContainerTag::new(&options.name, uid).to_string();
    check_new(ctx, &options.name, &tag, &user)?;
    if !options.gpu.is_empty() && !matches!(options.gpu.as_str(), "0" | "1" | "2" | "3") {
        term::error(
            ctx,
            &format!("Invalid GPU ID: {} (must be 0-3)", options.gpu),
        );
        return Err(Failure::exit(1));
    }
    let workspace = options
        .workspace
        .clone()
        .unwrap_or_else(|| format!("{home}/workspace"));
    let _ = std::fs::create_dir_all(&workspace);
    term::info(
        ctx,
        &format!("Creating container '{}' for user '{user}'", options.name),
    );
    let version = match options.version.as_str() {
        "" => String::new(),
        v => format!("v{v}"),
    };
    term::info(ctx, &format!("Framework: {} {version}", options.framework));
    term::info(ctx, &format!("Workspace: {workspace}"));
    let (resources, group, configured) = limits(ctx, &user)?;
    let sanitized = sanitize(&user);
    let slice = slice(ctx, &group, &sanitized, configured);
    Ok(Plan {
        options,
        user,
        sanitized,
        tag,
        workspace,
        resources,
        slice,
        configured,
    })
}

fn check_name(ctx: &mut Ctx, name: &str) -> Result<(), Failure> {
    if name.is_empty() {
        term::error(ctx, "Container name is required");
        ctx.out(USAGE);
        return Err(Failure::exit(1));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        term::error(ctx, &format!("Invalid container name: {name}"));
        term::info(ctx, "Use only letters, numbers, hyphens, and underscores");
        return Err(Failure::exit(1));
    }
    Ok(())
}

/// The engine answers and has no container of that tag.
fn check_new(ctx: &mut Ctx, name: &str, tag: &str, user: &str) -> Result<(), Failure> {
    match ctx.engine().and_then(|e| e.find_container(tag)) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => {
            term::error(ctx, &format!("Container '{name}' already exists"));
            term::info(
                ctx,
                "Use container-remove to remove it first, or choose a different name",
            );
            Err(Failure::exit(1))
        }
        Err(_) => {
            term::error(
                ctx,
                "Docker daemon is not running or you don't have permission",
            );
            term::info(
                ctx,
                &format!("Try: sudo usermod -aG docker {user} (then logout/login)"),
            );
            Err(Failure::exit(1))
        }
    }
}

/// The user's limits and group; the fallback without a configuration.  A
/// broken configuration, or a limit that cannot be used (`Limits::check`),
/// stops the create (the original went on with default limits, i.e.
/// without the admin's, or passed the value on to docker).
fn limits(ctx: &mut Ctx, user: &str) -> Result<(Resources, String, bool), Failure> {
    match ctx.config() {
        Ok(config) => {
            term::info(ctx, "Loading resource limits from configuration...");
            let l = config.limits(user);
            // A value the engine cannot take (or a quota that compares to
            // nothing) stops the create before anything is made.
            l.check(user).map_err(|e| e.failure("mlc-create"))?;
            term::info(ctx, "Resource limits applied:");
            for a in l.docker_args(user) {
                term::line(ctx, &format!("  {a}"));
            }
            Ok((l.resources(), l.group_name(), true))
        }
        Err(ConfigError::Missing(_)) => {
            term::warning(ctx, "Resource configuration not found, using defaults");
            Ok((Resources::fallback(), "student".to_string(), false))
        }
        Err(e) => Err(e.failure("mlc-create")),
    }
}

/// The user's slice, or the group's when the user's does not exist.
fn slice(ctx: &mut Ctx, group: &str, sanitized: &str, configured: bool) -> String {
    let user_slice = format!("ds01-{group}-{sanitized}.slice");
    term::info(ctx, &format!("Ensuring user slice exists: {user_slice}"));
    if slice_exists(&user_slice) {
        term::info(ctx, "User slice ready");
        return if configured {
            user_slice
        } else {
            String::new()
        };
    }
    term::warning(
        ctx,
        "Could not create user slice (will use group slice instead)",
    );
    if configured {
        format!("ds01-{group}.slice")
    } else {
        String::new()
    }
}

fn slice_exists(slice: &str) -> bool {
    ["/etc/systemd/system", "/run/systemd/system"]
        .iter()
        .any(|dir| std::path::Path::new(dir).join(slice).exists())
}
