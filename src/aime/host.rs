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

/// The host as AIME reads it from `apt list --installed`: CUDA packages
/// win over ROCm ones.
pub fn from_package_list(list: &str) -> Result<Host, DetectError> {
    let cuda: Vec<&str> = list.lines().filter(|l| l.contains("cuda-")).collect();
    if !cuda.is_empty() {
        return cuda_host(&cuda.join("\n"));
    }
    let rocm: Vec<&str> = list
        .lines()
        .filter(|l| !l.contains("cuda-") && l.contains("rocm"))
        .collect();
    if !rocm.is_empty() {
        return rocm_host(&rocm.join("\n"));
    }
    Err("\n{ERROR}Neither CUDA nor ROCm were found among the installed APT packages. {RESET}\n")
}

/// The CUDA host described by the `cuda-` package lines.
fn cuda_host(packages: &str) -> Result<Host, DetectError> {
    let version = cuda_version(packages)?;
    Ok(Host {
        kind: "CUDA",
        arch: cuda_arch(version)?.to_string(),
        version: python_float(version),
    })
}

/// The CUDA version of the first `cuda-X-Y` (or `cuda-toolkit-X-Y`) package.
fn cuda_version(packages: &str) -> Result<f64, DetectError> {
    const NOT_FOUND: DetectError = "\n{ERROR}CUDA driver version not found. {RESET}\n";
    let (major, minor) = find_version(packages, "cuda-")
        .or_else(|| find_version(packages, "cuda-toolkit-"))
        .ok_or(NOT_FOUND)?;
    // The original parses "12-10" as the float 12.1; kept, since the
    // architecture table was written against that reading.
    format!("{major}.{minor}").parse().map_err(|_| NOT_FOUND)
}

/// The GPU generation a CUDA version was installed for.
fn cuda_arch(version: f64) -> Result<&'static str, DetectError> {
    if version <= 11.8 {
        Ok("CUDA_AMPERE")
    } else if version >= 12.8 {
        Ok("CUDA_BLACKWELL")
    } else if version >= 12.0 {
        Ok("CUDA_ADA")
    } else {
        Err("\n{ERROR}Unknown CUDA architecture. {RESET}\n")
    }
}

/// The ROCm host described by the `rocm` package lines.
fn rocm_host(packages: &str) -> Result<Host, DetectError> {
    let version = packages
        .match_indices("rocm-dev/")
        .find_map(|(i, _)| rocm_dev_version(&packages[i + "rocm-dev/".len()..]))
        .ok_or("\n{ERROR}ROCm driver version not found. {RESET}\n")?;
    let major = version.split('.').next().unwrap_or("").to_string();
    Ok(Host {
        kind: "ROCM",
        arch: format!("ROCM{major}"),
        version,
    })
}

/// `MAJOR.MINOR.PATCH` from what follows `rocm-dev/` in a package line:
/// the suite, whitespace, then the package version (`6.3.3.60303-74~22.04`).
fn rocm_dev_version(rest: &str) -> Option<String> {
    let suite = rest.split(char::is_whitespace).next()?;
    if suite.is_empty() {
        return None;
    }
    let after_suite = &rest[suite.len()..];
    let version = after_suite.trim_start_matches(char::is_whitespace);
    if version.len() == after_suite.len() {
        return None; // no whitespace after the suite
    }
    let parts: Vec<&str> = version.splitn(4, '.').collect();
    let major = parts.first().filter(|p| leading_number(p) == Some(**p))?;
    let minor = parts.get(1).filter(|p| leading_number(p) == Some(**p))?;
    let patch = leading_number(parts.get(2)?)?;
    Some(format!("{major}.{minor}.{patch}"))
}

/// The digits `s` starts with, if any.
fn leading_number(s: &str) -> Option<&str> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| &s[..n])
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

    #[test]
    fn edge_cases_read_like_the_original() {
        let not_found = |list: &str| arch(list).unwrap_err();
        let rocm = |v: &str| format!("rocm-dev/jammy {v} amd64 [installed]\n");
        assert!(not_found(&rocm("6.3")).contains("ROCm driver version not found"));
        assert!(not_found(&rocm("6a.3.3")).contains("ROCm driver version not found"));
        assert!(not_found(&rocm("6.3a.3")).contains("ROCm driver version not found"));
        assert!(not_found(&rocm("6.3.x")).contains("ROCm driver version not found"));
        assert!(not_found("rocm-dev/jammy6.3.3\n").contains("ROCm driver version not found"));
        assert!(not_found("rocm-dev/ 6.3.3\n").contains("ROCm driver version not found"));
        assert!(not_found("rocm-smi/jammy 6.3.3\n").contains("ROCm driver version not found"));
        assert_eq!(
            arch(&rocm("10.0.1x-1")).unwrap(),
            ("ROCM10".into(), "10.0.1".into())
        );
        assert_eq!(
            arch(&format!("{}{}", rocm("6.x.1"), rocm("5.7.1"))).unwrap(),
            ("ROCM5".into(), "5.7.1".into())
        );
        // CUDA packages win over ROCm ones.
        assert_eq!(
            arch(&format!("{}cuda-12-3/x 1 amd64\n", rocm("6.3.3"))).unwrap(),
            ("CUDA_ADA".into(), "12.3".into())
        );
        assert_eq!(
            arch("cuda-10-2/x 1 amd64\n").unwrap(),
            ("CUDA_AMPERE".into(), "10.2".into())
        );
        assert_eq!(
            arch("cuda-11-10/x 1 amd64\n").unwrap(),
            ("CUDA_AMPERE".into(), "11.1".into())
        );
        assert_eq!(
            arch("cuda-toolkit-config-common/x\ncuda-toolkit-12-9/x 1\n").unwrap(),
            ("CUDA_BLACKWELL".into(), "12.9".into())
        );
        let host = from_package_list(&rocm("6.3.3")).unwrap();
        assert_eq!(host.kind, "ROCM");
        assert_eq!(from_package_list("cuda-12-3/x\n").unwrap().kind, "CUDA");
        assert_eq!(
            not_found(""),
            "\n{ERROR}Neither CUDA nor ROCm were found among the installed APT packages. {RESET}\n"
        );
    }
}
