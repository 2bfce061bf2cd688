//! The docker CLI, as test scaffolding (DOCKER_HOST comes from the environment).

use std::process::{Command, Stdio};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct Docker {
    pub program: String,
}

impl Default for Docker {
    fn default() -> Self {
        Docker {
            program: "docker".into(),
        }
    }
}

impl Docker {
    /// Run `docker ARGS`; stdout on success, an error with stderr otherwise.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::msg(format!("running {} {}: {e}", self.program, args.join(" "))))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(Error::msg(format!(
                "docker {} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Like `run`, ignoring failure (for best-effort cleanup).
    pub fn run_quiet(&self, args: &[&str]) {
        let _ = self.run(args);
    }

    pub fn answers(&self) -> bool {
        self.run(&["version", "--format", "{{.Server.Version}}"])
            .is_ok()
    }

    /// `repo:tag` of every image.
    pub fn image_refs(&self) -> Result<Vec<String>> {
        Ok(self
            .run(&["images", "--format", "{{.Repository}}:{{.Tag}}"])?
            .lines()
            .map(str::to_owned)
            .collect())
    }
}
