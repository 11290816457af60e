//! `devup activate SHELL`: the hook for the shell's rc file (see `activation/`).

use crate::activation::shell::Shell;
use crate::error::exit;

pub fn run(shell: Shell) -> u8 {
    // The hook calls this very binary by its path: PATH is what activation changes.
    let devup = std::env::current_exe().unwrap_or_else(|_| "devup".into());
    print!("{}", shell.hook(&devup));
    exit::OK
}
