//! The devcontainer.json devcontainer-init writes: the keys, their order
//! and their values as the original's heredocs put them, in the layout
//! `python3 -m json.tool` gave the file afterwards (four spaces, ASCII
//! only, a final newline).  Unlike the heredocs, every value is escaped,
//! so a quote in a name or a package list cannot break the file.

use super::flags::GpuMode;
use super::pyjson;
use serde::Serialize;

/// The home directory mount and environment VS Code needs in the
/// container (`${localEnv:...}` is expanded by VS Code, not by us).
const HOME_MOUNT: &str = "source=${localEnv:HOME},target=/home/${localEnv:USER},type=bind";
const CONTAINER_HOME: &str = "/home/${localEnv:USER}";
const HF_HOME: &str = "/home/${localEnv:USER}/.cache/huggingface";

/// What goes into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings<'a> {
    pub project: &'a str,
    pub image: &'a str,
    pub gpu: GpuMode,
    /// Comma-separated extension ids, as given.
    pub extensions: &'a str,
    pub requirements: &'a str,
    pub packages: &'a str,
    pub system: &'a str,
    /// The caller's uid and primary gid (`id -u`, `id -g`).
    pub uid: u32,
    pub gid: u32,
}

#[derive(Serialize)]
struct DevContainer<'a> {
    name: &'a str,
    image: &'a str,
    #[serde(rename = "runArgs")]
    run_args: Vec<String>,
    mounts: [&'static str; 1],
    #[serde(rename = "containerEnv")]
    container_env: ContainerEnv,
    #[serde(rename = "postCreateCommand", skip_serializing_if = "Option::is_none")]
    post_create_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customizations: Option<Customizations>,
    #[serde(rename = "shutdownAction")]
    shutdown_action: &'static str,
}

#[derive(Serialize)]
struct ContainerEnv {
    #[serde(rename = "HOME")]
    home: &'static str,
    #[serde(rename = "HF_HOME")]
    hf_home: &'static str,
}

#[derive(Serialize)]
struct Customizations {
    vscode: VsCode,
}

#[derive(Serialize)]
struct VsCode {
    extensions: Vec<String>,
}

/// The file's text.
pub fn render(s: &Settings) -> String {
    let doc = DevContainer {
        name: s.project,
        image: s.image,
        run_args: run_args(s.gpu, s.uid, s.gid),
        mounts: [HOME_MOUNT],
        container_env: ContainerEnv {
            home: CONTAINER_HOME,
            hf_home: HF_HOME,
        },
        post_create_command: post_create_command(s),
        customizations: (!s.extensions.is_empty()).then(|| Customizations {
            vscode: VsCode {
                // Split at every comma, blanks kept, as the original's sed did.
                extensions: s.extensions.split(',').map(str::to_string).collect(),
            },
        }),
        shutdown_action: "stopContainer",
    };
    let mut text = pyjson::to_string(&doc, "    ");
    text.push('\n');
    text
}

/// The container runs as the caller (files it makes are theirs), with a
/// GPU unless none was asked for: the docker wrapper swaps `all` for the
/// GPU the allocator gives.
fn run_args(gpu: GpuMode, uid: u32, gid: u32) -> Vec<String> {
    let mut args = vec!["--user".to_string(), format!("{uid}:{gid}")];
    if gpu != GpuMode::None {
        args.extend(["--gpus".to_string(), "all".to_string()]);
    }
    args.extend(["--shm-size".to_string(), "8g".to_string()]);
    args
}

/// apt packages first, then the requirements file, then pip packages,
/// joined with ` && `; none of them: no command.
fn post_create_command(s: &Settings) -> Option<String> {
    let mut commands = Vec::new();
    if !s.system.is_empty() {
        commands.push(format!(
            "sudo apt-get update && sudo apt-get install -y {}",
            s.system
        ));
    }
    if !s.requirements.is_empty() {
        commands.push(format!("pip install -r {}", s.requirements));
    }
    if !s.packages.is_empty() {
        commands.push(format!("pip install {}", s.packages));
    }
    (!commands.is_empty()).then(|| commands.join(" && "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings<'static> {
        Settings {
            project: "demo",
            image: "aimehub/pytorch-2.8.0-aime-cuda12.6.3",
            gpu: GpuMode::Mig,
            extensions: "",
            requirements: "",
            packages: "",
            system: "",
            uid: 2001,
            gid: 2001,
        }
    }

    /// What the original's heredocs gave after `python3 -m json.tool`.
    #[test]
    fn the_quick_file() {
        assert_eq!(
            render(&settings()),
            r#"{
    "name": "demo",
    "image": "aimehub/pytorch-2.8.0-aime-cuda12.6.3",
    "runArgs": [
        "--user",
        "2001:2001",
        "--gpus",
        "all",
        "--shm-size",
        "8g"
    ],
    "mounts": [
        "source=${localEnv:HOME},target=/home/${localEnv:USER},type=bind"
    ],
    "containerEnv": {
        "HOME": "/home/${localEnv:USER}",
        "HF_HOME": "/home/${localEnv:USER}/.cache/huggingface"
    },
    "shutdownAction": "stopContainer"
}
"#
        );
    }

    #[test]
    fn everything_given_and_no_gpu() {
        let s = Settings {
            gpu: GpuMode::None,
            extensions: "ms-python.python, ms-toolsai.jupyter",
            requirements: "requirements.txt",
            packages: "wandb optuna",
            system: "ffmpeg htop",
            gid: 100,
            ..settings()
        };
        let text = render(&s);
        assert!(text.contains(
            "    \"runArgs\": [\n        \"--user\",\n        \"2001:100\",\n        \"--shm-size\",\n        \"8g\"\n    ],\n"
        ));
        assert!(text.contains(
            "    \"postCreateCommand\": \"sudo apt-get update && sudo apt-get install -y ffmpeg htop && pip install -r requirements.txt && pip install wandb optuna\",\n    \"customizations\": {\n        \"vscode\": {\n            \"extensions\": [\n                \"ms-python.python\",\n                \" ms-toolsai.jupyter\"\n            ]\n        }\n    },\n    \"shutdownAction\": \"stopContainer\"\n}\n"
        ));
    }

    #[test]
    fn values_are_escaped() {
        let s = Settings {
            project: "caf\u{e9}",
            packages: "\"numpy>=1.0\"",
            ..settings()
        };
        let text = render(&s);
        assert!(text.contains("\"name\": \"caf\\u00e9\","));
        assert!(text.contains("\"postCreateCommand\": \"pip install \\\"numpy>=1.0\\\"\","));
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }
}
