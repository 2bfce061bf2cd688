//! The decisions before the create: how many GPUs (the caller's limits,
//! what they hold, what the host has; checked or asked), and what the
//! container is made from (a framework, an image, or the image named
//! like the container).

use super::diagnostics;
use crate::context::Ctx;
use crate::ds01::get_resource_limits;
use crate::error::Failure;
use crate::policy::gpu_state::Reader;
use crate::policy::sources::Sources;
use crate::ui::ds01::{self as term, BOLD, CYAN, DIM, GREEN, NC, YELLOW};

/// The caller's GPU room, as the original computed and printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuQuota {
    /// Slots per container, as configured (`unlimited` possible).
    pub per: String,
    /// Slots in all, as configured (`unlimited` possible).
    pub total: String,
    /// Slots the caller holds now.
    pub current: u64,
    /// `total - current`, at least 0 (999 when unlimited).
    pub remaining: i64,
    /// GPUs of the host (4 when none can be counted).
    pub physical: u64,
    /// The most this container may get.
    pub cap: i64,
}

/// `get_resource_limits USER FLAG`, or `default` when it cannot answer
/// (the original's `|| echo DEFAULT`).
fn limit(ctx: &mut Ctx, user: &str, flag: &str, default: &str) -> String {
    let Ok(config) = ctx.config() else {
        return default.to_string();
    };
    let args = [user.to_string(), flag.to_string()];
    match get_resource_limits::answer(&config, user, &args) {
        Ok(a) if a.code == 0 => a.stdout.trim().to_string(),
        _ => default.to_string(),
    }
}

fn unlimited(value: &str) -> bool {
    matches!(value, "unlimited" | "null" | "")
}

/// A configured count as a whole number (a fraction rounds down; the
/// original's bash arithmetic failed on it).  `None`: not a number.
fn whole(value: &str) -> Option<i64> {
    let v: f64 = value.trim().parse().ok()?;
    v.is_finite().then(|| v.floor().clamp(0.0, 1e6) as i64)
}

/// Read the caller's limits, their slots and the host's GPUs.
pub fn gpu_quota(ctx: &mut Ctx, user: &str) -> GpuQuota {
    let per = limit(ctx, user, "--max-mig-per-container", "1");
    let total = limit(ctx, user, "--max-gpus", "2");
    // What the readers notice went to /dev/null in the original.
    let mut reader = Reader::new(Sources::of(ctx));
    let current = match reader.load() {
        Ok(()) => reader.user_slots(user).len() as u64,
        Err(_) => 0,
    };
    let physical = match reader.inventory().gpus.len() as u64 {
        0 => 4,
        n => n,
    };
    quota(per, total, current, physical)
}

/// `cap = min(per container, remaining, host)`.
fn quota(per: String, total: String, current: u64, physical: u64) -> GpuQuota {
    let remaining = if unlimited(&total) {
        999
    } else {
        (whole(&total).unwrap_or(2) - current as i64).max(0)
    };
    let mut cap = if unlimited(&per) {
        remaining
    } else {
        whole(&per).unwrap_or(1).min(remaining)
    };
    cap = cap.min(physical as i64);
    GpuQuota {
        per,
        total,
        current,
        remaining,
        physical,
        cap,
    }
}

/// How many GPUs the container gets: `--num-gpus` checked against the
/// quota, else asked when more than one is possible, else one.
pub fn gpu_count(ctx: &mut Ctx, q: &GpuQuota, asked: Option<&str>) -> Result<u64, Failure> {
    if q.cap <= 0 {
        return Err(diagnostics::cannot_allocate(q));
    }
    let n = match asked {
        Some(given) => {
            if given.is_empty() || !given.bytes().all(|b| b.is_ascii_digit()) {
                return Err(diagnostics::invalid_count(given));
            }
            // Too many digits for a number is more than anyone may have.
            let n = given.parse::<u64>().unwrap_or(u64::MAX);
            if n < 1 {
                return Err(diagnostics::invalid_count(given));
            }
            if n > q.cap as u64 {
                return Err(diagnostics::too_many(given, q));
            }
            n
        }
        None if q.cap > 1 => pick(ctx, q)?,
        None => 1,
    };
    if n > 1 {
        ctx.out(&diagnostics::multi_gpu_notice(n));
    }
    Ok(n)
}

