//! Opening a project: find and read devup.toml, read the machine's facts, expand recipes into
//! steps and order them. Everything that can be wrong with the input is found here.

use std::path::Path;

use crate::cli::Global;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::expand::{self, Inputs};
use crate::facts::Facts;
use crate::graph;
use crate::manifest::{self, Manifest};
use crate::recipe::library::Library;
use crate::resources;
use crate::settings::Settings;
use crate::state::{StateFile, Store, store::Loaded};
use crate::step::Step;
use crate::tools::Toolbox;
use crate::tools::lockfile::Lockfile;

pub struct Project {
    pub manifest: Manifest,
    pub facts: Facts,
    pub steps: Vec<Step>,
    /// Step indices in dependency order.
    pub order: Vec<usize>,
    pub store: Store,
    /// What devup remembers of this project, read once (nothing is written while opening).
    pub state: StateFile,
    /// Set when the state file was unusable and is being rebuilt.
    pub state_problem: Option<String>,
    /// The project's environment for commands and `devup env`.
    pub env: Vec<(String, String)>,
    /// Directories `devup env` puts on PATH.
    pub path: Vec<PathBuf>,
    /// The port each datastore entry uses.
    pub ports: BTreeMap<String, u16>,
    /// How each entry's port is chosen (an export renders it, to choose where it runs).
    pub port_plans: Vec<crate::expand::PortPlan>,
    /// Things to tell the user before the plan (a preferred port was taken).
    pub notes: Vec<String>,
    /// How the environment was assembled, when an entry's variable is not exported (two
    /// entries export `DATABASE_URL`): `devup plan` and `devup env` say so.
    pub env_notes: Vec<String>,
    /// The project's tools: its lock, and what this run resolves.
    pub tools: Toolbox,
    /// Files whose content devup runs (seed SQL), as written and where they are: approval
    /// covers them.
    pub run_files: Vec<(String, PathBuf)>,
}

impl Project {
    pub fn open(settings: &Settings, global: &Global) -> Result<Project> {
        Project::open_with(settings, global, Facts::read(settings))
    }

    /// Opens the project as if on a machine with these facts (`devup export --platform`).
    pub fn open_with(settings: &Settings, global: &Global, facts: Facts) -> Result<Project> {
        let located = Project::locate(settings, global)?;
        Project::open_located(settings, located, facts)
    }

    /// Finds and reads devup.toml, and where the project's state is: what a run needs to take
    /// the project's lock before it reads anything else.
    pub fn locate(settings: &Settings, global: &Global) -> Result<Located> {
        let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
        let start = match &global.directory {
            Some(dir) => cwd.join(dir),
            None => cwd.clone(),
        };
        let path = match &global.file {
            Some(file) => start.join(file),
            None => manifest::find(&start)?,
        };
        let path = path.canonicalize().map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let manifest = manifest::load(&path, &display_name(&path, &cwd))?;
        let store = Store::for_project(&settings.state_root, &manifest.name, &manifest.dir);
        Ok(Located { manifest, store })
    }

    /// Reads the project's state and lock, and expands it: once the caller holds what it needs
    /// (`devup up` holds the project's lock, so the state it reads is the one it writes back).
    pub fn open_located(settings: &Settings, located: Located, facts: Facts) -> Result<Project> {
        Project::open_expanded(settings, located, facts, None)
    }

    /// Opens the project for an export (`devup export`): as on a machine with these facts, and
    /// with no port chosen here: each unpinned port is a placeholder counted from
    /// `placeholder_ports`, for the export to replace with the port chosen where it runs.
    pub fn open_for_export(
        settings: &Settings,
        global: &Global,
        facts: Facts,
        placeholder_ports: u16,
    ) -> Result<Project> {
        let located = Project::locate(settings, global)?;
        Project::open_expanded(settings, located, facts, Some(placeholder_ports))
    }

