//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::activation::shell::Shell;

const AFTER_HELP: &str = "\
Examples:
  devup                 bring this project's machine to the state devup.toml declares
  devup plan            show what would change, and why, without changing anything
  devup doctor          facts about this machine and every unmet step with its fix
  devup --yes --json    converge without asking, report as JSON (for CI)

Exit codes: 0 converged, 1 a step failed, 2 changes pending (plan), 3 invalid input,
4 refused, 5 another run holds the lock, 6 devup could not work (state dir, unreadable file),
130 interrupted (Ctrl-C: what was done is kept, the next run finishes).";

#[derive(Debug, Parser)]
#[command(name = "devup", version, about = "Make this machine ready to work on a project, with one command", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Options of `up`, which is what `devup` alone runs.
    #[command(flatten)]
    pub up: UpArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Run as if started in DIR
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// The project file (default: devup.toml here or in a parent directory)
    #[arg(short, long, global = true, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Print JSON on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// Print only changes, failures and the summary
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Show the output of the commands `devup up` runs as they print it, under their step
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// How many steps to check or apply at once (default: the number of CPUs)
    #[arg(short, long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Show how long each step's check and apply took, and how many processes devup started
    #[arg(long, global = true)]
    pub timings: bool,

    /// Trust the project's own commands without asking (for CI; also: DEVUP_TRUST=1)
    #[arg(long, global = true)]
    pub trust: bool,

    /// When to colour: auto is on a terminal, unless NO_COLOR is set
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour, given what `auto` decided from the terminal and NO_COLOR.
    pub fn enabled(self, auto: bool) -> bool {
        match self {
            Color::Auto => auto,
            Color::Always => true,
            Color::Never => false,
        }
    }
}

#[derive(Debug, Args, Default, Clone)]
pub struct UpArgs {
    /// Apply without asking for confirmation (also: DEVUP_YES=1)
    #[arg(short, long)]
    pub yes: bool,

    /// Refuse instead of waiting when another devup run works on this project
    #[arg(long)]
    pub no_wait: bool,

    /// Replace files that differ from what devup wrote; the old file is kept as a backup
    #[arg(long)]
    pub replace_files: bool,

    /// Refuse to change devup.lock: fail, changing nothing, when a version would differ from it (for CI)
    #[arg(long)]
    pub locked: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Converge: check every step, apply what is missing, check again, report (the default)
    #[command(after_help = "Examples:\n  devup up\n  devup up --yes --jobs 4\n  devup up --replace-files")]
    Up(UpArgs),

