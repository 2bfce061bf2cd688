//! DS01's friendly refusal boxes (`scripts/lib/error-messages.sh`,
//! reference §8.7): what a user sees when a limit or the allocator says no,
//! with the lab's contact.

use crate::settings::Contact;
use crate::ui::ds01::{BLUE, BOLD, NC, RED, YELLOW};

/// DS01's friendly refusal boxes (`error-messages.sh::show_limit_error`),
/// chosen by what the refusal says; ends with the contact box.
pub fn limit_box(code: &str, user: &str, contact: &Contact) -> String {
    // The order matters: a refusal may mention several of these.
    let body = if code.contains("USER_AT_LIMIT") {
        gpu_limit_box(code)
    } else if code.contains("FULL_GPU_NOT_ALLOWED") {
        full_gpu_restricted_box()
    } else if code.contains("No GPUs available") || code.contains("all allocated") {
        no_gpu_available_box(user)
    } else if code.contains("No MIG instances") || code.contains("only full GPUs") {
        no_mig_available_box()
    } else if code.contains("CONTAINER_LIMIT") {
        container_limit_box(code)
    } else {
        allocation_failed_box(code)
    };
    format!("\n{body}{}\n", contact_box(contact))
}

/// The framed, coloured title every box starts with.
fn title_frame(colour: &str, title: &str) -> String {
    // The original's padding, one column short of the frame except for the
    // generic box.
    let width = if title == "Resource Allocation Failed" {
        60
    } else {
        59
    };
    format!(
        "{colour}╔══════════════════════════════════════════════════════════════╗{NC}\n\
         {colour}║{NC}  {BOLD}{title}{NC}{}{colour}║{NC}\n\
         {colour}╚══════════════════════════════════════════════════════════════╝{NC}\n\n",
        " ".repeat(width - title.chars().count().min(width))
    )
}

/// The `(used/maximum)` a refusal ends with; either is `None` when it is
/// not a number, and both when there is no such pair.
fn used_and_maximum(code: &str) -> (Option<String>, Option<String>) {
    let pair = || {
        let open = code.find('(')?;
        let (a, b) = code[open + 1..].split_once('/')?;
        let b = &b[..b.find(')')?];
        Some((number(a), number(b)))
    };
    pair().unwrap_or((None, None))
}

/// `s` when it is a number: whole, as the original matched them, or a
/// fraction, since GPU-equivalents may be fractions (a MIG slice is 1/7 of
/// a GPU).
fn number(s: &str) -> Option<String> {
    let numeric = !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    numeric.then(|| s.to_string())
}

/// `USER_AT_LIMIT`: the user holds as many GPUs as allowed.
fn gpu_limit_box(code: &str) -> String {
    let (used, maximum) = used_and_maximum(code);
    let mut out = title_frame(RED, "GPU Limit Reached");
    out.push_str(&format!(
        "  You have {BOLD}{}{NC} GPU(s) allocated, which is your maximum of {BOLD}{}{NC}.\n\n",
        used.unwrap_or_default(),
        maximum.unwrap_or_default()
    ));
    out.push_str(&format!("  {BOLD}To free up a GPU:{NC}\n    1. View your containers:  container-list\n    2. Retire a container:    container-retire <name>\n\n"));
    out.push_str(&format!(
        "  {BOLD}Or run without GPU:{NC}\n    container-deploy <name> --no-gpu\n\n"
    ));
    out.push_str(&format!(
        "  Run {BLUE}check-limits{NC} to see your full resource status.\n\n"
    ));
    out
}

/// `FULL_GPU_NOT_ALLOWED`: the user's group may only have MIG slices.
fn full_gpu_restricted_box() -> String {
    let mut out = title_frame(YELLOW, "Full GPU Access Restricted");
    out.push_str("  Your account can only use MIG (GPU slice) instances,\n  not full GPUs.\n\n");
    out.push_str(&format!("  {BOLD}MIG instances are sufficient for most workloads:{NC}\n    • Training small/medium models\n    • Fine-tuning pre-trained models\n    • Development and debugging\n\n"));
    out.push_str("  If you need full GPU access for large model training,\n  you can request researcher access.\n\n");
    out.push_str(&format!(
        "  Run {BLUE}check-limits{NC} to see your current permissions.\n\n"
    ));
    out
}

