//! A project's DS01 metadata: `pyproject.toml`'s `[tool.ds01]` table and
//! the `requirements.txt` a new project starts with
//! (scripts/lib/project-metadata.sh).  Reading never fails loudly: a
//! missing or damaged file is "no metadata", as the original's python
//! helper exited 1 and printed nothing.

use std::path::Path;

/// `[tool.ds01].<key>` of `<project_dir>/pyproject.toml`, as text (`None`
/// when the file is missing, unreadable or not TOML, or the key is absent).
pub fn read(project_dir: &Path, key: &str) -> Option<String> {
    let table = tool_ds01(project_dir)?;
    match table.get(key)? {
        toml::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Whether the project has DS01 metadata: a non-empty `type`.
pub fn has_metadata(project_dir: &Path) -> bool {
    read(project_dir, "type").is_some_and(|t| !t.is_empty())
}

fn tool_ds01(project_dir: &Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(project_dir.join("pyproject.toml")).ok()?;
    let doc: toml::Table = text.parse().ok()?;
    match doc.get("tool")?.get("ds01")? {
        toml::Value::Table(t) => Some(t.clone()),
        _ => None,
    }
}

/// What `pyproject.toml` records about a new project (the original's
/// `create_project_pyproject DIR NAME TYPE DESC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata<'a> {
    pub name: &'a str,
    /// `ml`, `cv`, ... (`[tool.ds01] type`).
    pub kind: &'a str,
    /// Empty: none.
    pub description: &'a str,
    /// `date -I`.
    pub created: &'a str,
    /// `whoami`.
    pub author: &'a str,
    pub uid: u32,
}

impl Metadata<'_> {
    /// The image project-launch builds: `ds01-UID/NAME:latest`.
    pub fn image(&self) -> String {
        format!("ds01-{}/{}:latest", self.uid, self.name)
    }
}

/// What [`create_pyproject`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created,
    /// An existing file got the DS01 keys; its other content was kept.
    Updated,
}

/// Write `<project_dir>/pyproject.toml`: a new file as the original wrote
/// it, or an existing one with `[project] name` (and `description`, when
/// given) and the `[tool.ds01]` keys set and everything else kept.  An
/// existing file that is not TOML is left alone (the error says why); the
/// original replaced it by a file of its own keys only.
pub fn create_pyproject(project_dir: &Path, meta: &Metadata) -> Result<Written, String> {
    let path = project_dir.join("pyproject.toml");
    let shown = path.display();
    if !path.is_file() {
        std::fs::write(&path, new_pyproject(meta)).map_err(|e| format!("{shown}: {e}"))?;
        return Ok(Written::Created);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
    let updated = updated_pyproject(&text, meta)?;
    std::fs::write(&path, updated).map_err(|e| format!("{shown}: {e}"))?;
    Ok(Written::Updated)
}

/// A new `pyproject.toml`.  Without a description its line stays blank,
/// as in the original's template.
pub fn new_pyproject(meta: &Metadata) -> String {
    let description = match meta.description {
        "" => String::new(),
        d => format!("description = {}", toml_string(d)),
    };
    format!(
        "[project]\nname = {}\n{description}\n\n[tool.ds01]\ntype = {}\ncreated = {}\nauthor = {}\nimage = {}\n",
        toml_string(meta.name),
        toml_string(meta.kind),
        toml_string(meta.created),
        toml_string(meta.author),
        toml_string(&meta.image()),
    )
}

/// `text` (an existing `pyproject.toml`) with the DS01 keys set; other
/// tables and keys are kept (comments and key order are not: the file
/// is written anew, as the original's `tomli_w` wrote it).
pub fn updated_pyproject(text: &str, meta: &Metadata) -> Result<String, String> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e| format!("Could not read existing pyproject.toml: {e}"))?;
    let mut project = take_table(&mut doc, "project");
    project.insert("name".into(), meta.name.into());
    if !meta.description.is_empty() {
        project.insert("description".into(), meta.description.into());
    }
    doc.insert("project".into(), project.into());
    let mut tool = take_table(&mut doc, "tool");
    let mut ds01 = take_table(&mut tool, "ds01");
    for (key, value) in [
        ("type", meta.kind.to_string()),
        ("created", meta.created.to_string()),
        ("author", meta.author.to_string()),
        ("image", meta.image()),
    ] {
        ds01.insert(key.into(), value.into());
    }
    tool.insert("ds01".into(), ds01.into());
    doc.insert("tool".into(), tool.into());
    toml::to_string(&doc).map_err(|e| format!("Could not write pyproject.toml: {e}"))
}

/// The table `key`, taken out of `table` (a new one when it is missing
/// or not a table, which the DS01 keys then replace).
fn take_table(table: &mut toml::Table, key: &str) -> toml::Table {
    match table.remove(key) {
        Some(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    }
}

/// A TOML basic string: quotes, backslashes and control characters
/// escaped (the original wrote the text between quotes as it was, so a
/// `"` in a description broke the file).
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A project type as the requirements file and menus name it.
pub fn type_name(kind: &str) -> &'static str {
    match kind {
        "ml" => "General ML",
        "cv" => "Computer Vision",
        "nlp" => "NLP",
        "rl" => "Reinforcement Learning",
        "audio" => "Audio/Speech",
        "ts" => "Time Series",
        "llm" => "LLM/GenAI",
        _ => "Custom",
    }
}

