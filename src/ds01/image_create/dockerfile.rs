//! The Dockerfiles DS01 writes (reference §10.4): `image-create`'s (A,
//! with the user set up at build time) and project-init's (B,
//! `dockerfile-generator.sh`).  Pure text: callers write the file.
//!
//! Unlike the originals, a package that the shell would read as something
//! else (`pandas>=2.0` as a redirection, `transformers[torch]` as a glob)
//! is single-quoted, so every version specifier reaches pip intact.

use std::borrow::Cow;

/// A package tier (Jupyter, data science): not asked, the defaults,
/// skipped, or the user's own list (space-separated, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tier {
    #[default]
    Unset,
    Default,
    Skip,
    Custom(String),
}

impl Tier {
    /// Whether Jupyter is installed, so the image gets its configuration.
    pub fn installs(&self) -> bool {
        matches!(self, Tier::Default | Tier::Custom(_))
    }
}

/// The two timestamps a Dockerfile carries: `date` and `date -Iseconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub date: String,
    pub iso: String,
}

impl Stamp {
    /// Now, in local time, as `date` prints it in the C locale.
    pub fn now() -> Stamp {
        // SAFETY: time and localtime_r (which reads the zone on first use)
        // only write the tm we own.
        let tm = unsafe {
            let now = libc::time(std::ptr::null_mut());
            let mut tm: libc::tm = std::mem::zeroed();
            libc::localtime_r(&now, &mut tm);
            tm
        };
        let offset = strftime(&tm, c"%z");
        let iso_offset = match offset.len() {
            5 => format!("{}:{}", &offset[..3], &offset[3..]),
            _ => offset,
        };
        Stamp {
            date: strftime(&tm, c"%a %b %e %H:%M:%S %Z %Y"),
            iso: format!("{}{iso_offset}", strftime(&tm, c"%Y-%m-%dT%H:%M:%S")),
        }
    }
}

