//! The pages of `container-create`: the short help (from the spec), the
//! full reference (`--info`), the concepts page (`--concepts`) and the
//! guided explanations.  The synopsis lines and flag lists are the
//! original's; the sentences are ds01's own.

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::error::Failure;
use crate::ui::ds01::{expand, NC, RED};

/// The short help page (`-h`, `--help`).
pub fn help() -> Result<String, Failure> {
    let spec = spec::tool("container-create").map_err(|e| Failure::stderr(70, e))?;
    Ok(parse::help(&spec))
}

/// A refusal of the command line: the message, a blank line and the help,
/// exit 1 (the original's `echo -e "✗ ...\n"; usage; exit 1`).
pub fn refusal(message: &str) -> Failure {
    match help() {
        Ok(page) => Failure::stdout(1, format!("{RED}{message}{NC}\n\n{page}")),
        Err(f) => f,
    }
}

const RULE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}";

/// `--info`: the full reference; `uid` is the caller's, for the name format.
pub fn info(uid: u32) -> String {
    let text = format!(
        "\n{RULE}\n{{BOLD}}ds01: container-create, the full reference{{NC}}\n{RULE}\n\n\
         {{DIM}}A single step; container-deploy creates and starts in one go.{{NC}}\n\n\
         {{BOLD}}Usage:{{NC}}\n\
         \x20 container-create [name] [image] [options]\n\
         \x20 container-create              # Interactive wizard\n\n\
         {{BOLD}}Arguments:{{NC}}\n\
         \x20 name              What to call the container; it also names\n\
         \x20                   the directory ~/workspace/<name>\n\
         \x20 image             What to build it from:\n\
         \x20                   • one of your images (my-project, ds01-{uid}/my-project)\n\
         \x20                   • a framework from the catalog (pytorch, tensorflow)\n\n\
         {{BOLD}}Options:{{NC}}\n\
         \x20 --guided          Explain every step, waiting for Enter in between\n\
         \x20 --cpu-only        Give the container no GPU\n\
         \x20 --num-gpus=N      Ask for N GPUs (default 1)\n\
         \x20 -w, --workspace   Mount this directory at /workspace\n\
         \x20                   (default ~/workspace/<name>)\n\
         \x20 -d, --data        Mount a further data directory\n\
         \x20 --dry-run         Show the plan and create nothing\n\
         \x20 --concepts        What containers, images and workspaces are\n\
         \x20 --info            This page\n\
         \x20 -h, --help        The short help\n\n\
         {{BOLD}}Names:{{NC}}\n\
         \x20 You type:         <name>\n\
         \x20 Docker sees:      <name>._.{uid}\n\n\
         {{BOLD}}Resources:{{NC}}\n\
         \x20 Your group decides the CPUs, memory and shared memory of each\n\
         \x20 container and how many GPUs you may hold; see {{GREEN}}check-limits{{NC}}.\n\
         \x20 A created container holds its GPU until it is removed.\n\n\
         {{BOLD}}Examples:{{NC}}\n\
         \x20 container-create                          {{DIM}}# the wizard{{NC}}\n\
         \x20 container-create thesis                   {{DIM}}# your image ds01-{uid}/thesis, or PyTorch{{NC}}\n\
         \x20 container-create thesis tensorflow        {{DIM}}# TensorFlow from the catalog{{NC}}\n\
         \x20 container-create prep --cpu-only          {{DIM}}# no GPU{{NC}}\n\
         \x20 container-create big --num-gpus=2         {{DIM}}# two GPUs, if your quota allows{{NC}}\n\
         \x20 container-create thesis --dry-run         {{DIM}}# only show the plan{{NC}}\n\n\
         {{BOLD}}Afterwards:{{NC}}\n\
         \x20 {{GREEN}}container-run <name>{{NC}}      start it and open a shell\n\
         \x20 {{GREEN}}container-start <name>{{NC}}    start it in the background\n\
         \x20 {{GREEN}}container-list{{NC}}            your containers\n\
         \x20 {{GREEN}}container-retire <name>{{NC}}   stop and remove it, freeing its GPU\n\n"
    );
    expand(&text)
}

/// `--concepts`: containers, images and workspaces in a few lines.
pub fn concepts() -> String {
    expand(&format!(
        "\n{RULE}\n{{BOLD}}Containers, images and workspaces{{NC}}\n{RULE}\n\n\
         {{BOLD}}Three things to tell apart:{{NC}}\n\
         \x20 • {{CYAN}}Image{{NC}}      a read-only template: system, Python, your packages\n\
         \x20 • {{CYAN}}Container{{NC}}  a working copy of an image, with its own CPUs,\n\
         \x20               memory and (if you asked) GPUs\n\
         \x20 • {{CYAN}}Workspace{{NC}}  your files in ~/workspace/<name>, seen inside\n\
         \x20               the container as /workspace\n\n\
         \x20 Removing a container never touches the workspace: make a new\n\
         \x20 container from the same image and your files are there again.\n\n\
         {{BOLD}}A container's life:{{NC}}\n\
         \x20 {{GREEN}}created{{NC}} → {{GREEN}}running{{NC}} → {{YELLOW}}stopped{{NC}} → {{RED}}removed{{NC}}\n\
         \x20 It holds its GPU from creation until it is removed (or until\n\
         \x20 the lab's hold time after a stop runs out).\n\n\
         {{BOLD}}The usual way:{{NC}}\n\
         \x20 1. {{GREEN}}image-create my-project{{NC}}       build your image once\n\
         \x20 2. {{GREEN}}container-deploy my-project{{NC}}   create and start a container\n\
         \x20 3. work in it; leave with exit\n\
         \x20 4. {{GREEN}}container-retire my-project{{NC}}   stop and remove it\n\n\
         \x20 container-create is step 2 without the start.\n\n"
    ))
}

