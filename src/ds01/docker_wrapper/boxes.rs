//! The wrapper's boxes on stderr (reference §8.3), as the original drew
//! them: fixed lines, values padded as bash's `printf %-Ns` pads (by
//! bytes).

const TOP: &str = "┌─────────────────────────────────────────────────────────────────┐\n";
const RULE: &str = "├─────────────────────────────────────────────────────────────────┤\n";
const BOTTOM: &str = "└─────────────────────────────────────────────────────────────────┘\n";
const BLANK: &str = "│                                                                  │\n";

/// `value` left-aligned in `width` bytes (longer values are kept whole).
fn pad(value: &str, width: usize) -> String {
    format!("{value}{}", " ".repeat(width.saturating_sub(value.len())))
}

/// The idle timeout and maximum runtime the notice states, in hours,
/// per container type (hard-coded in the original, §12 item 29).
fn lifetimes(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "orchestration" | "atomic" | "api" => ("0.5", "24"),
        "devcontainer" => ("0.5", "168"),
        "compose" => ("0.5", "72"),
        "docker" => ("0.5", "48"),
        _ => ("0.25", "24"),
    }
}

/// `DS01 GPU Container Notice` for the GPUs `uuids` (comma-separated).
pub fn gpu_notice(uuids: &str, kind: &str) -> String {
    let (idle, runtime) = lifetimes(kind);
    let idle = format!("{idle}h of GPU inactivity → auto-stop");
    let runtime = format!("{runtime}h → auto-stop");
    [
        "\n",
        TOP,
        "│  DS01 GPU Container Notice                                       │\n",
        RULE,
        BLANK,
        &format!("│  Allocated GPU: {} │\n", pad(uuids, 46)),
        BLANK,
        "│  IMPORTANT: GPU containers are ephemeral:                        │\n",
        &format!("│  • Idle timeout: {} │\n", pad(&idle, 44)),
        &format!("│  • Max runtime: {} │\n", pad(&runtime, 45)),
        BLANK,
        "│  Save work to mounted volumes (/home/$USER/).                   │\n",
        BLANK,
        BOTTOM,
        "\n",
    ]
    .concat()
}

/// `DS01 GPU Allocation Failed`: `QUOTA_EXCEEDED`, `TIMEOUT`, or any
/// other error word.
pub fn gpu_failed(error: &str, details: &str) -> String {
    let mut text = [
        "\n",
        TOP,
        "│  DS01 GPU Allocation Failed                                      │\n",
        RULE,
    ]
    .concat();
    let body: Vec<String> = match error {
        "QUOTA_EXCEEDED" => vec![
            BLANK.into(),
            "│  You have reached your GPU quota limit.                          │\n".into(),
            BLANK.into(),
            format!("│  {} │\n", pad(details, 64)),
            BLANK.into(),
            "│  To free up quota:                                               │\n".into(),
            "│    • Stop an existing container: docker stop <name>              │\n".into(),
            "│    • Check your containers: docker ps                            │\n".into(),
        ],
        "TIMEOUT" => vec![
            BLANK.into(),
            "│  No GPU available after waiting 3 minutes.                       │\n".into(),
            BLANK.into(),
            "│  All GPUs are currently allocated to other users.                │\n".into(),
            BLANK.into(),
            "│  Suggestions:                                                    │\n".into(),
            "│    • Try again later                                             │\n".into(),
            "│    • Check GPU status: gpu-status                                │\n".into(),
            "│    • System cleanup runs every 30 minutes                        │\n".into(),
        ],
        other => {
            let mut lines = vec![format!("│  Error: {} │\n", pad(other, 56))];
            if !details.is_empty() {
                lines.push(format!("│  {} │\n", pad(details, 64)));
            }
            lines
        }
    };
    text.push_str(&body.concat());
    text.push_str(BLANK);
    text.push_str(BOTTOM);
    text.push('\n');
    text
}

/// `DS01 Aggregate Memory Quota Exceeded`, in whole GiB (`%3d`).
pub fn memory_exceeded(current_gb: u64, requested_gb: u64, limit_gb: u64) -> String {
    let row = |label: &str, gb: u64| {
        format!("│  {label}{gb:>3}G                                          │\n")
    };
    [
        "\n",
        TOP,
        "│  DS01 Aggregate Memory Quota Exceeded                           │\n",
        RULE,
        BLANK,
        &row("Current usage:    ", current_gb),
        &row("Requested:        ", requested_gb),
        &row("Your limit:       ", limit_gb),
        BLANK,
        "│  This container would exceed your aggregate memory quota.        │\n",
        BLANK,
        "│  To free up quota:                                               │\n",
        "│    • Stop a running container: docker stop <name>                │\n",
        "│    • Check your containers: docker ps                            │\n",
        "│    • Check your limits: check-limits                             │\n",
        BLANK,
        BOTTOM,
        "\n",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_box_line_is_as_wide_as_the_frame() {
        let width = |l: &str| l.chars().count();
        let texts = [
            gpu_notice("GPU-0123", "docker"),
            gpu_failed("QUOTA_EXCEEDED", "1/1"),
            gpu_failed("TIMEOUT", ""),
            memory_exceeded(90, 32, 96),
        ];
        for text in &texts {
            for line in text.lines().filter(|l| l.starts_with('│')) {
                // The original's frame is 68 wide; its padded lines are not
                // (bash pads by bytes, an arrow is 3; `%-64s` makes 69).
                assert!((60..=69).contains(&width(line)), "{line:?}");
            }
        }
        assert!(texts[0].contains("│  • Max runtime: 48h → auto-stop"));
    }

    #[test]
    fn padding_counts_bytes_as_bash_printf() {
        let notice = gpu_notice("GPU-x", "docker");
        let line = notice.lines().find(|l| l.contains("Idle")).unwrap_or("");
        // 36 bytes of value (the arrow is 3) padded to 44: 8 spaces.
        assert!(line.ends_with("auto-stop         │"), "{line:?}");
        let quota = gpu_failed("QUOTA_EXCEEDED", "1/1");
        assert!(quota.contains(&format!("│  1/1{} │\n", " ".repeat(61))));
        let mem = memory_exceeded(5, 32, 96);
        assert!(mem.contains("│  Current usage:      5G   "));
    }
}
