//! `devup man`: the manual pages, in roff, made from the command line's own definition (so
//! they never disagree with `--help`): `devup.1` with every option, the subcommands and the
//! exit codes, and one `devup-COMMAND.1` per subcommand, which `devup.1` refers to.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result, exit};
use crate::system::System;
use crate::system::output::{self, OutputError};

/// Prints `devup.1`, or the page of `command`; with `dir`, writes every page there.
pub fn run(command: Option<&str>, dir: Option<&Path>) -> Result<u8> {
    let pages = pages();
    if let Some(dir) = dir {
        System::new()
            .create_dir_all(dir, None)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        for (name, page) in &pages {
            let path = dir.join(format!("{name}.1"));
            // A new page is readable by all, as any file made under the umask.
            output::write_output(&path, page, 0o666).map_err(|e| match e {
                OutputError::NotAFile(what) => Error::refused(
                    format!("not writing {}: it is {}", path.display(), what.describe()),
                    Some("remove it, or name another directory with `--dir`"),
                ),
                OutputError::Io(e) => Error::io(format!("cannot write {}", path.display()), e),
            })?;
        }
        return Ok(exit::OK);
    }
    let wanted = command.map_or_else(|| "devup".to_string(), |c| format!("devup-{c}"));
    let Some((_, page)) = pages.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<&str> = pages.iter().filter_map(|(n, _)| n.strip_prefix("devup-")).collect();
        return Err(Error::refused(
            format!("there is no command `{}`", command.unwrap_or_default()),
            Some(&format!("the commands: {}", names.join(", "))),
        ));
    };
    match std::io::stdout().lock().write_all(page) {
        // A reader that stopped early (`devup man | head`) wanted no more.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("cannot write the manual page", e)),
        _ => Ok(exit::OK),
    }
}

/// Every page: `devup`, then `devup-COMMAND` for each command a person uses.
fn pages() -> Vec<(String, Vec<u8>)> {
    let mut cli = Cli::command();
    cli.build();
    let mut pages = vec![("devup".to_string(), render(cli.clone()))];
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("devup-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("devup {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((name, render(page)));
    }
    pages
}

fn render(command: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command).render(&mut out).expect("rendering into memory");
    out
}
