//! `devup export script|dockerfile|devcontainer`: what converges the project without devup,
//! for this machine's platform or a named one. Reads the project; changes nothing on the
//! machine (only the output file, when one is given).

use std::path::Path;

use crate::cli::{ExportWhat, Global};
use crate::error::{Error, Result, exit};
use crate::export::{Platform, script};
use crate::facts::Facts;
use crate::project::Project;
use crate::settings::Settings;

pub fn run(
    settings: &Settings,
    global: &Global,
    what: ExportWhat,
    platform: Option<&str>,
    output: Option<&Path>,
) -> Result<u8> {
    let here = Facts::read(settings.ci, settings.interactive);
    let platform = Platform::resolve(platform, &here).map_err(|e| {
        Error::refused(
            format!("cannot export for this platform: {e}"),
            Some("name a supported one with `--platform`, such as `--platform debian-12`"),
        )
    })?;
    let project = Project::open_with(settings, global, platform.facts.clone())?;
    let data = project.store.data_dir(&settings.data_root);
    let text = match what {
        ExportWhat::Script => script::render(&project, &platform, &data),
        ExportWhat::Dockerfile => crate::export::dockerfile::render(&project, &platform),
        ExportWhat::Devcontainer => crate::export::devcontainer::render(&project, &platform),
    }
    .map_err(|e| {
        Error::refused(
            format!("cannot export `{}`: {e}", project.manifest.name),
            Some("a step that cannot be exported is never left out: remove it from devup.toml, or export for another platform"),
        )
    })?;
    match output {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
            if what == ExportWhat::Script {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            }
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(exit::OK)
}