    /// Resolve the project's tool versions and write devup.lock, installing nothing
    #[command(
        after_help = "Examples:\n  devup lock                      # resolve what the lock lacks\n  devup lock --upgrade            # resolve every tool again\n  devup lock --upgrade languages.node"
    )]
    Lock {
        /// Resolve again, ignoring the lock: every step, or the steps (or entries) named
        #[arg(long, num_args = 0.., value_name = "STEP")]
        upgrade: Option<Vec<String>>,
    },

    /// Show what would change and why; exit 0 when converged, 2 when changes are pending
    #[command(
        after_help = "Examples:\n  devup plan\n  devup plan --json | jq '.steps[] | select(.status != \"satisfied\")'"
    )]
    Plan,

    /// Facts about this machine, and every unmet step with its cause and fix
    #[command(after_help = "Examples:\n  devup doctor\n  devup doctor --json")]
    Doctor,

    /// Show what this project can make run (commands, recipes, seed files, [env]) and approve it
    #[command(after_help = "Examples:\n  devup trust\n  devup trust --yes   # approve without asking")]
    Trust {
        /// Approve without asking
        #[arg(short, long)]
        yes: bool,
    },

    /// Write a devup.toml from what this repository holds, saying what was found and why
    #[command(
        after_help = "Examples:\n  devup init                # read this repository, write devup.toml\n  devup init --print        # show the file instead of writing it\n  devup init -C ~/src/shop\n  devup init --force        # replace devup.toml, keeping devup.toml.devup-backup"
    )]
    Init {
        /// Replace an existing devup.toml (the old one is kept as devup.toml.devup-backup)
        #[arg(long)]
        force: bool,

        /// Print the file on stdout instead of writing it (a dry run)
        #[arg(long, visible_alias = "dry-run")]
        print: bool,
    },

    /// List the recipes devup knows (built in, the user's, the project's), or show one in full
    #[command(
        after_help = "Examples:\n  devup recipes\n  devup recipes postgres              # its parameters, environment and steps\n  devup recipes dependencies/go       # a name in two sections, with its section\n  devup recipes pip --json"
    )]
    Recipes {
        /// A recipe to show: NAME, or SECTION/NAME (languages/go)
        name: Option<String>,
    },

    /// The project's environment: its [env], datastore URLs with their real ports, tool dirs on PATH
    #[command(
        after_help = "Examples:\n  eval \"$(devup env)\"\n  devup env --shell fish | source\n  devup env --format dotenv > .env.devup\n  devup env --format json\n\n[env] values may name what a datastore offers, with the port in use:\n  DATABASE_URL = \"{datastores.postgres.url}\"\n  REDIS_HOST = \"{datastores.redis.host}\"\n  TEST_DB_PORT = \"{datastores.postgres.PGPORT}\"\nWrite {{ and }} for literal braces."
    )]
    Env {
        /// Output format
        #[arg(long, value_enum, default_value = "shell")]
        format: EnvFormat,
        /// The shell the exports are for (`--shell fish` is `--format fish`)
        #[arg(long, value_enum)]
        shell: Option<EnvShell>,
    },

    /// Print the hook that activates a project's environment in your shell on `cd`, for its rc file
    #[command(
        after_help = "Examples:\n  echo 'eval \"$(devup activate bash)\"' >> ~/.bashrc\n  echo 'eval \"$(devup activate zsh)\"' >> ~/.zshrc\n  echo 'devup activate fish | source' >> ~/.config/fish/config.fish\n\nIn a project's tree its [env], datastore variables and tool directories (first on PATH, the\nvenv's too) are applied before each prompt, and undone on leaving it: variables you had before\nget their values back. A line says when it switches. Nothing runs: no converge, no command of\nthe project. A project whose commands or [env] are not approved (`devup trust`) is not\nactivated."
    )]
    Activate {
        #[arg(value_enum)]
        shell: Shell,
    },

    /// What the activation hook runs before each prompt (prints shell code)
    #[command(hide = true)]
    HookEnv {
        #[arg(value_enum)]
        shell: Shell,
    },

    /// Run a command in the project's environment; with no command, open your shell in it
    #[command(
        after_help = "Examples:\n  devup exec -- pytest -x          # the command's exit code is devup's\n  devup exec -- sh -c 'echo $DATABASE_URL'   # a shell only when you ask for one\n  devup exec                       # your $SHELL, in the environment; `exit` leaves it\n  devup -C ~/src/shop exec -- npm test\n\nThe environment is `devup env`'s (nothing is converged first: run `devup` for that). The\nproject's commands and [env] must be approved (`devup trust`; asked at a terminal).\nExit codes: the command's; 126 or 127 when it cannot be started, as in a shell."
    )]
    Exec {
        /// The command and its arguments (after `--`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
        command: Vec<std::ffi::OsString>,
    },

    /// Write what converges this project without devup: a shell script, a Dockerfile, a devcontainer.json
    #[command(
        after_help = "Examples:\n  devup export script -o setup.sh && sh setup.sh   # converge this machine without devup\n  devup export script --platform ubuntu-24.04\n  devup export dockerfile -o Dockerfile\n  devup export devcontainer -o .devcontainer/devcontainer.json\n\nPlatforms: debian-11, debian-12, debian-13, ubuntu-20.04, ubuntu-22.04, ubuntu-24.04 (apt)."
    )]
    Export {
        #[arg(value_enum)]
        what: ExportWhat,
        /// The platform to converge: DISTRO-VERSION such as debian-12 (default: this machine's)
        #[arg(long, value_name = "PLATFORM")]
        platform: Option<String>,
        /// Write to FILE instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// Stop the project's own servers (their data stays)
    #[command(after_help = "Examples:\n  devup down")]
    Down,

    /// Show the project's datastores: running or not, and their ports
    #[command(after_help = "Examples:\n  devup status\n  devup status --json")]
    Status,

    /// Print devup's manual page (roff), or a command's; or write them all into a directory
    #[command(
        after_help = "Examples:\n  devup man | man -l -\n  devup man plan | man -l -\n  devup man --dir ~/.local/share/man/man1   # then: man devup, man devup-plan"
    )]
    Man {
        /// The command whose page to print (default: devup's own)
        command: Option<String>,
        /// Write every page (devup.1, devup-COMMAND.1) into DIR instead
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },

    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  devup completions bash > ~/.local/share/bash-completion/completions/devup\n  devup completions zsh > ~/.zfunc/_devup\n  devup completions fish > ~/.config/fish/completions/devup.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Global {
    /// The options of a command that names its project file and nothing else.
    pub fn for_file(file: PathBuf) -> Global {
        Global {
            directory: None,
            file: Some(file),
            json: false,
            quiet: true,
            verbose: false,
            jobs: None,
            timings: false,
            trust: false,
            color: Color::Auto,
        }
    }
}

impl UpArgs {
    /// `devup --yes up --no-wait`: options given before and after `up` both count.
    pub fn merge(&self, other: &UpArgs) -> UpArgs {
        UpArgs {
            yes: self.yes || other.yes,
            no_wait: self.no_wait || other.no_wait,
            replace_files: self.replace_files || other.replace_files,
            locked: self.locked || other.locked,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    /// `export KEY='value'` lines for sh, bash and zsh
    Shell,
    /// `set -gx KEY 'value'` lines for fish
    Fish,
    /// `KEY=value` lines
    Dotenv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportWhat {
    /// A POSIX shell script: every step, checked then applied (idempotent)
    Script,
    /// A Dockerfile for the project's dependencies, cache-friendly layers
    Dockerfile,
    /// A devcontainer.json using that Dockerfile, with the datastores as services
    Devcontainer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvShell {
    Sh,
    Bash,
    Zsh,
    Fish,
}
