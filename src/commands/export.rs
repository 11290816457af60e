//! `devup export script|dockerfile|devcontainer`: what converges the project without devup,
//! for this machine's platform or a named one. Reads the project; changes nothing on the
//! machine (only the output file, when one is given). Nothing of this machine is in the
//! export: it is the same wherever it is made.

use std::path::Path;

use crate::cli::{ExportWhat, Global};
use crate::error::{Error, Result, exit};
use crate::export::here::{Here, PLACEHOLDERS, PLACEHOLDERS_AGAIN};
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
    let machine = Facts::read(settings);
    let mut platform = Platform::resolve(platform, &machine).map_err(|e| {
        Error::refused(
            format!("cannot export for this platform: {e}"),
            Some("name a supported one with `--platform`, such as `--platform debian-12`"),
        )
    })?;
    if what != ExportWhat::Script {
        // An image's commands run as root, whoever exports it.
        platform.facts.root = true;
        platform.facts.sudo = false;
        platform.facts.user = "root".to_string();
    }
    // The project's ports are placeholders, replaced by what stands for them where the export
    // runs. Rendered twice, from two sets of placeholders, the texts agree only when no other
    // number of the project was taken for one.
    let text = render(settings, global, what, &platform, PLACEHOLDERS)?;
    if render(settings, global, what, &platform, PLACEHOLDERS_AGAIN)? != text {
        return Err(Error::refused(
            "cannot export: a number in the project's steps looks like one of the ports the export stands for",
            Some("this is a devup bug; please report it with your devup.toml"),
        ));
    }
    match output {
        None => print!("{text}"),
        Some(path) => {
            write_output(path, &text, what == ExportWhat::Script)?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(exit::OK)
}

fn render(
    settings: &Settings,
    global: &Global,
    what: ExportWhat,
    platform: &Platform,
    placeholders: u16,
) -> Result<String> {
    let project = Project::open_for_export(settings, global, platform.facts.clone(), placeholders)?;
    let here = Here::new(&project, settings);
    match what {
        ExportWhat::Script => script::render(&project, platform, &here),
        ExportWhat::Dockerfile => crate::export::dockerfile::render(&project, platform, &here),
        ExportWhat::Devcontainer => crate::export::devcontainer::render(&project, platform, &here),
    }
    .map_err(|e| {
        Error::refused(
            format!("cannot export `{}`: {e}", project.manifest.name),
            Some("a step that cannot be exported is never left out: remove it from devup.toml, or export for another platform"),
        )
    })
}

/// Writes the export to `path`, changing nothing else: a new file is created (a script
/// executable), an existing regular file has its content replaced and keeps its mode; a
/// directory, a symbolic link, a device, a FIFO or a socket is refused, untouched
/// (`system::output`).
fn write_output(path: &Path, text: &str, script: bool) -> Result<()> {
    use crate::system::output::{self, NotAFile, OutputError};
    output::write_output(path, text.as_bytes(), if script { 0o755 } else { 0o644 }).map_err(|e| match e {
        OutputError::NotAFile(what) => Error::refused(
            format!(
                "not writing the export to {}: it is {}{}",
                path.display(),
                what.describe(),
                if what == NotAFile::Symlink { " (name the file it points to)" } else { "" }
            ),
            Some(
                "name a regular file with `-o` (it is created, or its content replaced), or leave out `-o` to print the export",
            ),
        ),
        OutputError::Io(e) => Error::io(format!("cannot write {}", path.display()), e),
    })
}
