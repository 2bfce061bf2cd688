//! `image-install <container-name> <packages...>`: pip-install packages into
//! one of the caller's containers and, if asked, keep them in its image
//! (reference §3.14, the original `helpers/install-to-image.sh`).
//!
//! Two of the original's bugs are fixed (§12.27): every package is its own
//! argument to pip (the original passed `"$*"`, so `wandb optuna` was one
//! requirement), and the commit goes onto the container's own image tag
//! (`ds01-UID/NAME:latest`, which DS01's commands use) instead of a dated
//! tag nothing ever picks up; an image that is not the caller's own is
//! never committed onto.  The question is asked on the terminal, as
//! DS01's other prompts are.

use crate::context::Ctx;
use crate::ds01::owned;
use crate::engine::install::Stream;
use crate::engine::{split_reference, Engine};
use crate::error::{Failure, Outcome};
use crate::ui::ds01 as term;

const USAGE: &str = "Usage: install-to-image <container-name> <packages...>\n\
\n\
Examples:\n\
\x20 install-to-image my-project wandb optuna\n\
\x20 install-to-image thesis transformers datasets\n";

const PROMPT: &str = "Commit changes to image? (creates new image version) [y/N]: ";

const NOT_SAVED: &str = "\n⚠  Changes NOT saved to image\n\
\x20 Packages exist only in this container instance\n\
\x20 To save permanently, rebuild your Dockerfile\n";

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some((name, packages)) = split_args(args) else {
        ctx.out(USAGE);
        return Ok(1);
    };
    let engine = ctx.engine()?;
    let Some(container) = owned::find(&engine, ctx.caller.uid, name)? else {
        ctx.out(&format!("Error: Container '{name}' not found\n"));
        return Ok(1);
    };
    let image = configured_image(&engine, &container.tag)?;
    ctx.out(&format!(
        "Installing packages: {}\nTo container: {name}\nBase image: {image}\n\n",
        packages.join(" ")
    ));
    // Like `docker start ... 2>/dev/null || true`: a running container is
    // fine, and a container that cannot start fails at the exec below.
    let _ = engine.start_container(&container.tag);
    if !pip_install(ctx, &engine, &container.tag, packages) {
        ctx.out("✗ Installation failed\n");
        return Ok(1);
    }
    ctx.out("\n✓ Packages installed successfully\n\n");
    let answer = term::ask(ctx, PROMPT)?;
    if !answer.starts_with(['y', 'Y']) {
        ctx.out(NOT_SAVED);
        return Ok(0);
    }
    commit(ctx, &engine, &container.tag, &image)
}

/// The container name and the packages, or `None` when either is missing
/// (the original's `[ -z "$1" ] || [ -z "$*" ]` after the shift).
fn split_args(args: &[String]) -> Option<(&str, &[String])> {
    let (name, packages) = args.split_first()?;
    let none = packages.iter().all(|p| p.is_empty()) && packages.len() < 2;
    (!name.is_empty() && !none).then_some((name.as_str(), packages))
}

/// The image the container was made from, as it was named (`Config.Image`).
fn configured_image(engine: &Engine, tag: &str) -> Result<String, Failure> {
    let inspect = engine.inspect_container(tag)?;
    Ok(inspect.config.and_then(|c| c.image).unwrap_or_default())
}

