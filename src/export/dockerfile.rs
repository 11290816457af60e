//! `devup export dockerfile`: an image with the project's system packages, languages and
//! dependency installs, in layers ordered from what changes least to what changes most:
//!
//! 1. `FROM` the platform's image, then every system package the project's steps install
//!    (languages, tools, the datastores' servers) in one `apt-get install`;
//! 2. for each dependency install, in the engine's order: `COPY` of only its inputs (the
//!    lockfiles), then the install: a changed lockfile re-runs the installs from there on;
//! 3. `COPY . .`: editing code rebuilds nothing above.
//!
//! Datastores: their packages are in the image, but no server runs or keeps data in it (a
//! process does not survive a layer, and data belongs in a volume). They are started in the
//! container, where devup (or the script from `devup export script`) runs the project's own
//! servers on loopback, with the ports and URLs `devup env` gives. The devcontainer forwards them.

use std::fmt::Write;

use super::Platform;
use crate::project::Project;

/// Where the project is in the image.
pub const WORKDIR: &str = "/workspace";

pub fn render(project: &Project, platform: &Platform) -> Result<String, String> {
    let steps = super::script::steps(project, platform)?;
    let manager = crate::packages::for_facts(&platform.facts)
        .ok_or_else(|| format!("{} has no package manager devup can export for", platform.name))?;
    let mut packages: Vec<String> = vec!["ca-certificates".to_string()];
    for (_, _, step) in &steps {
        for name in &step.packages {
            if !packages.contains(name) {
                packages.push(name.clone());
            }
        }
    }
    let install = manager
        .image_install(&packages)
        .ok_or_else(|| format!("installing packages through {} cannot be exported", manager.name()))?;
    let name = &project.manifest.name;
    let mut s = String::new();
    let _ = write!(
        s,
        "# syntax=docker/dockerfile:1
# The image of the project `{name}` on {platform}: its system packages and languages, then its
# dependency installs. Exported by devup {version} (`devup export dockerfile`).
# Layers go from what changes least to what changes most: editing code rebuilds only the last
# COPY; a changed lockfile re-runs the installs from its own layer on.
# Datastores: their packages are here, but no server runs or keeps data in the image. In the
# container, `devup` (or the script of `devup export script`) starts the project's own servers
# on loopback, with the ports and URLs below.
FROM {image}

# 1. System packages and languages, in one layer.
RUN {install}

WORKDIR {WORKDIR}
",
        platform = platform.name,
        version = env!("CARGO_PKG_VERSION"),
        image = platform.image,
    );
    if !project.env.is_empty() {
        s.push_str("\n# The project's environment, as `devup env` gives it.\n");
        for (key, value) in &project.env {
            let _ = writeln!(s, "ENV {key}={}", env_value(value));
        }
    }
    s.push_str("\n# 2. Dependency installs, each after copying only what it reads.\n");
    let mut copied: Vec<String> = Vec::new();
    for (id, description, step) in &steps {
        let Some(run) = &step.install else { continue };
        let inputs: Vec<&String> =
            step.inputs.iter().filter(|p| !copied.contains(p) && project.manifest.dir.join(p).is_file()).collect();
        let _ = writeln!(s, "# {id}: {description}");
        for input in inputs {
            let _ = writeln!(s, "COPY [{}, {}]", json(input), json(&format!("{WORKDIR}/{input}")));
            copied.push(input.clone());
        }
        let _ = writeln!(s, "RUN {run}");
    }
    s.push_str(
        "\n# 3. The rest of the project. List what the installs build (.venv, node_modules...) in\n\
         # .dockerignore, so that a local copy does not replace the image's.\nCOPY . .\n",
    );
    Ok(s)
}

/// A string as JSON, the quoting Dockerfile instructions accept.
fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// An `ENV` value: double-quoted, with `$` kept literal.
fn env_value(value: &str) -> String {
    json(value).replace('$', "\\$")
}