fn strftime(tm: &libc::tm, format: &std::ffi::CStr) -> String {
    let mut buf = [0u8; 128];
    // SAFETY: the buffer's length is passed; strftime writes at most that.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), tm) };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// `pkg` as one shell word: as it is when the shell would read it so,
/// single-quoted otherwise.
pub fn shell_word(pkg: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.+=/:@,%".contains(c);
    if !pkg.is_empty() && pkg.chars().all(plain) {
        Cow::Borrowed(pkg)
    } else {
        Cow::Owned(format!("'{}'", pkg.replace('\'', r"'\''")))
    }
}

/// `RUN pip install --no-cache-dir \` and one package per line.
fn pip_install(packages: &[String]) -> String {
    let mut text = String::from("RUN pip install --no-cache-dir \\\n");
    let lines: Vec<String> = packages
        .iter()
        .map(|p| format!("    {}", shell_word(p)))
        .collect();
    text.push_str(&lines.join(" \\\n"));
    text.push('\n');
    text
}

/// A commented pip block followed by a blank line.
fn pip_section(comment: &str, packages: &[String]) -> String {
    format!("# {comment}\n{}\n", pip_install(packages))
}

/// The apt block: DS01's basics, then the user's packages.
fn system_packages(extra: &[String]) -> String {
    let mut text = String::from(
        "# System packages\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n",
    );
    for pkg in ["git", "curl", "wget", "vim", "htop"]
        .iter()
        .map(|p| Cow::Borrowed(*p))
        .chain(extra.iter().map(|p| shell_word(p)))
    {
        text.push_str(&format!("    {pkg} \\\n"));
    }
    text.push_str("    && rm -rf /var/lib/apt/lists/*\n\n");
    text
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// What `image-create` puts in its Dockerfile.
#[derive(Debug, Clone)]
pub struct ImageDockerfile<'a> {
    pub project: &'a str,
    pub framework: &'a str,
    pub usecase: &'a str,
    pub base_image: &'a str,
    /// `whoami` (in the header, labels and the username build argument).
    pub user: &'a str,
    /// The user name as the container knows it (sanitized).
    pub container_user: &'a str,
    pub uid: u32,
    pub gid: u32,
    pub stamp: &'a Stamp,
    /// A custom base image: none of DS01's packages.
    pub skip_base: bool,
    /// The requirements file as shown in the comment, and its packages.
    pub requirements: Option<(&'a str, &'a [String])>,
    pub jupyter: &'a Tier,
    pub data_science: &'a Tier,
    pub usecase_packages: &'a [String],
    pub additional: &'a [String],
    pub system: &'a [String],
}

/// The Dockerfile of `image-create` (reference §10.4 A).
pub fn image_dockerfile(d: &ImageDockerfile) -> String {
    let mut text = image_header(d);
    if d.skip_base {
        text.push_str("# Custom base image - no default packages installed\n\n");
    } else {
        text.push_str(&system_packages(d.system));
        text.push_str(&python_packages(d));
        text.push_str("# Custom additional packages\n\n");
        if d.jupyter.installs() {
            text.push_str(&jupyter_setup(d.project, d.framework));
        }
    }
    text.push_str(USER_SETUP);
    text.push_str(&format!(
        "# DS01 Labels for container creation optimization\n\
         LABEL ds01.has_user_setup=\"true\"\n\
         LABEL ds01.user_id=\"{}\"\n\
         LABEL ds01.group_id=\"{}\"\n\
         LABEL ds01.username=\"{}\"\n\n",
        d.uid, d.gid, d.container_user
    ));
    text.push_str(ENVIRONMENT);
    text
}

fn image_header(d: &ImageDockerfile) -> String {
    format!(
        "# DS01 Custom Image: {project}\n\
         # Created: {date}\n\
         # Framework: {framework}\n\
         # Use case: {usecase}\n\
         # Author: {user}\n\n\
         FROM {base}\n\n\
         {labels}\
         # Build arguments (set automatically by DS01)\n\
         ARG DS01_USER_ID={uid}\n\
         ARG DS01_GROUP_ID={gid}\n\
         ARG DS01_USERNAME={user}\n\n\
         WORKDIR /workspace\n\n",
        project = d.project,
        date = d.stamp.date,
        framework = d.framework,
        usecase = d.usecase,
        user = d.user,
        base = d.base_image,
        labels = labels(d.user, d.uid, d.project, d.framework, d.stamp),
        uid = d.uid,
        gid = d.gid,
    )
}

fn labels(user: &str, uid: u32, project: &str, framework: &str, stamp: &Stamp) -> String {
    format!(
        "# DS01 metadata labels\n\
         LABEL maintainer=\"{user}\"\n\
         LABEL maintainer.id=\"{uid}\"\n\
         LABEL ds01.project=\"{project}\"\n\
         LABEL ds01.framework=\"{framework}\"\n\
         LABEL ds01.created=\"{}\"\n\
         LABEL ds01.managed=\"true\"\n\n",
        stamp.iso
    )
}

/// The pip tiers: requirements, Jupyter, data science, use case, extras.
/// (The original dropped the Jupyter and data-science answers when a
/// requirements file was used, yet configured Jupyter; both now count.)
fn python_packages(d: &ImageDockerfile) -> String {
    let mut text = String::new();
    if let Some((source, packages)) = d.requirements {
        if !packages.is_empty() {
            text.push_str(&format!(
                "# Packages from requirements.txt\n# Source: {source}\n{}\n",
                pip_install(packages)
            ));
        }
    }
    text.push_str(&tier(
        d.jupyter,
        "Jupyter packages skipped by user",
        "Jupyter & Interactive",
        &super::packages::JUPYTER,
    ));
    text.push_str(&tier(
        d.data_science,
        "Data science packages skipped by user",
        "Core Data Science",
        &super::packages::DATA_SCIENCE,
    ));
    if !d.usecase_packages.is_empty() {
        text.push_str(&pip_section(
            "Use case specific packages",
            d.usecase_packages,
        ));
    }
    if !d.additional.is_empty() {
        text.push_str(&pip_section("Additional user packages", d.additional));
    }
    text
}

fn tier(choice: &Tier, skipped: &str, title: &str, defaults: &[&str]) -> String {
    match choice {
        Tier::Unset => String::new(),
        Tier::Skip => format!("# {skipped}\n\n"),
        Tier::Custom(list) if list.trim().is_empty() => String::new(),
        Tier::Custom(list) => pip_section(&format!("{title} (Custom)"), &words(list)),
        Tier::Default => {
            let defaults: Vec<String> = defaults.iter().map(|p| p.to_string()).collect();
            pip_section(title, &defaults)
        }
    }
}

fn jupyter_setup(project: &str, framework: &str) -> String {
    format!(
        "# Configure Jupyter Lab\n\
         RUN jupyter lab --generate-config && \\\n\
         {JUPYTER_SETTINGS}\n\
         # IPython kernel\n\
         RUN python -m ipykernel install --user \\\n\
         \x20   --name=\"{project}\" \\\n\
         \x20   --display-name=\"{project} ({framework})\"\n\n"
    )
}

const JUPYTER_SETTINGS: &str = r#"    echo "c.ServerApp.ip = '0.0.0.0'" >> /root/.jupyter/jupyter_lab_config.py && \
    echo "c.ServerApp.allow_root = True" >> /root/.jupyter/jupyter_lab_config.py && \
    echo "c.ServerApp.open_browser = False" >> /root/.jupyter/jupyter_lab_config.py && \
    echo "c.ServerApp.token = ''" >> /root/.jupyter/jupyter_lab_config.py && \
    echo "c.ServerApp.password = ''" >> /root/.jupyter/jupyter_lab_config.py
"#;

/// The user-setup step (build arguments in, the user's account out), so
/// that containers need no commit at creation.  The build log shows it,
/// so it is the original's text exactly.
const USER_SETUP: &str = r#"# User/Group Setup (DS01 - baked into image to avoid docker commit at container creation)
ARG DS01_USER_ID
ARG DS01_GROUP_ID
ARG DS01_USERNAME

# Create user/group with specific UID:GID matching host user
RUN set -e && \
    if [ -n "$DS01_USER_ID" ] && [ -n "$DS01_GROUP_ID" ] && [ -n "$DS01_USERNAME" ]; then \
        echo "DS01: Setting up user $DS01_USERNAME (UID=$DS01_USER_ID, GID=$DS01_GROUP_ID)" && \
        # Step 1: Remove conflicting group if exists with different name
        EXISTING_GROUP=$(getent group $DS01_GROUP_ID 2>/dev/null | cut -d: -f1 || true) && \
        if [ -n "$EXISTING_GROUP" ] && [ "$EXISTING_GROUP" != "$DS01_USERNAME" ]; then \
            echo "DS01: Removing conflicting group $EXISTING_GROUP (has GID $DS01_GROUP_ID)" && \
            groupdel "$EXISTING_GROUP" 2>/dev/null || true; \
        fi && \
        # Step 2: Create group with specific GID (cascade handles numeric-only names)
        # Some distros (Debian) reject purely numeric group names even with groupadd
        # Note: uses variable guard instead of "if !" to avoid set -e swallowing cascade exits
        DS01_HAVE_GROUP=0 && \
        getent group $DS01_GROUP_ID >/dev/null 2>&1 && DS01_HAVE_GROUP=1 || true && \
        if [ "$DS01_HAVE_GROUP" = "0" ]; then \
            groupadd -g $DS01_GROUP_ID $DS01_USERNAME 2>/dev/null || \
            groupadd -g $DS01_GROUP_ID ds01_$DS01_USERNAME 2>/dev/null || true; \
        fi && \
        # Step 3: Remove conflicting user if exists with different name
        EXISTING_USER=$(getent passwd $DS01_USER_ID 2>/dev/null | cut -d: -f1 || true) && \
        if [ -n "$EXISTING_USER" ] && [ "$EXISTING_USER" != "$DS01_USERNAME" ]; then \
            echo "DS01: Removing conflicting user $EXISTING_USER (has UID $DS01_USER_ID)" && \
            userdel -r "$EXISTING_USER" 2>/dev/null || true; \
        fi && \
        # Step 4: Create user with specific UID and GID (cascade handles numeric-only names)
        # Try --badname first (newer shadow-utils), fall back to plain useradd
        DS01_HAVE_USER=0 && \
        getent passwd $DS01_USER_ID >/dev/null 2>&1 && DS01_HAVE_USER=1 || true && \
        if [ "$DS01_HAVE_USER" = "0" ]; then \
            useradd --badname -m -d /home/$DS01_USERNAME -u $DS01_USER_ID -g $DS01_GROUP_ID -s /bin/bash $DS01_USERNAME 2>/dev/null || \
            useradd -m -d /home/$DS01_USERNAME -u $DS01_USER_ID -g $DS01_GROUP_ID -s /bin/bash $DS01_USERNAME; \
        fi && \
        # Step 4b: CRITICAL - Truncate lastlog/faillog to prevent huge sparse files
        # High UIDs (e.g., 1722830498) cause these files to grow to 300GB+
        # which breaks Docker overlay2 layer export
        : > /var/log/lastlog && \
        : > /var/log/faillog && \
        # Step 5: Configure sudo access (NOPASSWD)
        usermod -aG sudo $DS01_USERNAME && \
        echo "$DS01_USERNAME ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers && \
        # Step 6: Create .local/bin directory for pip --user installs
        mkdir -p /home/$DS01_USERNAME/.local/bin && \
        chown -R $DS01_USER_ID:$DS01_GROUP_ID /home/$DS01_USERNAME && \
        # Step 7: Configure PATH in bashrc (matches AIME docker run setup)
        # Add ~/.local/bin to PATH for pip install --user packages
        echo 'export PATH="$HOME/.local/bin:$PATH"' >> /home/$DS01_USERNAME/.bashrc && \
        # Step 8: Configure HOME export (fixes LDAP username issues)
        echo "export HOME=/home/$DS01_USERNAME" >> /home/$DS01_USERNAME/.bashrc && \
        # Step 9: Configure PS1 prompt (matches AIME docker run setup)
        # Uses container hostname which Docker sets from --name or container ID
        # Format: [container-name] user@host:path$
        echo 'export PS1='"'"'[\h] \u@ds01:\w\$ '"'"'' >> /home/$DS01_USERNAME/.bashrc && \
        chown $DS01_USER_ID:$DS01_GROUP_ID /home/$DS01_USERNAME/.bashrc && \
        echo "DS01: User setup complete"; \
    else \
        echo "DS01: Skipping user setup (build args not provided)"; \
    fi

"#;

const ENVIRONMENT: &str = "# Environment variables
ENV PYTHONUNBUFFERED=1
ENV CUDA_DEVICE_ORDER=PCI_BUS_ID
ENV HF_HOME=/workspace/.cache/huggingface
ENV TORCH_HOME=/workspace/.cache/torch
ENV MPLCONFIGDIR=/workspace/.cache/matplotlib

CMD [\"/bin/bash\"]
";

/// What project-init's generator (`generate_dockerfile`) is given.
#[derive(Debug, Clone)]
pub struct ProjectDockerfile<'a> {
    pub project: &'a str,
    pub base_image: &'a str,
    pub user: &'a str,
    pub uid: u32,
    pub framework: &'a str,
    pub stamp: &'a Stamp,
    /// The requirements file as shown, and its packages (they win over
    /// `python_packages`).
    pub requirements: Option<(&'a str, &'a [String])>,
    pub python_packages: &'a [String],
    pub system_packages: &'a [String],
    pub skip_system: bool,
    pub skip_jupyter: bool,
    pub minimal: bool,
}

/// project-init's Dockerfile (reference §10.4 B): no user set-up step,
/// group id = user id, as the generator wrote it.
pub fn project_dockerfile(p: &ProjectDockerfile) -> String {
    let mut text = format!(
        "# DS01 Project Dockerfile\n\
         # Project: {project}\n\
         # Created: {date}\n\
         # Framework: {framework}\n\
         # Author: {user}\n\
         #\n\
         # Build with: image-update {project}\n\
         # Or: docker build -t ds01-{uid}/{project}:latest .\n\n\
         FROM {base}\n\n\
         {labels}\
         # Build arguments (set automatically by DS01)\n\
         ARG DS01_USER_ID={uid}\n\
         ARG DS01_GROUP_ID={uid}\n\
         ARG DS01_USERNAME={user}\n\n",
        project = p.project,
        date = p.stamp.date,
        framework = p.framework,
        user = p.user,
        uid = p.uid,
        base = p.base_image,
        labels = labels(p.user, p.uid, p.project, p.framework, p.stamp),
    );
    if !p.skip_system && !p.minimal {
        text.push_str(&system_packages(p.system_packages));
    }
    match p.requirements {
        Some((source, packages)) if !packages.is_empty() => text.push_str(&format!(
            "# Packages from requirements.txt\n# Source: {source}\n{}\n",
            pip_install(packages)
        )),
        Some(_) => {}
        None if !p.python_packages.is_empty() => {
            text.push_str(&pip_section("Python packages", p.python_packages))
        }
        None => {}
    }
    text.push_str(
        "# Custom additional packages\n\
         # Add packages here with: image-update <project> then \"Add Python packages\"\n\
         # Or edit this file directly and rebuild\n\n",
    );
    if !p.skip_jupyter && !p.minimal {
        text.push_str(&format!(
            "# Configure Jupyter Lab\n\
             RUN jupyter lab --generate-config 2>/dev/null || true && \\\n\
             \x20   mkdir -p /root/.jupyter && \\\n\
             {JUPYTER_SETTINGS}\n"
        ));
    }
    text.push_str(
        "# Working directory (mapped to ~/workspace/<project>)\n\
         WORKDIR /workspace\n\n\
         # Default command\n\
         CMD [\"/bin/bash\"]\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp {
            date: "Sat Nov 28 12:49:25 UTC 2026".into(),
            iso: "2026-11-28T12:49:25+00:00".into(),
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Session 501's Dockerfile, as the original wrote it (when the
    /// recordings are beside the repository).
    #[test]
    fn the_recorded_dockerfile_of_501() {
        let session = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/compat/ds01/501-image-create-no-build-pkgs.txt"
        );
        let Ok(text) = std::fs::read_to_string(session) else {
            return;
        };
        let marker = "--- file /home/alice/workspace/demo2/Dockerfile:\n";
        let start = text.find(marker).expect("the Dockerfile section") + marker.len();
        // The recorder ends each file with a blank line of its own.
        let recorded = text[start..]
            .strip_suffix('\n')
            .expect("recorder's newline");
        let usecase = strings(&super::super::packages::usecase_packages("nlp"));
        let d = ImageDockerfile {
            project: "demo2",
            framework: "tensorflow",
            usecase: "nlp",
            base_image: "aimehub/tensorflow-2.16.1-cuda12.3",
            user: "alice",
            container_user: "alice",
            uid: 2001,
            gid: 2001,
            stamp: &stamp(),
            skip_base: false,
            requirements: None,
            jupyter: &Tier::Default,
            data_science: &Tier::Default,
            usecase_packages: &usecase,
            additional: &strings(&["wandb", "einops"]),
            system: &strings(&["tmux", "htop"]),
        };
        assert_eq!(image_dockerfile(&d), recorded);
    }

    #[test]
    fn specifiers_survive_as_one_quoted_word() {
        assert_eq!(shell_word("timm"), "timm");
        assert_eq!(shell_word("requests==2.31.0"), "requests==2.31.0");
        assert_eq!(shell_word("torch==2.5.1+cu121"), "torch==2.5.1+cu121");
        assert_eq!(shell_word("pandas>=2.0"), "'pandas>=2.0'");
        assert_eq!(shell_word("scikit-learn<1.6"), "'scikit-learn<1.6'");
        assert_eq!(shell_word("transformers[torch]"), "'transformers[torch]'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        let block = pip_install(&strings(&["pandas>=2.0", "timm"]));
        assert_eq!(
            block,
            "RUN pip install --no-cache-dir \\\n    'pandas>=2.0' \\\n    timm\n"
        );
    }

    #[test]
    fn custom_base_has_no_packages_and_requirements_keep_jupyter() {
        let reqs = strings(&["numpy", "pandas==2.2.0"]);
        let mut d = ImageDockerfile {
            project: "p",
            framework: "custom",
            usecase: "custom",
            base_image: "ubuntu:22.04",
            user: "alice",
            container_user: "alice",
            uid: 1,
            gid: 1,
            stamp: &stamp(),
            skip_base: true,
            requirements: Some(("/r.txt", &reqs)),
            jupyter: &Tier::Default,
            data_science: &Tier::Skip,
            usecase_packages: &[],
            additional: &[],
            system: &[],
        };
        let text = image_dockerfile(&d);
        assert!(
            text.contains("# Custom base image - no default packages installed\n\n# User/Group")
        );
        assert!(!text.contains("RUN pip install"));
        d.skip_base = false;
        let text = image_dockerfile(&d);
        assert!(text.contains("# Source: /r.txt\nRUN pip install --no-cache-dir \\\n    numpy \\\n    pandas==2.2.0\n\n# Jupyter & Interactive\n"));
        assert!(text.contains("# Data science packages skipped by user\n\n# Custom additional packages\n\n# Configure Jupyter Lab\n"));
    }

    #[test]
    fn project_dockerfile_shape() {
        let reqs = strings(&["pandas>=2.0"]);
        let p = ProjectDockerfile {
            project: "thesis",
            base_image: "aimehub/pytorch-2.8.0-aime-cuda12.6.3",
            user: "alice",
            uid: 2001,
            framework: "pytorch",
            stamp: &stamp(),
            requirements: Some(("~/workspace/thesis/requirements.txt", &reqs)),
            python_packages: &[],
            system_packages: &[],
            skip_system: false,
            skip_jupyter: false,
            minimal: false,
        };
        let text = project_dockerfile(&p);
        assert!(text.starts_with("# DS01 Project Dockerfile\n# Project: thesis\n"));
        assert!(
            text.contains("ARG DS01_GROUP_ID=2001\nARG DS01_USERNAME=alice\n\n# System packages\n")
        );
        assert!(text.contains("    'pandas>=2.0'\n\n# Custom additional packages\n"));
        assert!(text.contains("RUN jupyter lab --generate-config 2>/dev/null || true && \\\n    mkdir -p /root/.jupyter && \\\n    echo"));
        assert!(text.ends_with("WORKDIR /workspace\n\n# Default command\nCMD [\"/bin/bash\"]\n"));
    }

    #[test]
    fn stamps_look_like_date() {
        let s = Stamp::now();
        assert_eq!(s.iso.len(), "2026-11-28T12:49:25+00:00".len(), "{}", s.iso);
        assert_eq!(
            s.date.split(' ').filter(|w| !w.is_empty()).count(),
            6,
            "{}",
            s.date
        );
    }
}
