//! `devup completions <shell>`: a completion script for bash, zsh, fish (and others clap knows).

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> u8 {
    clap_complete::generate(shell, &mut Cli::command(), "devup", &mut std::io::stdout());
    crate::error::exit::OK
}
