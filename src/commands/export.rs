//! `devup export script|dockerfile|devcontainer`: what converges the project without devup,
//! for this machine's platform or a named one. Reads the project; changes nothing on the
//! machine (only the output file, when one is given). Nothing of this machine is in the
//! export: it is the same wherever it is made.

use std::io::Write;
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
    let machine = Facts::read(settings.ci, settings.interactive);
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
/// directory, a symbolic link, a device, a FIFO or a socket is refused, untouched. The file is
/// opened without following a link and checked before anything is written to it.
fn write_output(path: &Path, text: &str, script: bool) -> Result<()> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let refuse = |what: &str| {
        Error::refused(
            format!("not writing the export to {}: it is {what}", path.display()),
            Some(
                "name a regular file with `-o` (it is created, or its content replaced), or leave out `-o` to print the export",
            ),
        )
    };
    let kind = |t: std::fs::FileType| -> Option<&'static str> {
        Some(if t.is_dir() {
            "a directory"
        } else if t.is_symlink() {
            "a symbolic link (name the file it points to)"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else if t.is_fifo() {
            "a FIFO"
        } else if t.is_socket() {
            "a socket"
        } else {
            return None;
        })
    };
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && let Some(what) = kind(meta.file_type())
    {
        return Err(refuse(what));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .mode(if script { 0o755 } else { 0o644 })
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => refuse("a symbolic link (name the file it points to)"),
            Some(libc::ENXIO) => refuse("a FIFO"),
            _ => Error::io(format!("cannot write {}", path.display()), e),
        })?;
    // What was opened, which may differ from what was looked at before.
    let meta = file.metadata().map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    if let Some(what) = kind(meta.file_type()) {
        return Err(refuse(what));
    }
    file.set_len(0)
        .and_then(|()| file.write_all(text.as_bytes()))
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}