/// `docker exec TAG pip install --no-cache-dir PKG...` with its output
/// shown as it comes; whether it succeeded.
fn pip_install(ctx: &mut Ctx, engine: &Engine, tag: &str, packages: &[String]) -> bool {
    let cmd = pip_command(packages);
    let mut stderr_text = Utf8Chunks::default();
    let mut show = |stream: Stream, bytes: &[u8]| match stream {
        Stream::Stdout => {
            let out = ctx.out_writer();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
        Stream::Stderr => {
            let text = stderr_text.take(bytes);
            ctx.err(&text);
        }
    };
    let result = engine.exec_streamed(tag, &cmd, &mut show);
    let rest = stderr_text.rest();
    ctx.err(&rest);
    match result {
        Ok(status) => status == Some(0),
        Err(e) => {
            ctx.err(&format!("{e}\n"));
            false
        }
    }
}

/// Text from a byte stream cut anywhere: a character split between two
/// chunks is held back until its end arrives.
#[derive(Default)]
struct Utf8Chunks {
    pending: Vec<u8>,
}

impl Utf8Chunks {
    /// The text complete so far with `bytes` added.
    fn take(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // An unfinished character at the end waits; invalid bytes don't.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text: Vec<u8> = self.pending.drain(..complete).collect();
        String::from_utf8_lossy(&text).into_owned()
    }

    /// Whatever is still held back.
    fn rest(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

/// pip's command line: each package its own argument.
fn pip_command(packages: &[String]) -> Vec<String> {
    ["pip", "install", "--no-cache-dir"]
        .iter()
        .map(|s| s.to_string())
        .chain(packages.iter().cloned())
        .collect()
}

/// Where a commit of a container made from `image` goes: the image's own
/// repository and tag (`latest` when it has none), only when it is one of
/// the caller's images (`ds01-UID/NAME`).
fn commit_target(image: &str, uid: u32) -> Option<(&str, &str)> {
    if image.contains('@') {
        return None;
    }
    let (repo, tag) = split_reference(image);
    let name = repo.strip_prefix(&format!("ds01-{uid}/"))?;
    let valid = !name.is_empty() && !name.contains(char::is_whitespace);
    valid.then_some((repo, tag.unwrap_or("latest")))
}

/// Commit the container onto its own image tag and say where it went.
fn commit(ctx: &mut Ctx, engine: &Engine, container: &str, image: &str) -> Outcome {
    let uid = ctx.caller.uid;
    let Some((repo, tag)) = commit_target(image, uid) else {
        ctx.out(&refusal(image, uid));
        return Ok(1);
    };
    // lastlog and faillog are sparse files sized by the highest uid: left
    // as they are they can make the commit hundreds of GB (the original's
    // reason too).  Their absence does not matter.
    let truncate = ["sh", "-c", ": > /var/log/lastlog; : > /var/log/faillog"];
    let _ = engine.exec_output(container, &truncate);
    let id = engine.commit(container, repo, tag)?;
    ctx.out(&committed(&id, &format!("{repo}:{tag}")));
    Ok(0)
}

/// Why nothing was committed: the container's image is not the caller's.
fn refusal(image: &str, uid: u32) -> String {
    format!(
        "\n✗ Not committed: the container's image '{image}' is not one of your images (ds01-{uid}/...)\n\
         \x20 Packages exist only in this container instance\n\
         \x20 To keep them, build your own image with image-create and add them to its Dockerfile\n"
    )
}

/// `docker commit`'s output (the new id), then where the image is now.
fn committed(id: &str, reference: &str) -> String {
    format!(
        "{id}\n\n✓ New image created: {reference}\n\n\
         To use this version for future containers:\n\
         \x20 container-deploy new-container --image={reference}\n\n\
         Note: rebuilding this image from its Dockerfile (image-update) drops these packages;\n\
         \x20 add them to the Dockerfile to keep them for good\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn missing_arguments_are_refused() {
        assert!(split_args(&[]).is_none());
        assert!(split_args(&strings(&["demo"])).is_none());
        assert!(split_args(&strings(&["", "wandb"])).is_none());
        assert!(split_args(&strings(&["demo", ""])).is_none());
        let args = strings(&["demo", "wandb", "optuna"]);
        let (name, packages) = split_args(&args).expect("both given");
        assert_eq!(name, "demo");
        assert_eq!(packages, &args[1..]);
    }

    #[test]
    fn each_package_is_its_own_pip_argument() {
        assert_eq!(
            pip_command(&strings(&["wandb", "optuna>=3"])),
            strings(&["pip", "install", "--no-cache-dir", "wandb", "optuna>=3"])
        );
    }

    #[test]
    fn commits_only_onto_the_callers_own_image() {
        assert_eq!(
            commit_target("ds01-2001/demo:latest", 2001),
            Some(("ds01-2001/demo", "latest"))
        );
        assert_eq!(
            commit_target("ds01-2001/demo", 2001),
            Some(("ds01-2001/demo", "latest"))
        );
        assert_eq!(
            commit_target("ds01-2001/demo:v2", 2001),
            Some(("ds01-2001/demo", "v2"))
        );
        assert_eq!(commit_target("ds01-2002/demo:latest", 2001), None);
        assert_eq!(commit_target("ds01-20011/demo:latest", 2001), None);
        assert_eq!(commit_target("ds01-2001/:latest", 2001), None);
        assert_eq!(commit_target("aimehub/pytorch:latest", 2001), None);
        assert_eq!(commit_target("ds01-2001/demo@sha256:ab", 2001), None);
    }

    #[test]
    fn a_character_split_between_chunks_is_kept_whole() {
        let mut chunks = Utf8Chunks::default();
        let bytes = "a✓b".as_bytes();
        assert_eq!(chunks.take(&bytes[..2]), "a");
        assert_eq!(chunks.take(&bytes[2..]), "✓b");
        assert_eq!(chunks.take(&[0xe2]), "");
        assert_eq!(chunks.rest(), "\u{fffd}");
    }

    #[test]
    fn the_usage_is_the_originals() {
        assert!(USAGE.starts_with("Usage: install-to-image <container-name> <packages...>\n\n"));
        assert!(USAGE.ends_with("  install-to-image thesis transformers datasets\n"));
    }
}
