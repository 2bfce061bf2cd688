//! The four checks of devcontainer-check, on a parsed document: where the
//! base image comes from, whether a GPU is asked for, the shutdown action
//! and the home directory mount.  Values are read as the original's
//! Python snippets read them (`str()` of the value, substring tests).

use super::json::Json;

/// Where the base image comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageSource {
    /// Named in AIME's catalog.
    Aime,
    /// Not in the catalog, but a PyTorch, TensorFlow or NGC image.
    Ml,
    /// Anything else, or no catalog to look in.
    Other,
}

impl ImageSource {
    pub(crate) fn word(self) -> &'static str {
        match self {
            ImageSource::Aime => "aime",
            ImageSource::Ml => "ml",
            ImageSource::Other => "other",
        }
    }
}

/// `print(data.get(key))` as the shell captured it: nothing for a missing
/// key, a null or a document that is not an object; a list one item a
/// line; trailing newlines dropped.
pub(crate) fn field_text(doc: &Json, key: &str) -> Option<String> {
    let text = match doc.get(key)? {
        Json::Null => return None,
        Json::Arr(items) => items
            .iter()
            .map(Json::py_str)
            .collect::<Vec<_>>()
            .join("\n"),
        value => value.py_str(),
    };
    Some(text.trim_end_matches('\n').to_string())
}

/// `grep -qF IMAGE CATALOG` (each line of the image a pattern, found
/// anywhere in a line), else a name that says PyTorch, TensorFlow or
/// nvcr.io.  `catalog`: the catalog's bytes, `None` without one.
pub(crate) fn image_source(image: &str, catalog: Option<&[u8]>) -> ImageSource {
    let Some(catalog) = catalog else {
        return ImageSource::Other;
    };
    let listed = image.split('\n').any(|pattern| {
        catalog
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty() || pattern.is_empty())
            .any(|line| contains(line, pattern.as_bytes()))
    });
    if listed {
        ImageSource::Aime
    } else if ["pytorch", "tensorflow", "nvcr.io"]
        .iter()
        .any(|word| image.contains(word))
    {
        ImageSource::Ml
    } else {
        ImageSource::Other
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether `runArgs` has an item that mentions `--gpus` or `--device`.
pub(crate) fn requests_gpu(doc: &Json) -> bool {
    any_item(doc, "runArgs", |item| {
        item.contains("--gpus") || item.contains("--device")
    })
}

/// Whether `mounts` has an item that mentions `HOME` or `/home/`.
pub(crate) fn mounts_home(doc: &Json) -> bool {
    any_item(doc, "mounts", |item| {
        item.contains("HOME") || item.contains("/home/")
    })
}

/// `any(test(str(x)) for x in data.get(key, []))`, false where Python
/// raised (not an object, or a value it cannot iterate).
fn any_item(doc: &Json, key: &str, test: impl Fn(&str) -> bool) -> bool {
    let Json::Obj(_) = doc else {
        return false;
    };
    match doc.get(key) {
        None => false,
        Some(value) => value
            .iter_items()
            .is_some_and(|items| items.iter().any(|i| test(i))),
    }
}

/// What the shutdown action is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shutdown {
    StopContainer,
    NotSet,
    Other(String),
}

pub(crate) fn shutdown(doc: &Json) -> Shutdown {
    match field_text(doc, "shutdownAction").as_deref() {
        Some("stopContainer") => Shutdown::StopContainer,
        None | Some("") => Shutdown::NotSet,
        Some(other) => Shutdown::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Json {
        serde_json::from_str(text).expect("json")
    }

    #[test]
    fn fields_as_print_shows_them() {
        let d = doc(r#"{"image": "img", "n": null, "l": ["a", 1], "e": "", "b": false}"#);
        assert_eq!(field_text(&d, "image").as_deref(), Some("img"));
        assert_eq!(field_text(&d, "n"), None);
        assert_eq!(field_text(&d, "missing"), None);
        assert_eq!(field_text(&d, "l").as_deref(), Some("a\n1"));
        assert_eq!(field_text(&d, "e").as_deref(), Some(""));
        assert_eq!(field_text(&d, "b").as_deref(), Some("False"));
        assert_eq!(field_text(&doc("[1]"), "image"), None);
    }

    #[test]
    fn image_sources() {
        let catalog = b"Pytorch, 2.8.0, [CUDA_ADA], aimehub/pytorch-2.8.0-aime-cuda12.6.3\n";
        let source = |image| image_source(image, Some(catalog));
        assert_eq!(
            source("aimehub/pytorch-2.8.0-aime-cuda12.6.3"),
            ImageSource::Aime
        );
        // A substring of a catalog line is enough, as for grep -F.
        assert_eq!(source("aimehub/pytorch"), ImageSource::Aime);
        assert_eq!(source("pytorch/pytorch:2.5.1"), ImageSource::Ml);
        assert_eq!(source("nvcr.io/nvidia/jax:23.10-py3"), ImageSource::Ml);
        assert_eq!(source("ubuntu:22.04"), ImageSource::Other);
        assert_eq!(image_source("aimehub/pytorch", None), ImageSource::Other);
    }

    #[test]
    fn gpu_and_home() {
        assert!(requests_gpu(&doc(r#"{"runArgs": ["--gpus", "all"]}"#)));
        assert!(requests_gpu(&doc(
            r#"{"runArgs": ["--device=nvidia.com/gpu=0"]}"#
        )));
        assert!(requests_gpu(&doc(r#"{"runArgs": {"--gpus": 1}}"#)));
        assert!(!requests_gpu(&doc(r#"{"runArgs": "--gpus all"}"#)));
        assert!(!requests_gpu(&doc(r#"{"runArgs": null}"#)));
        assert!(!requests_gpu(&doc(r#"["--gpus"]"#)));
        assert!(mounts_home(&doc(
            r#"{"mounts": ["source=${localEnv:HOME},target=/x,type=bind"]}"#
        )));
        assert!(mounts_home(&doc(
            r#"{"mounts": [{"source": "/home/alice"}]}"#
        )));
        assert!(!mounts_home(&doc(
            r#"{"mounts": ["source=/data,target=/data"]}"#
        )));
        assert!(!mounts_home(&doc("{}")));
    }

    #[test]
    fn shutdown_actions() {
        assert_eq!(
            shutdown(&doc(r#"{"shutdownAction": "stopContainer"}"#)),
            Shutdown::StopContainer
        );
        assert_eq!(
            shutdown(&doc(r#"{"shutdownAction": ""}"#)),
            Shutdown::NotSet
        );
        assert_eq!(shutdown(&doc("{}")), Shutdown::NotSet);
        assert_eq!(
            shutdown(&doc(r#"{"shutdownAction": "none"}"#)),
            Shutdown::Other("none".into())
        );
    }
}