/// Every GPU is taken; `user` is named in the queue command to copy.
fn no_gpu_available_box(user: &str) -> String {
    let mut out = title_frame(YELLOW, "No GPUs Currently Available");
    out.push_str("  All GPUs are currently in use by other users.\n\n");
    out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait a few minutes and try again\n    2. Run 'dashboard' to see current GPU usage\n    3. Start container without GPU:  container-deploy <name> --no-gpu\n"));
    out.push_str(&format!(
        "    4. {BLUE}Join notification queue:{NC}  gpu-queue add {user} <container> 1\n\n"
    ));
    out.push_str("  GPUs are usually freed within a few hours as jobs complete.\n  The queue will notify you when a GPU becomes available.\n\n");
    out
}

/// Only full GPUs are free, and the user may only have MIG slices.
fn no_mig_available_box() -> String {
    let mut out = title_frame(YELLOW, "No MIG Instances Available");
    out.push_str("  All MIG (GPU slice) instances are currently in use.\n  Only full GPUs are free, but your account uses MIG only.\n\n");
    out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait and try again (MIG slots free as containers stop)\n    2. Run 'dashboard' to see current usage\n    3. Start without GPU:  container-deploy <name> --no-gpu\n\n"));
    out
}

/// `CONTAINER_LIMIT`: the user has as many containers as allowed.
fn container_limit_box(code: &str) -> String {
    let (used, maximum) = used_and_maximum(code);
    let mut out = title_frame(YELLOW, "Container Limit Reached");
    out.push_str(&format!(
        "  You have {BOLD}{}{NC} containers, which is your maximum of {BOLD}{}{NC}.\n\n",
        used.unwrap_or_else(|| "?".into()),
        maximum.unwrap_or_else(|| "?".into())
    ));
    out.push_str(&format!("  {BOLD}To create a new container:{NC}\n    1. View your containers:  container-list\n    2. Remove an old one:     container-retire <name>\n\n"));
    out
}

/// Any other refusal, shown as it was worded.
fn allocation_failed_box(code: &str) -> String {
    let mut out = title_frame(RED, "Resource Allocation Failed");
    out.push_str(&format!("  Error: {code}\n\n"));
    out.push_str(&format!(
        "  Run {BLUE}check-limits{NC} to see your resource status.\n\n"
    ));
    out
}

