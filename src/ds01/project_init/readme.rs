//! Step 6: the README, the example experiment config and the first
//! commit, made in-process where the original ran DS01's `readme-create`
//! helper (no longer installed).  The messages and file texts are the
//! helper's, with two fixes: its own requirements list is written only
//! when the project has no `requirements.txt` (the helper replaced the one
//! the Dockerfile had just been made from), and every project type gets a
//! README (the helper refused audio, ts, llm and custom).

use super::structure::Structure;
use super::Project;
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{expand, GREEN, LIGHT_BLUE, NC};

/// Write the files and, when Git was set up, commit the project.
pub fn create(ctx: &mut Ctx, p: &Project, date: &str, commit: bool) -> Result<(), Failure> {
    let configs = p.dir.join("configs");
    let config = configs.is_dir();
    if p.guided {
        ctx.out(&expand(GUIDE));
        if config {
            ctx.out(&expand(CONFIG_GUIDE));
        }
    }
    if p.structure == Structure::Blank {
        ctx.out(&format!("{LIGHT_BLUE}Creating README.md...{NC}\n"));
    }
    write(&p.dir.join("README.md"), &readme(p, date))?;
    let requirements = p.dir.join("requirements.txt");
    let new_requirements = !requirements.exists();
    if new_requirements {
        ctx.out(&format!("{LIGHT_BLUE}Creating requirements.txt...{NC}\n"));
        write(&requirements, &requirements_text(&p.kind))?;
    }
    if config {
        ctx.out(&format!("{LIGHT_BLUE}Creating example config...{NC}\n"));
        write(&configs.join("experiment.yaml"), EXPERIMENT)?;
    }
    ctx.out(&format!("{GREEN}✓{NC} README.md created\n"));
    if new_requirements {
        ctx.out(&format!("{GREEN}✓{NC} requirements.txt created\n"));
    }
    if config {
        ctx.out(&format!("{GREEN}✓{NC} configs/experiment.yaml created\n"));
    }
    if commit {
        super::git::first_commit(ctx, p);
    }
    ctx.out(&format!("\n{GREEN}✓ Project files created{NC}\n"));
    Ok(())
}

fn write(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| super::files::write_failed(path, e))
}

