//! DS01's package tiers (reference §10.1–10.3): the Jupyter and data
//! science defaults, the use-case lists, what the AIME base images already
//! have, and requirements files (checked, then read one requirement per
//! line with its version specifier intact).

use crate::ui::ds01::{DIM, NC, RED, YELLOW};
use std::path::Path;

pub const JUPYTER: [&str; 5] = [
    "jupyter",
    "jupyterlab",
    "ipykernel",
    "ipywidgets",
    "notebook",
];
pub const DATA_SCIENCE: [&str; 5] = ["pandas", "scipy", "scikit-learn", "matplotlib", "seaborn"];
/// In every AIME base image already (duplicate warnings).
pub const AIME_BASE: [&str; 9] = [
    "numpy",
    "pillow",
    "tqdm",
    "conda",
    "ipython",
    "psutil",
    "torch",
    "torchvision",
    "torchaudio",
];

/// The packages of a use case (`ml`, `cv`, ...); none for `custom` or an
/// unknown one.
pub fn usecase_packages(usecase: &str) -> Vec<&'static str> {
    let list: &[&str] = match usecase {
        "cv" => &[
            "timm",
            "albumentations",
            "opencv-python-headless",
            "kornia",
            "ultralytics",
        ],
        "nlp" => &[
            "transformers",
            "datasets",
            "tokenizers",
            "accelerate",
            "sentencepiece",
            "peft",
            "safetensors",
            "evaluate",
        ],
        "rl" => &["gymnasium", "stable-baselines3"],
        "ml" => &["xgboost", "lightgbm", "catboost", "optuna", "shap"],
        "audio" => &["librosa", "soundfile", "audiomentations"],
        "ts" => &["statsmodels", "prophet", "darts"],
        "llm" => &["vllm", "bitsandbytes", "langchain", "einops"],
        _ => &[],
    };
    list.to_vec()
}

/// A space-separated list, split.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// The name pip knows a requirement by: before any version operator,
/// lowercased.
pub fn normalize(pkg: &str) -> String {
    let end = pkg.find(['=', '<', '>', '~', '!']).unwrap_or(pkg.len());
    pkg[..end].to_lowercase()
}

/// The packages of `new` whose names are already in `existing`.
pub fn duplicates(new: &str, existing: &[String]) -> Vec<String> {
    let known: Vec<String> = existing.iter().map(|p| normalize(p)).collect();
    words(new)
        .into_iter()
        .filter(|p| known.contains(&normalize(p)))
        .collect()
}

/// A requirements file's text as text (a stray byte does not make it
/// unreadable).
fn read_text(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Check a requirements file as `validate_requirements_file` did: the
/// error (stderr) when it cannot be used, else the warnings (stderr) it
/// deserves: empty, or naming packages the AIME base already has.
pub fn check_requirements(path: &Path) -> Result<String, String> {
    let shown = path.display();
    if !path.is_file() {
        return Err(format!("{RED}Error: File not found: {shown}{NC}\n"));
    }
    let Some(text) = read_text(path) else {
        return Err(format!("{RED}Error: Cannot read file: {shown}{NC}\n"));
    };
    let mut notes = String::new();
    let has_content = text
        .lines()
        .any(|l| !l.starts_with('#') && !l.trim().is_empty());
    if !has_content {
        notes.push_str(&format!(
            "{YELLOW}Warning: requirements.txt appears to be empty{NC}\n"
        ));
    }
    let in_base: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim_matches(' ').is_empty())
        .map(|l| normalize(l).split_whitespace().collect::<String>())
        .filter(|name| AIME_BASE.contains(&name.as_str()))
        .map(|name| format!(" {name}"))
        .collect();
    if !in_base.is_empty() {
        notes.push_str(&format!(
            "\n{YELLOW}Note: These packages are already in AIME base image:{NC}\n  {DIM}{in_base}{NC}\n{DIM}They will be reinstalled (safe, may update version){NC}\n"
        ));
    }
    Ok(notes)
}

/// The requirements of a file, one per line, as pip would be given them:
/// comments, blank lines and option lines (`-r`, `-e`, `--hash` lines)
/// left out, blanks around version operators removed
/// (`torch >= 2.0` → `torch>=2.0`).  Unreadable: none.
pub fn read_requirements(path: &Path) -> Vec<String> {
    read_text(path)
        .map(|t| parse_requirements(&t))
        .unwrap_or_default()
}

pub fn parse_requirements(text: &str) -> Vec<String> {
    text.lines()
        .map(strip_comment)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(squeeze_operators)
        .collect()
}

/// pip's comment rule: `#` at the start or after a blank (a URL's
/// `#egg=` fragment stays).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()));
    &line[..cut.unwrap_or(line.len())]
}

fn squeeze_operators(line: &str) -> String {
    let is_op = |c: char| "><=!~".contains(c);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let after_op = out.chars().last().is_some_and(is_op);
            if after_op || next.is_some_and(|&n| is_op(n)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_keep_their_specifiers() {
        let text = "numpy\ntorch\nrequests==2.31.0\n# c\n\npandas>=2\n  torch >= 2.0.1  # pinned\n-r other.txt\ntransformers[torch]\nscikit-learn<1.6\ngit+https://x/y.git#egg=y\n";
        assert_eq!(
            parse_requirements(text),
            [
                "numpy",
                "torch",
                "requests==2.31.0",
                "pandas>=2",
                "torch>=2.0.1",
                "transformers[torch]",
                "scikit-learn<1.6",
                "git+https://x/y.git#egg=y"
            ]
        );
    }

    #[test]
    fn duplicates_by_name() {
        let existing: Vec<String> = AIME_BASE.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            duplicates("Torch==2.0 wandb numpy", &existing),
            ["Torch==2.0", "numpy"]
        );
        assert_eq!(normalize("pandas>=2.0"), "pandas");
    }

    #[test]
    fn checks_like_the_original() {
        let dir = std::env::temp_dir().join(format!("ds01-req-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("requirements.txt");
        std::fs::write(&file, "numpy\ntorch\nrequests==2.31.0\n# c\n\npandas>=2\n").unwrap();
        assert_eq!(
            check_requirements(&file).unwrap(),
            "\n\x1b[1;33mNote: These packages are already in AIME base image:\x1b[0m\n  \x1b[2m numpy torch\x1b[0m\n\x1b[2mThey will be reinstalled (safe, may update version)\x1b[0m\n"
        );
        std::fs::write(&file, "# nothing\n\n").unwrap();
        assert!(check_requirements(&file)
            .unwrap()
            .contains("appears to be empty"));
        assert_eq!(
            check_requirements(&dir.join("nope")).unwrap_err(),
            format!(
                "\x1b[0;31mError: File not found: {}\x1b[0m\n",
                dir.join("nope").display()
            )
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
