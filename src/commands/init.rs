//! `devup init`: draft devup.toml from what the repository holds, and say what was found and
//! why. Never replaces an existing file without `--force`, and then keeps the old one.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::Global;
use crate::diagnostic::{Diagnostic, Source};
use crate::error::{Error, Result, exit};
use crate::init::{self, Finding, Known, Repo};
use crate::manifest;
use crate::printer::Printer;
use crate::recipe::library::Library;
use crate::resources;
use crate::settings::Settings;
use crate::system::System;

#[derive(Serialize)]
struct Report<'a> {
    file: &'a str,
    written: bool,
    backup: Option<String>,
    findings: &'a [Finding],
    problems: &'a [String],
    text: &'a str,
}

pub fn run(settings: &Settings, global: &Global, force: bool, print: bool, printer: &Printer) -> Result<u8> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
    let dir = match &global.directory {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let shown = global.file.as_ref().map_or_else(|| manifest::FILE_NAME.to_string(), |f| f.display().to_string());
    let target = dir.join(&shown);
    if !print && !force && target.exists() {
        return Err(Diagnostic::in_file(&shown, format!("{shown} already exists"))
            .with_hint(format!(
                "`devup init --force` replaces it, keeping the old one as {shown}.devup-backup; \
                 `devup init --print` shows what it would write"
            ))
            .into());
    }
    let repo = Repo::scan(&dir).map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    let user_recipes = settings.user_recipes();
    let library = Library::new(Some(&dir), user_recipes.as_deref(), resources::kind_names());
    let scan = init::scan(&repo, &Known::from_library(&library));
    let text = init::render(&scan.draft);
    check(&dir, &shown, &text)?;

    for problem in &scan.problems {
        printer.warn(problem);
    }
    if !printer.quiet {
        report_findings(printer, &scan.draft);
    }
    let mut backup = None;
    if !print {
        backup = write(&target, &text)?;
    }
    if printer.json {
        let report = Report {
            file: &shown,
            written: !print,
            backup: backup.as_ref().map(|b| b.display().to_string()),
            findings: &scan.draft.findings,
            problems: &scan.problems,
            text: &text,
        };
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else if print {
        print!("{text}");
    } else {
        if let Some(backup) = &backup {
            printer.line(&format!("the old {shown} is kept as {}", name_in(&dir, backup)));
        }
        printer.line(&format!("wrote {shown}: read it, then run `devup plan` to see what devup would change"));
    }
    Ok(exit::OK)
}

/// One line per finding: `file → entry: why`, files aligned.
fn report_findings(printer: &Printer, draft: &init::Draft) {
    if draft.findings.is_empty() {
        printer.line("found nothing devup knows: the file is a skeleton to fill in");
        return;
    }
    printer.line("found:");
    let width = draft.findings.iter().map(|f| f.file.chars().count()).max().unwrap_or(0);
    for f in &draft.findings {
        printer.line(&format!("  {:width$} → {}: {}", f.file, f.entry, f.why));
    }
}

/// The drafted file must load: a failure here is a bug in `init`, and nothing is written.
fn check(dir: &Path, shown: &str, text: &str) -> Result<()> {
    match manifest::parse(dir.to_path_buf(), Source::new(shown, text.to_string())) {
        Ok(_) => Ok(()),
        Err(e) => Err(Diagnostic::new(format!("devup init drafted a file devup cannot read, and wrote nothing: {e}"))
            .with_hint("this is a bug in devup init: please report it with the output of `devup init --print`")
            .into()),
    }
}

/// Writes the file; an existing one is kept first as `NAME.devup-backup` (or `.2`, `.3`...:
/// an earlier backup is never overwritten). Returns the backup's path.
fn write(target: &Path, text: &str) -> Result<Option<PathBuf>> {
    let system = System::new();
    let shown = target.display();
    let backup = match std::fs::read(target) {
        Ok(old) => {
            let backup = crate::resources::paths::backup_path(target);
            system
                .write_atomic(&backup, &old, Some(0o644))
                .map_err(|e| Error::io(format!("cannot keep a backup of {shown}"), e))?;
            Some(backup)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(format!("cannot read {shown}"), e)),
    };
    system
        .write_atomic(target, text.as_bytes(), Some(0o644))
        .map_err(|e| Error::io(format!("cannot write {shown}"), e))?;
    Ok(backup)
}

fn name_in(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
