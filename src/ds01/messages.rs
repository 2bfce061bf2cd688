//! DS01's friendly refusal boxes (`scripts/lib/error-messages.sh`,
//! reference §8.7): what a user sees when a limit or the allocator says no,
//! with the lab's contact.

use crate::settings::Contact;
use crate::ui::ds01::{BLUE, BOLD, NC, RED, YELLOW};

/// DS01's friendly refusal boxes (`error-messages.sh::show_limit_error`),
/// chosen by what the refusal says; ends with the contact box.
pub fn limit_box(code: &str, user: &str, contact: &Contact) -> String {
    let title = |colour: &str, title: &str| {
        // The original's padding, one column short of the frame except
        // for the generic box.
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
    };
    let numbers = || {
        let open = code.find('(')?;
        let inner = &code[open + 1..];
        let (a, b) = inner.split_once('/')?;
        let b = &b[..b.find(')')?];
        // Whole numbers as the original matched them; GPU-equivalents may
        // also be fractions (a MIG slice is 1/7 of a GPU).
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
        Some((
            digits(a).then(|| a.to_string()),
            digits(b).then(|| b.to_string()),
        ))
    };
    let mut out = String::from("\n");
    if code.contains("USER_AT_LIMIT") {
        let (c, m) = numbers().unwrap_or((None, None));
        out.push_str(&title(RED, "GPU Limit Reached"));
        out.push_str(&format!(
            "  You have {BOLD}{}{NC} GPU(s) allocated, which is your maximum of {BOLD}{}{NC}.\n\n",
            c.unwrap_or_default(),
            m.unwrap_or_default()
        ));
        out.push_str(&format!("  {BOLD}To free up a GPU:{NC}\n    1. View your containers:  container-list\n    2. Retire a container:    container-retire <name>\n\n"));
        out.push_str(&format!(
            "  {BOLD}Or run without GPU:{NC}\n    container-deploy <name> --no-gpu\n\n"
        ));
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your full resource status.\n\n"
        ));
    } else if code.contains("FULL_GPU_NOT_ALLOWED") {
        out.push_str(&title(YELLOW, "Full GPU Access Restricted"));
        out.push_str(
            "  Your account can only use MIG (GPU slice) instances,\n  not full GPUs.\n\n",
        );
        out.push_str(&format!("  {BOLD}MIG instances are sufficient for most workloads:{NC}\n    • Training small/medium models\n    • Fine-tuning pre-trained models\n    • Development and debugging\n\n"));
        out.push_str("  If you need full GPU access for large model training,\n  you can request researcher access.\n\n");
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your current permissions.\n\n"
        ));
    } else if code.contains("No GPUs available") || code.contains("all allocated") {
        out.push_str(&title(YELLOW, "No GPUs Currently Available"));
        out.push_str("  All GPUs are currently in use by other users.\n\n");
        out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait a few minutes and try again\n    2. Run 'dashboard' to see current GPU usage\n    3. Start container without GPU:  container-deploy <name> --no-gpu\n"));
        out.push_str(&format!(
            "    4. {BLUE}Join notification queue:{NC}  gpu-queue add {user} <container> 1\n\n"
        ));
        out.push_str("  GPUs are usually freed within a few hours as jobs complete.\n  The queue will notify you when a GPU becomes available.\n\n");
    } else if code.contains("No MIG instances") || code.contains("only full GPUs") {
        out.push_str(&title(YELLOW, "No MIG Instances Available"));
        out.push_str("  All MIG (GPU slice) instances are currently in use.\n  Only full GPUs are free, but your account uses MIG only.\n\n");
        out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait and try again (MIG slots free as containers stop)\n    2. Run 'dashboard' to see current usage\n    3. Start without GPU:  container-deploy <name> --no-gpu\n\n"));
    } else if code.contains("CONTAINER_LIMIT") {
        let (c, m) = numbers().unwrap_or((None, None));
        out.push_str(&title(YELLOW, "Container Limit Reached"));
        out.push_str(&format!(
            "  You have {BOLD}{}{NC} containers, which is your maximum of {BOLD}{}{NC}.\n\n",
            c.unwrap_or_else(|| "?".into()),
            m.unwrap_or_else(|| "?".into())
        ));
        out.push_str(&format!("  {BOLD}To create a new container:{NC}\n    1. View your containers:  container-list\n    2. Remove an old one:     container-retire <name>\n\n"));
    } else {
        out.push_str(&title(RED, "Resource Allocation Failed"));
        out.push_str(&format!("  Error: {code}\n\n"));
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your resource status.\n\n"
        ));
    }
    out.push_str(&contact_box(contact));
    out.push('\n');
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
