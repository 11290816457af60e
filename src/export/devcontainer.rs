//! `devup export devcontainer`: a devcontainer.json building the Dockerfile of
//! `devup export dockerfile` (written beside it, in `.devcontainer/`), with the project mounted
//! where the image put it and the ports of its datastores forwarded. The datastores run in the
//! container, as the project's own servers (see `dockerfile.rs`): `postStartCommand` converges
//! the project there with devup when devup is in the image, else it says how.

use super::Platform;
use super::dockerfile::WORKDIR;
use crate::project::Project;

pub fn render(project: &Project, platform: &Platform) -> Result<String, String> {
    // The same checks as the Dockerfile it refers to: every step must be exportable.
    super::script::steps(project, platform)?;
    let ports: Vec<u16> = project.ports.values().copied().collect();
    let value = serde_json::json!({
        "name": project.manifest.name,
        "build": { "dockerfile": "Dockerfile", "context": ".." },
        "workspaceFolder": WORKDIR,
        "workspaceMount": format!("source=${{localWorkspaceFolder}},target={WORKDIR},type=bind"),
        "forwardPorts": ports,
        "postStartCommand": "if command -v devup >/dev/null; then devup --yes; elif [ -f .devcontainer/converge.sh ]; then sh .devcontainer/converge.sh; else echo 'start the datastores: devup, or the script of devup export script'; fi",
    });
    Ok(format!("{}\n", serde_json::to_string_pretty(&value).expect("json serialises")))
}