/// `--guided`, before the wizard: what the command does.
pub const GUIDED_WIZARD_INTRO: &str = "{BOLD}What container-create does{NC}

It makes a container, a working copy of a Docker image with your
workspace mounted in it.  The image usually comes first:
  {GREEN}image-create my-project{NC}     builds it (your packages in it)
  {GREEN}container-create my-project{NC} makes a container from it
  {GREEN}container-run my-project{NC}    starts it and opens a shell

";

/// `--guided`: containers and resources, after the first pause.
pub const GUIDED_CONTAINERS: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Containers in short{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

  A container brings its own Linux, Python and frameworks, and sees
  the GPUs it was given.  Your files stay in ~/workspace/<name> on
  the server, mounted at /workspace: a container can go, the files stay.

  Each container gets the CPUs, memory and GPUs your group allows,
  so that everybody gets a fair share of the server.

";

/// `--guided`: the heading of the image step.
pub const GUIDED_STEP_IMAGE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Step 1: Select Docker Image{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

Pick what the container is made from.

";

/// `--guided`: there is no image yet.
pub const GUIDED_NO_IMAGES: &str = "A container is made from an image, and you have none yet.

{BOLD}Build one first:{NC}
  {GREEN}image create{NC}
It asks for the framework and packages you want.

Then come back:
  {GREEN}container create{NC}

";

/// `--guided`: a note after choosing a bare framework.
pub fn guided_framework_note(name: &str) -> String {
    expand(&format!(
        "{{YELLOW}}💡 Note:{{NC}} a catalog framework has none of your own packages.\n\n\
         For your packages, build an image first and create from it:\n\
         \x20 {{GREEN}}image-create {name}{{NC}}\n\
         \x20 {{GREEN}}container-create {name}{{NC}}\n\n"
    ))
}

/// `--guided`: before the workspace directory is made.
pub fn guided_workspace(dir: &str) -> String {
    expand(&format!(
        "{RULE}\n{{BOLD}}Creating Workspace Directory{{NC}}\n{RULE}\n\n\
         Your workspace does not exist yet; it is made now:\n\
         \x20 {{CYAN}}{dir}{{NC}}\n\n\
         Inside the container it is {{CYAN}}/workspace{{NC}}; what you save there\n\
         stays on the server after the container is gone.\n\n"
    ))
}

/// `--guided`: what the create is about to do.
pub fn guided_next(framework: &str) -> String {
    expand(&format!(
        "{RULE}\n{{BOLD}}What Happens Next{{NC}}\n{RULE}\n\n\
         \x20 1. {{BOLD}}Your limits{{NC}} are read from your group's settings\n\
         \x20 2. {{BOLD}}GPUs{{NC}} are allocated (unless CPU only)\n\
         \x20 3. {{BOLD}}The image{{NC}} is prepared ({framework}; the first time can take minutes)\n\
         \x20 4. {{BOLD}}The container{{NC}} is created\n\
         \x20 5. {{BOLD}}Its limits{{NC}} are set\n\n"
    ))
}

/// `--guided`: after a successful create.
pub fn guided_done(name: &str) -> String {
    expand(&format!(
        "\n{{BOLD}}What Just Happened?{{NC}}\n\n\
         The container exists but is not running: it uses nothing yet\n\
         (its GPU is reserved for it).\n\n\
         {{BOLD}}Next Steps:{{NC}}\n\n\
         \x20 1. {{GREEN}}container-run {name}{{NC}}     start it and open a shell\n\
         \x20 2. work in /workspace (python, jupyter lab, ...)\n\
         \x20 3. exit (or Ctrl+D) leaves the shell; the container keeps running\n\
         \x20 4. {{GREEN}}container-retire {name}{{NC}}  stop and remove it, freeing the GPU\n\n\
         {{YELLOW}}💡 Remember:{{NC}} containers come and go; /workspace stays.\n\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_has_the_original_synopsis_and_flags_in_order() {
        let page = help().expect("spec");
        assert!(page.contains(
            "\x1b[0;36mUsage:\x1b[0m\n  container-create [name] [image] [options]\n  \
             container-create              # Interactive wizard (no arguments)\n\n"
        ));
        let flags: Vec<&str> = page.lines().filter_map(|l| l.strip_prefix("  -")).collect();
        assert_eq!(flags.len(), 7, "{page}");
        assert!(!page.contains("--prefer-full") && !page.contains("--info"));
    }

    #[test]
    fn info_has_the_original_synopsis() {
        let page = info(2001);
        assert!(page.contains(
            "\x1b[1mUsage:\x1b[0m\n  container-create [name] [image] [options]\n  \
             container-create              # Interactive wizard\n\n"
        ));
        assert!(page.contains("<name>._.2001"));
    }
}
