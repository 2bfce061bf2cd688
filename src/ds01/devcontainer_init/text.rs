//! devcontainer-init's menus and fixed texts (colour tokens expanded by
//! `ui::ds01::expand`).  Menus and the closing "Next Steps" are the
//! original's; the `--guided` explanations are in ds01's own words.

pub(super) const OVERWRITE_MENU: &str =
    "  {BOLD}1){NC} Overwrite {DIM}(replace with new configuration){NC}
  {BOLD}2){NC} Backup and replace {DIM}(save as devcontainer.json.bak){NC}
  {BOLD}3){NC} Cancel\n\n";

pub(super) const FRAMEWORK_MENU: &str = "Select ML framework:
  {BOLD}1){NC} PyTorch + CUDA {GREEN}(recommended){NC}
  {BOLD}2){NC} TensorFlow + CUDA
  {BOLD}3){NC} JAX + CUDA
  {BOLD}4){NC} Python + CUDA only {DIM}(minimal){NC}
  {BOLD}5){NC} Custom image {DIM}(enter name){NC}\n\n";

pub(super) const GPU_MENU: &str = "GPU requirements:
  {BOLD}1){NC} No GPU {DIM}(editing/git only - runs permanently){NC}
  {BOLD}2){NC} MIG instance {DIM}(shared GPU, default){NC} {GREEN}(recommended){NC}
  {BOLD}3){NC} Full GPU {DIM}(if your quota allows){NC}\n\n";

pub(super) const NEXT_STEPS: &str = "{BOLD}Next Steps:{NC}
  1. Open this folder in VS Code
  2. When prompted, click {CYAN}\"Reopen in Container\"{NC}
  3. VS Code will build and start your dev container\n
{BOLD}Your container will:{NC}
  • Appear in {GREEN}container ls{NC} like other DS01 containers
  • Use the same GPU allocation system\n";

/// After the guided header.
pub(super) const GUIDED_INTRO: &str = "
You are about to write {CYAN}devcontainer.json{NC}: the file VS Code reads to
know which container to open your project in, and how to start it.\n
{DIM}Leave out --guided to get the same questions without the explanations{NC}\n";

pub(super) const GUIDED_PROJECT: &str = "
The project name becomes the dev container's name, so that you can tell
it from your other containers in {GREEN}container ls{NC}.\n
The file goes into the project's .devcontainer folder, which is where
VS Code looks for it.\n";

pub(super) const GUIDED_IMAGE: &str = "
The base image decides which framework and which CUDA version come
ready-installed.  ds01 takes it from the AIME catalog, the same way
{GREEN}container deploy{NC} does.\n\n";

pub(super) const GUIDED_GPU: &str = "
{CYAN}ℹ{NC} {BOLD}Which GPU?{NC}\n
  {BOLD}No GPU:{NC}
    Nothing is held, so the container may stay up for good
    Enough for writing code, git and light work\n
  {BOLD}MIG instance:{NC}
    A slice of one GPU, with memory of its own
    Given back when VS Code closes
    Right for most model development\n
  {BOLD}Full GPU:{NC}
    A whole GPU, when your group's quota has room for one
    For models that do not fit in a slice\n\n";

pub(super) const GUIDED_EXTRAS: &str = "
Two extras, both optional:
  • pip packages, installed once the container has been made
  • VS Code extensions, installed inside the container\n";

/// The guided summary of what the file does.
pub(super) fn guided_written(gpu: bool) -> String {
    let mut text = String::from(
        "{CYAN}━━━ What was written ━━━{NC}\n
  • A devcontainer.json with ds01's settings
  • The AIME base image named above\n",
    );
    if gpu {
        text.push_str(
            "  • \"--gpus all\", which ds01's docker wrapper turns into a GPU of your own
  • shutdownAction stopContainer: closing VS Code stops the container\n",
        );
    }
    text.push_str("  • Your home directory mounted, so your files stay where they are\n\n");
    text
}

pub(super) const GUIDED_TIPS: &str = "{YELLOW}💡 Tips:{NC}
  • Look the file over: {GREEN}devcontainer check{NC}
  • See your containers: {GREEN}container ls{NC}
  • Read more first: {GREEN}devcontainer init --concepts{NC}\n\n";
