//! The host's GPU architecture, detected as AIME does: from the installed
//! apt packages (`apt list --installed`), not from the GPUs themselves.
//! A `cuda-X-Y` package maps to an architecture by its version; `rocm-dev`
//! gives `ROCM<major>`.

use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// `CUDA` or `ROCM`: which catalog architectures are allowed here.
    pub kind: &'static str,
    /// e.g. `CUDA_ADA`, `ROCM6`.
    pub arch: String,
    /// As the original prints it: the CUDA version as a Python float
    /// (`12.3`, `12.0`), the ROCm version as found (`6.3.3`).
    pub version: String,
}

/// Why detection failed: the message the original prints (colour tokens
/// included); the command exits 1.
pub type DetectError = &'static str;

pub fn detect() -> Result<Host, DetectError> {
    let output = Command::new("apt")
        .args(["list", "--installed"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|_| "\n{ERROR}Failed to detect host GPU architecture.{RESET}\n")?;
    if !output.status.success() {
        return Err(
            "\n{ERROR}Host GPU architecture detection: Failed to execute 'apt list --installed'.{RESET}\n",
        );
    }
    from_package_list(&String::from_utf8_lossy(&output.stdout))
}

/// `\d+-\d+(-\d+)?` right at the start of `s`: the first two numbers.
fn version_at(s: &str) -> Option<(&str, &str)> {
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let a = digits(s);
    if a == 0 || s.as_bytes().get(a) != Some(&b'-') {
        return None;
    }
    let rest = &s[a + 1..];
    let b = digits(rest);
    (b > 0).then(|| (&s[..a], &rest[..b]))
}

/// First `PREFIX\d+-\d+` in the text.
fn find_version<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    text.match_indices(prefix)
        .find_map(|(i, _)| version_at(&text[i + prefix.len()..]))
}

/// Python's float repr for the short decimals we meet: `12.3`, `12.0`.
fn python_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

pub fn from_package_list(list: &str) -> Result<Host, DetectError> {
    let cuda: Vec<&str> = list.lines().filter(|l| l.contains("cuda-")).collect();
    let rocm: Vec<&str> = list
        .lines()
        .filter(|l| !l.contains("cuda-") && l.contains("rocm"))
        .collect();
    if !cuda.is_empty() {
        let joined = cuda.join("\n");
        let (major, minor) = find_version(&joined, "cuda-")
            .or_else(|| find_version(&joined, "cuda-toolkit-"))
            .ok_or("\n{ERROR}CUDA driver version not found. {RESET}\n")?;
        // The original parses "12-10" as the float 12.1; kept, since the
        // architecture table was written against that reading.
        let v: f64 = format!("{major}.{minor}")
            .parse()
            .map_err(|_| "\n{ERROR}CUDA driver version not found. {RESET}\n")?;
        let arch = if v <= 11.8 {
            "CUDA_AMPERE"
        } else if v >= 12.8 {
            "CUDA_BLACKWELL"
        } else if v >= 12.0 {
            "CUDA_ADA"
        } else {
            return Err("\n{ERROR}Unknown CUDA architecture. {RESET}\n");
        };
        return Ok(Host {
            kind: "CUDA",
            arch: arch.to_string(),
            version: python_float(v),
        });
    }
    if !rocm.is_empty() {
        let joined = rocm.join("\n");
        let version = joined
            .match_indices("rocm-dev/")
            .find_map(|(i, _)| {
                let rest = &joined[i + "rocm-dev/".len()..];
                let token = rest.split(char::is_whitespace).next()?;
                if token.is_empty() {
                    return None;
                }
                let after = rest[token.len()..].trim_start_matches(|c: char| c.is_whitespace());
                if after.len() == rest.len() - token.len() {
                    return None; // no whitespace after the token
                }
                let parts: Vec<&str> = after.splitn(4, '.').collect();
                fn num(s: &str) -> Option<&str> {
                    let n = s.bytes().take_while(u8::is_ascii_digit).count();
                    (n > 0).then(|| &s[..n])
                }
                let major = num(parts.first()?)?;
                if major.len() != parts.first()?.len() {
                    return None;
                }
                let minor = num(parts.get(1)?)?;
                if minor.len() != parts.get(1)?.len() {
                    return None;
                }
                let patch = num(parts.get(2)?)?;
                Some(format!("{major}.{minor}.{patch}"))
            })
            .ok_or("\n{ERROR}ROCm driver version not found. {RESET}\n")?;
        let major = version.split('.').next().unwrap_or("").to_string();
        return Ok(Host {
            kind: "ROCM",
            arch: format!("ROCM{major}"),
            version,
        });
    }
    Err("\n{ERROR}Neither CUDA nor ROCm were found among the installed APT packages. {RESET}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(list: &str) -> Result<(String, String), DetectError> {
        from_package_list(list).map(|h| (h.arch, h.version))
    }

    #[test]
    fn cuda_versions_map_like_the_original() {
        let line = |v: &str| format!("cuda-{v}/unknown,now 1 amd64 [installed]\n");
        assert_eq!(
            arch(&line("12-3")).unwrap(),
            ("CUDA_ADA".into(), "12.3".into())
        );
        assert_eq!(arch(&line("12-0")).unwrap().1, "12.0");
        assert_eq!(arch(&line("11-8")).unwrap().0, "CUDA_AMPERE");
        assert_eq!(arch(&line("12-8")).unwrap().0, "CUDA_BLACKWELL");
        assert_eq!(
            arch(&line("12-10")).unwrap(),
            ("CUDA_ADA".into(), "12.1".into())
        );
        assert!(arch(&line("11-9")).unwrap_err().contains("Unknown CUDA"));
        assert!(arch("nvidia-cuda-toolkit/jammy 11.5 amd64\n")
            .unwrap_err()
            .contains("driver version not found"));
        assert_eq!(
            arch("cuda-toolkit-12-4/unknown 12.4 amd64\n").unwrap().0,
            "CUDA_ADA"
        );
    }

    #[test]
    fn rocm_and_nothing() {
        assert_eq!(
            arch("rocm-dev/jammy 6.3.3.60303-74~22.04 amd64 [installed]\n").unwrap(),
            ("ROCM6".into(), "6.3.3".into())
        );
        assert!(arch("bash/stable 5.2 amd64\n")
            .unwrap_err()
            .contains("Neither"));
    }
}