/// The `requirements.txt` of a new project of type `kind` (reference
/// §10.3, `create_project_requirements`): the core packages, Jupyter,
/// then the type's own.
pub fn requirements(kind: &str) -> String {
    let name = type_name(kind);
    let mut text = format!(
        "# DS01 Project Requirements\n\
         # Generated for project type: {name}\n\
         # Modify as needed - this file is read by image-create\n\n\
         # Core packages (data science essentials)\n\
         pandas>=2.0\nnumpy>=1.24\nscikit-learn>=1.3\nmatplotlib>=3.7\nseaborn>=0.12\n\n\
         # Jupyter environment\n\
         jupyter\njupyterlab\nipykernel\nipywidgets\n"
    );
    let packages = crate::ds01::image_create::packages::usecase_packages(kind);
    if !packages.is_empty() {
        text.push_str(&format!("\n# {name} specific packages\n"));
        for package in packages {
            text.push_str(package);
            text.push('\n');
        }
    }
    text
}

/// Write `<project_dir>/requirements.txt` for type `kind`.
pub fn create_requirements(project_dir: &Path, kind: &str) -> std::io::Result<()> {
    std::fs::write(project_dir.join("requirements.txt"), requirements(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ds01_table() {
        let dir = std::env::temp_dir().join(format!("ds01-meta-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            "[project]\nname = \"x\"\n[tool.ds01]\ntype = \"cv\"\n",
        )
        .unwrap();
        assert_eq!(read(&dir, "type").as_deref(), Some("cv"));
        assert!(has_metadata(&dir));
        std::fs::write(dir.join("pyproject.toml"), "not = [toml").unwrap();
        assert!(!has_metadata(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    fn meta<'a>(description: &'a str) -> Metadata<'a> {
        Metadata {
            name: "thesis",
            kind: "cv",
            description,
            created: "2026-11-28",
            author: "alice",
            uid: 2001,
        }
    }

    #[test]
    fn a_new_pyproject_as_the_original_wrote_it() {
        assert_eq!(
            new_pyproject(&meta("")),
            "[project]\nname = \"thesis\"\n\n\n[tool.ds01]\ntype = \"cv\"\ncreated = \"2026-11-28\"\nauthor = \"alice\"\nimage = \"ds01-2001/thesis:latest\"\n"
        );
        let text = new_pyproject(&meta(r#"my "best" \ one"#));
        assert!(text.contains(
            "name = \"thesis\"\ndescription = \"my \\\"best\\\" \\\\ one\"\n\n[tool.ds01]"
        ));
        let doc: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(
            doc["project"]["description"].as_str(),
            Some(r#"my "best" \ one"#)
        );
    }

    #[test]
    fn an_existing_pyproject_keeps_its_other_keys() {
        let old = "[build-system]\nrequires = [\"hatchling\"]\n[project]\nname = \"old\"\nversion = \"1.0\"\n[tool.ruff]\nline-length = 99\n[tool.ds01]\ntype = \"ml\"\nextra = 1\n";
        let new: toml::Table = updated_pyproject(old, &meta("d")).unwrap().parse().unwrap();
        assert_eq!(new["project"]["name"].as_str(), Some("thesis"));
        assert_eq!(new["project"]["version"].as_str(), Some("1.0"));
        assert_eq!(new["project"]["description"].as_str(), Some("d"));
        assert_eq!(new["tool"]["ruff"]["line-length"].as_integer(), Some(99));
        assert_eq!(new["tool"]["ds01"]["type"].as_str(), Some("cv"));
        assert_eq!(new["tool"]["ds01"]["extra"].as_integer(), Some(1));
        assert_eq!(
            new["tool"]["ds01"]["image"].as_str(),
            Some("ds01-2001/thesis:latest")
        );
        assert!(updated_pyproject("project = 3\n", &meta("")).is_ok());
        assert!(updated_pyproject("not = [toml", &meta("")).is_err());
    }

    #[test]
    fn requirements_by_type() {
        let ml = requirements("ml");
        assert!(ml.starts_with(
            "# DS01 Project Requirements\n# Generated for project type: General ML\n"
        ));
        assert!(ml.contains("seaborn>=0.12\n\n# Jupyter environment\njupyter\njupyterlab\nipykernel\nipywidgets\n\n# General ML specific packages\nxgboost\n"));
        assert!(ml.ends_with("optuna\nshap\n"));
        let custom = requirements("custom");
        assert!(custom.contains("project type: Custom\n"));
        assert!(custom.ends_with("ipywidgets\n"));
        assert_eq!(type_name("bogus"), "Custom");
    }
}