/// The helper's requirements list (core, then by type), for a project
/// that has none.
pub fn requirements_text(kind: &str) -> String {
    let mut text = String::from(
        "# DS01 Project Requirements\n# Install with: pip install -r requirements.txt\n\n\
         # Core\nnumpy\npandas\nmatplotlib\nseaborn\nscikit-learn\njupyter\njupyterlab\n\
         ipykernel\ntqdm\ntensorboard\n\n",
    );
    let by_type: &[&str] = match kind {
        "cv" => &[
            "# Computer Vision",
            "torch",
            "torchvision",
            "opencv-python",
            "albumentations",
            "timm",
            "Pillow",
        ],
        "nlp" => &[
            "# NLP",
            "torch",
            "transformers",
            "datasets",
            "tokenizers",
            "accelerate",
            "sentencepiece",
        ],
        "rl" => &[
            "# Reinforcement Learning",
            "torch",
            "gymnasium",
            "stable-baselines3",
        ],
        "ml" => &[
            "# Machine Learning",
            "torch",
            "scipy",
            "xgboost",
            "lightgbm",
        ],
        _ => &[],
    };
    for line in by_type {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// The README of `p` (the helper's two templates).  Without a description
/// its line stays blank, as in the helper's.
pub fn readme(p: &Project, date: &str) -> String {
    let head = format!(
        "# {name}\n\n{desc}\n\n**Author:** {user}\n**Created:** {date}\n**Type:** {kind}\n\n",
        name = p.name,
        desc = p.desc,
        user = p.user,
        kind = p.kind,
    );
    let body = match p.structure {
        Structure::Blank => BLANK_README,
        _ => DATA_SCIENCE_README,
    };
    head + &body.replace("{NAME}", &p.name)
}

const GUIDE: &str = "{BOLD}What We'll Create:{NC}

  1. {CYAN}README.md{NC} - Project documentation
     • GitHub will automatically display this file (public facing doc)
     • We have pre-populated with info for getting set up on DS01's workflow
     • You'll later develop this as you develop your project!

";

const CONFIG_GUIDE: &str = "  2. {CYAN}configs/experiment.yaml{NC} - An example experiment config

";

const EXPERIMENT: &str = "# Experiment configuration
experiment:
  name: \"baseline\"
  seed: 42

data:
  batch_size: 32
  num_workers: 4

training:
  epochs: 100
  learning_rate: 0.001
  optimizer: \"adam\"

logging:
  log_dir: \"outputs/logs\"
  checkpoint_dir: \"models/checkpoints\"
";

const BLANK_README: &str = "## Getting Started

1. **Deploy your container:**
   ```bash
   container deploy {NAME}
   ```

2. **Navigate to your project:**
   ```bash
   cd /workspace
   ```

3. **Start working!**

4. **When done, retire the container:**
   ```bash
   container retire {NAME}
   ```

## Workflow

- **Workspace** (~/workspace): Your files persist here - this is permanent storage
- **Container**: Your computing environment with GPU access - ephemeral (can be recreated anytime)
- Edit code in VS Code, run in container, results save to workspace
- Your workspace files are **always safe**, even when you retire the container

## Key Commands

```bash
container deploy <name>    # Create and start a container
container attach <name>    # Enter a running container
container retire <name>    # Stop + remove + free GPU
container-list             # See all your containers
check-limits               # View your resource quotas
```

## Notes

- This directory persists across container restarts
- Save all your work here
- Use Git for version control

**Full documentation:** https://hertie-data-science-lab.github.io/ds01/

";

const DATA_SCIENCE_README: &str = "## Project Structure

```
{NAME}/
├── data/
│   ├── raw/              # Original, immutable data
│   ├── processed/        # Cleaned, transformed data
│   └── external/         # External datasets
├── models/
│   └── checkpoints/      # Model checkpoints
├── notebooks/            # Jupyter notebooks for exploration
├── scripts/              # Python scripts for training/inference
├── configs/              # Configuration files (YAML, JSON)
├── outputs/              # Training logs, plots, results
│   ├── logs/
│   └── figures/
└── tests/                # Unit tests
```

## Getting Started

### On the DS01 Server

1. **Deploy your container:**
   ```bash
   container deploy {NAME}
   ```
   This creates and starts your Docker container with GPU access.

2. **Navigate to your project:**
   ```bash
   cd /workspace
   ```

3. **Start working!**
   - Run Jupyter: `jupyter lab`
   - Train models: `python scripts/train.py`
   - Run experiments in notebooks/

4. **When done, retire the container:**
   ```bash
   container retire {NAME}
   ```
   This stops and removes the container, freeing up GPU resources.

### Understanding the Workflow

**Containers vs. Workspace:**
- Your **workspace** (~/workspace) persists - all files saved here are permanent
- **Containers** are ephemeral environments - they can be created/retired anytime
- Think of containers as your \"computer\" you turn on/off, workspace as your \"hard drive\"

**Key Commands:**
```bash
# Container management (Orchestration Interface)
container deploy <name>     # Create and start container
container attach <name>     # Enter a running container
container retire <name>     # Stop + remove + free GPU
container-list              # See all your containers
container-stats             # Check resource usage

# Resource management
check-limits                # View your GPU/container quotas

# Image management
image-list                  # See available Docker images
image-create                # Build a new custom image
```

**GPU Usage:**
- Check GPU: `nvidia-smi`
- Your container has access to assigned GPUs automatically
- View your limits: `check-limits`

## Working with Data

- **Raw data:** Goes in `data/raw/` (never modify original files)
- **Processed data:** Save cleaned/transformed data to `data/processed/`
- **Large files:** Use `.gitignore` to exclude from Git (see below)

## Saving Models

```python
# Save checkpoints regularly
torch.save(model.state_dict(), 'models/checkpoints/model_epoch_10.pth')
```

## Notes

- **All work in this directory persists** across container restarts
- **Checkpoint models regularly** to avoid losing progress
- **Document your experiments** in notebooks or logs
- **Use Git for version control** (recommended)

## Next Steps

- Start experimenting in notebooks/
- Move production code to scripts/
- Commit often with Git

**Full documentation:** https://hertie-data-science-lab.github.io/ds01/

";
