//! The base image of a framework (DS01's `aime-images.sh get_base_image`,
//! reference §10.5): the newest AIME catalog image built for exactly this
//! host's GPU architecture, else a Docker Hub image.
//!
//! The architecture is `MLC_ARCH`, else the driver's: 535 or newer runs
//! CUDA 12 (`CUDA_ADA`), anything older, or no GPU, `CUDA_AMPERE`.  (AIME's
//! own `mlc create` decides from the installed CUDA toolkit instead.)

use crate::aime::catalog::Catalog;
use crate::policy::gpus::nvidia_smi;
use crate::settings::Settings;
use std::time::Duration;

const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(10);

/// The image a Dockerfile for `framework` starts `FROM`; `custom` is the
/// user's own `custom_image`.
pub fn base_image(settings: &Settings, framework: &str, custom_image: &str) -> String {
    if framework == "custom" {
        return custom_image.to_string();
    }
    let arch = architecture(settings);
    Catalog::load(&settings.mlc_catalog)
        .ok()
        .and_then(|c| newest(&c, &catalog_name(framework), &arch))
        .unwrap_or_else(|| fallback(framework, &arch).to_string())
}

fn architecture(settings: &Settings) -> String {
    settings
        .mlc_arch
        .clone()
        .unwrap_or_else(|| cuda_arch(driver_major()).to_string())
}

/// The first entry of AIME's catalog, `ml_images.repo` (newest first), of
/// `framework` built for `arch` alone: a line listing several
/// architectures does not count, as in the original's lookup.
fn newest(catalog: &Catalog, framework: &str, arch: &str) -> Option<String> {
    catalog
        .entries
        .iter()
        .find(|e| e.framework == framework && e.architectures == [arch] && !e.image.is_empty())
        .map(|e| e.image.clone())
}

/// The catalog's spelling: `tf` → `tensorflow`, then each word
/// capitalised (`pytorch-cpu` → `Pytorch-Cpu`).
fn catalog_name(framework: &str) -> String {
    let named = framework.replacen("tf", "tensorflow", 1);
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(named.len());
    let mut after_word = false;
    for c in named.chars() {
        if word(c) && !after_word {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        after_word = word(c);
    }
    out
}

/// Docker Hub images for frameworks the catalog lacks.
fn fallback(framework: &str, arch: &str) -> &'static str {
    match framework {
        "tensorflow" | "tf" => "tensorflow/tensorflow:2.14.0-gpu",
        "jax" => "nvcr.io/nvidia/jax:23.10-py3",
        "pytorch-cpu" => "pytorch/pytorch:2.5.1-cpu",
        _ if arch == "CUDA_ADA" => "pytorch/pytorch:2.5.1-cuda12.1-cudnn9-runtime",
        _ => "pytorch/pytorch:2.5.1-cuda11.8-cudnn9-runtime",
    }
}

fn cuda_arch(driver_major: Option<u32>) -> &'static str {
    match driver_major {
        Some(v) if v >= 535 => "CUDA_ADA",
        _ => "CUDA_AMPERE",
    }
}

/// The major version of the first GPU's driver, from `nvidia-smi` on PATH.
fn driver_major() -> Option<u32> {
    let text = nvidia_smi(
        &["--query-gpu=driver_version", "--format=csv,noheader"],
        NVIDIA_SMI_TIMEOUT,
    )?;
    text.lines().next()?.split('.').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "Pytorch, 2.9.1, [CUDA_BLACKWELL], aimehub/pytorch-2.9.1-cuda12.8.1
Pytorch, 2.8.0-aime, [CUDA_ADA;CUDA_BLACKWELL], aimehub/multi
Pytorch, 2.8.0-aime, [CUDA_ADA], aimehub/pytorch-2.8.0-aime-cuda12.6.3
Pytorch, 2.7.1, [CUDA_AMPERE], aimehub/pytorch-2.7.1-aime-cuda11.8.0
Tensorflow, 2.16.1, [CUDA_ADA], aimehub/tensorflow-2.16.1-cuda12.3
";

    #[test]
    fn newest_image_for_exactly_this_architecture() {
        let c = &Catalog::parse(CATALOG).expect("catalog");
        assert_eq!(
            newest(c, "Pytorch", "CUDA_ADA").as_deref(),
            Some("aimehub/pytorch-2.8.0-aime-cuda12.6.3")
        );
        assert_eq!(
            newest(c, &catalog_name("tf"), "CUDA_ADA").as_deref(),
            Some("aimehub/tensorflow-2.16.1-cuda12.3")
        );
        assert_eq!(newest(c, &catalog_name("jax"), "CUDA_ADA"), None);
    }

    #[test]
    fn names_and_fallbacks() {
        assert_eq!(catalog_name("pytorch-cpu"), "Pytorch-Cpu");
        assert_eq!(catalog_name("tensorflow"), "Tensorflow");
        assert_eq!(fallback("jax", "CUDA_ADA"), "nvcr.io/nvidia/jax:23.10-py3");
        assert_eq!(
            fallback("pytorch-cpu", "CUDA_ADA"),
            "pytorch/pytorch:2.5.1-cpu"
        );
        assert_eq!(
            fallback("foo", "CUDA_AMPERE"),
            "pytorch/pytorch:2.5.1-cuda11.8-cudnn9-runtime"
        );
        assert_eq!(cuda_arch(Some(550)), "CUDA_ADA");
        assert_eq!(cuda_arch(Some(470)), "CUDA_AMPERE");
        assert_eq!(cuda_arch(None), "CUDA_AMPERE");
    }
}