    fn open_expanded(
        settings: &Settings,
        located: Located,
        facts: Facts,
        placeholder_ports: Option<u16>,
    ) -> Result<Project> {
        let Located { manifest, store } = located;
        let user_recipes = settings.user_recipes();
        let library = Library::new(Some(&manifest.dir), user_recipes.as_deref(), resources::kind_names());
        let (state, loaded) = store.load();
        let state_problem = match loaded {
            Loaded::Discarded(why) => Some(why),
            Loaded::Fresh | Loaded::Read => None,
        };
        let data = store.data_dir(&settings.data_root);
        // The ports are kept beside the servers' data too: that outlives a lost state file,
        // and a server still running on its port must keep it.
        let recorded = ports_kept_in(&data).unwrap_or_else(|| state.ports.clone());
        let inputs = Inputs {
            state: &store.dir,
            data: &data,
            home: settings.home.as_deref(),
            recorded_ports: &recorded,
            placeholder_ports,
        };
        let expansion = expand::expand(&manifest, &library, &facts, &inputs)?;
        let order = graph::order(&expansion.steps).map_err(|cycle| cycle_error(&manifest, &cycle))?;
        let lock = Lockfile::read(&Lockfile::path_for(&manifest.dir))
            .map_err(|e| {
                Error::from(
                    Diagnostic::in_file(crate::tools::lockfile::FILE_NAME.to_string(), e)
                        .with_hint("fix the file, or delete it and run devup to resolve the versions again"),
                )
            })?
            .unwrap_or_default();
        let tools = Toolbox::new(settings, lock, &facts);
        Ok(Project {
            tools,
            manifest,
            facts,
            steps: expansion.steps,
            order,
            store,
            state,
            state_problem,
            env: expansion.env,
            path: expansion.path,
            ports: expansion.ports,
            port_plans: expansion.port_plans,
            notes: library.misplaced().into_iter().chain(expansion.notes).collect(),
            env_notes: expansion.env_notes,
            run_files: expansion.run_files,
        })
    }
}

/// A project file read, and where its state is.
pub struct Located {
    pub manifest: Manifest,
    pub store: Store,
}

impl Located {
    /// Whether the project has servers of its own, whose ports are chosen while it opens.
    pub fn has_datastores(&self) -> bool {
        self.manifest.entries.iter().any(|e| e.section == crate::manifest::Section::Datastores)
    }
}

impl Project {
    /// The environment of the commands devup runs for the project: its `[env]` and datastore
    /// variables, and a PATH with the project's resolved tools first.
    pub fn command_env(&self) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        // Only when a tool moved it: a command spawned with its environment changed is found
        // along PATH by devup rather than by exec, which costs a no-op of many steps dearly.
        if !self.tools.dirs().is_empty() {
            env.push(("PATH".to_string(), self.tools.path_var().to_string_lossy().into_owned()));
        }
        env
    }

    /// The ids of the steps whose resolutions the lock records, in step order.
    pub fn step_ids(&self) -> Vec<&str> {
        self.order.iter().map(|&i| self.steps[i].id.as_str()).collect()
    }
}

/// The file beside a project's server data that records their ports.
pub fn ports_file(data: &Path) -> PathBuf {
    data.join("ports.json")
}

fn ports_kept_in(data: &Path) -> Option<BTreeMap<String, u16>> {
    serde_json::from_str(&std::fs::read_to_string(ports_file(data)).ok()?).ok()
}

/// How devup.toml is named in messages: relative to where the user is, when it is below.
fn display_name(path: &Path, cwd: &Path) -> String {
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    match path.strip_prefix(&cwd) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn cycle_error(manifest: &Manifest, cycle: &graph::Cycle) -> Error {
    // A long cycle is shown by its ends: every step of it is in devup.toml for the reading.
    let shown = match cycle.0.len() {
        n if n > 12 => format!("{} → … ({} more) → {}", cycle.0[..6].join(" → "), n - 12, cycle.0[n - 6..].join(" → ")),
        _ => cycle.0.join(" → "),
    };
    let message = format!("these steps require each other in a cycle: {shown}");
    let custom = cycle.0.iter().find_map(|id| {
        let name = id.strip_prefix("step.")?;
        manifest.steps.iter().find(|s| s.name == name)
    });
    let diagnostic = match custom {
        Some(step) => manifest.source.error(step.span.clone(), message),
        None => Diagnostic::in_file(manifest.source.name.clone(), message),
    };
    diagnostic.with_hint("remove one of these `requires` to break the cycle").into()
}
