//! `devup export devcontainer`: a devcontainer.json building the Dockerfile of
//! `devup export dockerfile` (written beside it, in `.devcontainer/`), with the project mounted
//! where the image put it and the ports its datastores take in the container forwarded. The
//! datastores run in the container, as the project's own servers (see `dockerfile.rs`):
//! `postStartCommand` is the image's converge script, which needs no devup and asks nothing
//! (whoever opens the container trusts the repository it builds).
//!
//! The project is bind-mounted over the image's copy of it, which would hide what the image's
//! installs built there (`.venv`, `node_modules`) and let the container's installs replace the
//! host's own. Each such directory is a volume of its own instead: a new volume starts as a copy
//! of the image's directory, stamps included, so the converge script (or devup) finds the
//! installs done; after a lockfile changed, it sees the volume's stamp differ and installs again
//! into the volume.

use super::Platform;
use super::dockerfile::{CONVERGE, WORKDIR};
use super::here::Here;
use crate::project::Project;

pub fn render(project: &Project, platform: &Platform, here: &Here) -> Result<String, String> {
    // The same checks as the Dockerfile it refers to: every step must be exportable.
    super::script::steps(project, platform)?;
    // The ports the servers take in the container: their preferred (or pinned) ones.
    let ports: Vec<u16> = project.ports.values().map(|&p| here.container_port(p)).collect();
    let mounts: Vec<String> = super::dockerfile::built_dirs(project, platform, here)?
        .iter()
        .map(|dir| format!("source=devup-${{devcontainerId}}-{},target={WORKDIR}/{dir},type=volume", volume_name(dir)))
        .collect();
    let value = serde_json::json!({
        "name": project.manifest.name,
        "build": { "dockerfile": "Dockerfile", "context": ".." },
        "workspaceFolder": WORKDIR,
        "workspaceMount": format!("source=${{localWorkspaceFolder}},target={WORKDIR},type=bind"),
        "mounts": mounts,
        "forwardPorts": ports,
        // The image's converge script: the servers start, the project's own steps run in the
        // checkout (whoever opens the container trusts the repository it builds).
        "postStartCommand": format!("{CONVERGE} {WORKDIR}"),
    });
    Ok(format!("{}\n", serde_json::to_string_pretty(&value).expect("json serialises")))
}

/// A directory's name as part of a volume's name (`[a-zA-Z0-9_.-]`): `.venv` → `venv`.
fn volume_name(dir: &str) -> String {
    let name: String =
        dir.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    name.trim_matches('-').to_string()
}