/// The picker: 1 to `cap`; anything else means 1.
fn pick(ctx: &mut Ctx, q: &GpuQuota) -> Result<u64, Failure> {
    let mut text = format!(
        "{BOLD}GPU Allocation:{NC}\n\n{DIM}Mode: Full GPUs — each GPU is ~40GB VRAM{NC}\n\n"
    );
    if q.current > 0 {
        text.push_str(&format!("Current allocation: {} GPUs\n", q.current));
    }
    text.push_str(&format!(
        "Available for this container: up to {} GPUs\n\nHow many GPUs do you need?\n\n",
        q.cap
    ));
    text.push_str(&format!("  {BOLD}1){NC} 1 GPU {GREEN}(recommended){NC}\n"));
    for i in 2..=q.cap {
        text.push_str(&format!("  {BOLD}{i}){NC} {i} GPUs\n"));
    }
    text.push('\n');
    ctx.out(&text);
    let answer = term::ask(
        ctx,
        &format!("Enter number of GPUs [1-{}, default: 1]: ", q.cap),
    )?;
    ctx.out("\n");
    let chosen = match answer.as_str() {
        "" => 1,
        a if a.bytes().all(|b| b.is_ascii_digit()) => a.parse::<u64>().unwrap_or(0),
        _ => 0,
    };
    Ok(if (1..=q.cap as u64).contains(&chosen) {
        chosen
    } else {
        1
    })
}

/// What the container is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The framework as mlc-create takes it (`Pytorch`, `Tensorflow`, or
    /// what was typed when it names no image).
    pub framework: String,
    /// The image (`ds01-UID/NAME:latest`), empty for a catalog framework.
    pub image: String,
}

/// `pytorch`/`torch` and `tensorflow`/`tf`, any case.
fn framework_word(word: &str) -> Option<&'static str> {
    match word.to_lowercase().as_str() {
        "pytorch" | "torch" => Some("Pytorch"),
        "tensorflow" | "tf" => Some("Tensorflow"),
        _ => None,
    }
}

/// The image label image-create writes its framework in.
const FRAMEWORK_LABEL: &str = "ds01.framework";

/// The image's `ds01.framework` label when the engine has the image
/// (`Some("")` for an image without it); `None`: no such image.  An
/// engine that does not answer, or a reference it refuses, has none.
fn image_framework(ctx: &mut Ctx, reference: &str) -> Option<String> {
    let engine = ctx.engine().ok()?;
    let image = engine.inspect_image(reference).ok()??;
    let labels = image.config.and_then(|c| c.labels).unwrap_or_default();
    Some(labels.get(FRAMEWORK_LABEL).cloned().unwrap_or_default())
}

/// The second positional (or none), then the image named like the
/// container, as the original resolved them, with its messages.
pub fn source(ctx: &mut Ctx, uid: u32, given: &str, name: &str) -> Source {
    let mut s = Source {
        framework: "Pytorch".into(),
        image: String::new(),
    };
    if !given.is_empty() {
        given_source(ctx, uid, given, &mut s);
    }
    if s.image.is_empty() && !name.is_empty() {
        let own = format!("ds01-{uid}/{name}");
        if let Some(label) = image_framework(ctx, &own) {
            s.image = format!("{own}:latest");
            ctx.out(&format!(
                "{GREEN}✓{NC} Found matching image: {CYAN}{}{NC}\n",
                s.image
            ));
            if let Some(fw) = framework_word(&label) {
                s.framework = fw.into();
            }
        }
    }
    s
}

/// A framework word, or an image (the caller's own unless it names a
/// `ds01-` repository); an unknown image is taken for a framework name.
fn given_source(ctx: &mut Ctx, uid: u32, given: &str, s: &mut Source) {
    if let Some(fw) = framework_word(given) {
        s.framework = fw.into();
        return;
    }
    let reference = if given.starts_with("ds01-") {
        given.to_string()
    } else {
        format!("ds01-{uid}/{given}")
    };
    match image_framework(ctx, &reference) {
        Some(label) => {
            s.image = if reference.contains(':') {
                reference
            } else {
                format!("{reference}:latest")
            };
            s.framework = match framework_word(&label) {
                Some(fw) => fw.into(),
                None if label.is_empty() => "Pytorch".into(),
                None => label,
            };
        }
        None => {
            ctx.out(&format!(
                "{YELLOW}⚠ Image '{reference}' not found locally{NC}\n\n\
                 Using as framework name: {given}\n"
            ));
            s.framework = given.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_is_the_smallest_of_the_three() {
        let q = quota("2".into(), "2".into(), 0, 4);
        assert_eq!((q.remaining, q.cap), (2, 2));
        let q = quota("2".into(), "2".into(), 1, 4);
        assert_eq!((q.remaining, q.cap), (1, 1));
        let q = quota("3".into(), "4".into(), 5, 4);
        assert_eq!((q.remaining, q.cap), (0, 0));
        let q = quota("unlimited".into(), "unlimited".into(), 3, 4);
        assert_eq!((q.remaining, q.cap), (999, 4));
        // A fractional quota rounds down instead of breaking the sums.
        let q = quota("3".into(), "2.286".into(), 0, 4);
        assert_eq!((q.remaining, q.cap), (2, 2));
    }

    #[test]
    fn framework_words() {
        assert_eq!(framework_word("TF"), Some("Tensorflow"));
        assert_eq!(framework_word("Torch"), Some("Pytorch"));
        assert_eq!(framework_word("jax"), None);
    }
}