fn contact_box(contact: &Contact) -> String {
    let Contact {
        lab,
        admin,
        role,
        email,
    } = contact;
    format!(
        "  {BLUE}╭──────────────────────────────────────────────────────────╮{NC}\n\
         \x20 {BLUE}│{NC}  {BOLD}Need more resources?{NC}                                    {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  You can discuss arranging larger quotas (ideally in     {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  advance) by contacting the {lab}.              {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}                                                          {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  Contact: {BOLD}{admin}{NC} ({role})              {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  Email:   {BOLD}{email}{NC}                   {BLUE}│{NC}\n\
         \x20 {BLUE}╰──────────────────────────────────────────────────────────╯{NC}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            lab: "Lab".into(),
            admin: "Ada".into(),
            role: "admin".into(),
            email: "ada@example.org".into(),
        }
    }

    /// How every box ends, as rendered before the boxes were split up.
    const CONTACT_BOX: &str = concat!(
        "  \x1b[0;34m╭──────────────────────────────────────────────────────────╮\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m  \x1b[1mNeed more resources?\x1b[0m                                    \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m  You can discuss arranging larger quotas (ideally in     \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m  advance) by contacting the Lab.              \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m                                                          \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m  Contact: \x1b[1mAda\x1b[0m (admin)              \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m│\x1b[0m  Email:   \x1b[1mada@example.org\x1b[0m                   \x1b[0;34m│\x1b[0m\n",
        "  \x1b[0;34m╰──────────────────────────────────────────────────────────╯\x1b[0m\n",
    );

    /// Each kind of box (and the ways its numbers may be missing), as
    /// rendered before the boxes were split up: they must not change by a
    /// byte.
    const BOXES: &[(&str, &str)] = &[
        (
            "USER_AT_LIMIT (2/2)",
            concat!(
                "\n",
                "\x1b[0;31m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[0;31m║\x1b[0m  \x1b[1mGPU Limit Reached\x1b[0m                                          \x1b[0;31m║\x1b[0m\n",
                "\x1b[0;31m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m2\x1b[0m GPU(s) allocated, which is your maximum of \x1b[1m2\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo free up a GPU:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Retire a container:    container-retire <name>\n",
                "\n",
                "  \x1b[1mOr run without GPU:\x1b[0m\n",
                "    container-deploy <name> --no-gpu\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your full resource status.\n",
                "\n",
            ),
        ),
        (
            "USER_AT_LIMIT (1.5/2.0)",
            concat!(
                "\n",
                "\x1b[0;31m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[0;31m║\x1b[0m  \x1b[1mGPU Limit Reached\x1b[0m                                          \x1b[0;31m║\x1b[0m\n",
                "\x1b[0;31m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m1.5\x1b[0m GPU(s) allocated, which is your maximum of \x1b[1m2.0\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo free up a GPU:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Retire a container:    container-retire <name>\n",
                "\n",
                "  \x1b[1mOr run without GPU:\x1b[0m\n",
                "    container-deploy <name> --no-gpu\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your full resource status.\n",
                "\n",
            ),
        ),
        (
            "USER_AT_LIMIT",
            concat!(
                "\n",
                "\x1b[0;31m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[0;31m║\x1b[0m  \x1b[1mGPU Limit Reached\x1b[0m                                          \x1b[0;31m║\x1b[0m\n",
                "\x1b[0;31m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m\x1b[0m GPU(s) allocated, which is your maximum of \x1b[1m\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo free up a GPU:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Retire a container:    container-retire <name>\n",
                "\n",
                "  \x1b[1mOr run without GPU:\x1b[0m\n",
                "    container-deploy <name> --no-gpu\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your full resource status.\n",
                "\n",
            ),
        ),
        (
            "USER_AT_LIMIT (x/2",
            concat!(
                "\n",
                "\x1b[0;31m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[0;31m║\x1b[0m  \x1b[1mGPU Limit Reached\x1b[0m                                          \x1b[0;31m║\x1b[0m\n",
                "\x1b[0;31m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m\x1b[0m GPU(s) allocated, which is your maximum of \x1b[1m\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo free up a GPU:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Retire a container:    container-retire <name>\n",
                "\n",
                "  \x1b[1mOr run without GPU:\x1b[0m\n",
                "    container-deploy <name> --no-gpu\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your full resource status.\n",
                "\n",
            ),
        ),
        (
            "FULL_GPU_NOT_ALLOWED",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mFull GPU Access Restricted\x1b[0m                                 \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  Your account can only use MIG (GPU slice) instances,\n",
                "  not full GPUs.\n",
                "\n",
                "  \x1b[1mMIG instances are sufficient for most workloads:\x1b[0m\n",
                "    • Training small/medium models\n",
                "    • Fine-tuning pre-trained models\n",
                "    • Development and debugging\n",
                "\n",
                "  If you need full GPU access for large model training,\n",
                "  you can request researcher access.\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your current permissions.\n",
                "\n",
            ),
        ),
        (
            "No GPUs available",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mNo GPUs Currently Available\x1b[0m                                \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  All GPUs are currently in use by other users.\n",
                "\n",
                "  \x1b[1mOptions:\x1b[0m\n",
                "    1. Wait a few minutes and try again\n",
                "    2. Run 'dashboard' to see current GPU usage\n",
                "    3. Start container without GPU:  container-deploy <name> --no-gpu\n",
                "    4. \x1b[0;34mJoin notification queue:\x1b[0m  gpu-queue add alice <container> 1\n",
                "\n",
                "  GPUs are usually freed within a few hours as jobs complete.\n",
                "  The queue will notify you when a GPU becomes available.\n",
                "\n",
            ),
        ),
        (
            "GPUs all allocated",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mNo GPUs Currently Available\x1b[0m                                \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  All GPUs are currently in use by other users.\n",
                "\n",
                "  \x1b[1mOptions:\x1b[0m\n",
                "    1. Wait a few minutes and try again\n",
                "    2. Run 'dashboard' to see current GPU usage\n",
                "    3. Start container without GPU:  container-deploy <name> --no-gpu\n",
                "    4. \x1b[0;34mJoin notification queue:\x1b[0m  gpu-queue add alice <container> 1\n",
                "\n",
                "  GPUs are usually freed within a few hours as jobs complete.\n",
                "  The queue will notify you when a GPU becomes available.\n",
                "\n",
            ),
        ),
        (
            "No MIG instances free",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mNo MIG Instances Available\x1b[0m                                 \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  All MIG (GPU slice) instances are currently in use.\n",
                "  Only full GPUs are free, but your account uses MIG only.\n",
                "\n",
                "  \x1b[1mOptions:\x1b[0m\n",
                "    1. Wait and try again (MIG slots free as containers stop)\n",
                "    2. Run 'dashboard' to see current usage\n",
                "    3. Start without GPU:  container-deploy <name> --no-gpu\n",
                "\n",
            ),
        ),
        (
            "only full GPUs left",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mNo MIG Instances Available\x1b[0m                                 \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  All MIG (GPU slice) instances are currently in use.\n",
                "  Only full GPUs are free, but your account uses MIG only.\n",
                "\n",
                "  \x1b[1mOptions:\x1b[0m\n",
                "    1. Wait and try again (MIG slots free as containers stop)\n",
                "    2. Run 'dashboard' to see current usage\n",
                "    3. Start without GPU:  container-deploy <name> --no-gpu\n",
                "\n",
            ),
        ),
        (
            "CONTAINER_LIMIT (3/3)",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mContainer Limit Reached\x1b[0m                                    \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m3\x1b[0m containers, which is your maximum of \x1b[1m3\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo create a new container:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Remove an old one:     container-retire <name>\n",
                "\n",
            ),
        ),
        (
            "CONTAINER_LIMIT",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mContainer Limit Reached\x1b[0m                                    \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m?\x1b[0m containers, which is your maximum of \x1b[1m?\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo create a new container:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Remove an old one:     container-retire <name>\n",
                "\n",
            ),
        ),
        (
            "CONTAINER_LIMIT (a/3)",
            concat!(
                "\n",
                "\x1b[1;33m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[1;33m║\x1b[0m  \x1b[1mContainer Limit Reached\x1b[0m                                    \x1b[1;33m║\x1b[0m\n",
                "\x1b[1;33m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  You have \x1b[1m?\x1b[0m containers, which is your maximum of \x1b[1m3\x1b[0m.\n",
                "\n",
                "  \x1b[1mTo create a new container:\x1b[0m\n",
                "    1. View your containers:  container-list\n",
                "    2. Remove an old one:     container-retire <name>\n",
                "\n",
            ),
        ),
        (
            "✗ Allocation failed: boom\n",
            concat!(
                "\n",
                "\x1b[0;31m╔══════════════════════════════════════════════════════════════╗\x1b[0m\n",
                "\x1b[0;31m║\x1b[0m  \x1b[1mResource Allocation Failed\x1b[0m                                  \x1b[0;31m║\x1b[0m\n",
                "\x1b[0;31m╚══════════════════════════════════════════════════════════════╝\x1b[0m\n",
                "\n",
                "  Error: ✗ Allocation failed: boom\n",
                "\n",
                "\n",
                "  Run \x1b[0;34mcheck-limits\x1b[0m to see your resource status.\n",
                "\n",
            ),
        ),
    ];

    #[test]
    fn every_kind_of_box_renders_as_recorded() {
        for (code, body) in BOXES {
            assert_eq!(
                limit_box(code, "alice", &contact()),
                format!("{body}{CONTACT_BOX}\n"),
                "{code:?}"
            );
        }
    }
}
