//! The exporting machine's values in a project's rendered steps, and what stands for them where
//! an export runs: the script computes them when it starts (the project directory it is given,
//! devup's directories for that user and path, ports free there), an image has them as its
//! container will (the project at `/workspace`, root, the preferred ports).

use std::path::Path;

use super::quote;
use super::relocate::{self, Place};
use crate::expand::PortPlan;
use crate::project::Project;
use crate::settings::Settings;
use crate::state::Store;

/// The first placeholder port: the export opens the project with ports counted from here, and
/// replaces them. (A second rendering from [`PLACEHOLDERS_AGAIN`] proves no other number was
/// taken for one.)
pub const PLACEHOLDERS: u16 = 61_711;
pub const PLACEHOLDERS_AGAIN: u16 = 52_913;

/// Where the project is in an image.
pub const WORKDIR: &str = "/workspace";

pub struct Here {
    places: Vec<Place>,
    /// What each place is, in the order of `places`.
    kinds: Vec<Kind>,
    name: String,
}

#[derive(Debug, Clone)]
enum Kind {
    ProjectDir,
    StateDir,
    DataDir,
    ToolsDir,
    Home,
    Port(PortPlan),
}

impl Here {
    /// The values of this machine the project's steps were rendered with.
    pub fn new(project: &Project, settings: &Settings) -> Here {
        let mut here = Here { places: Vec::new(), kinds: Vec::new(), name: project.manifest.name.clone() };
        let text = |p: &Path| p.display().to_string();
        here.add(Place::path(&text(&project.manifest.dir), "devup_project_dir"), Kind::ProjectDir);
        here.add(Place::path(&text(&project.store.dir), "devup_state_dir"), Kind::StateDir);
        here.add(Place::path(&text(&project.store.data_dir(&settings.data_root)), "devup_data_dir"), Kind::DataDir);
        here.add(Place::path(&text(&settings.tools_root), "devup_tools_dir"), Kind::ToolsDir);
        if let Some(home) = settings.home.as_deref().filter(|h| h.components().count() > 1) {
            here.add(Place::path(&text(home), "HOME"), Kind::Home);
        }
        for (n, plan) in project.port_plans.iter().filter(|p| !p.pinned).enumerate() {
            here.add(Place::number(plan.port, &format!("devup_port_{}", n + 1)), Kind::Port(plan.clone()));
        }
        here
    }

    fn add(&mut self, place: Place, kind: Kind) {
        self.places.push(place);
        self.kinds.push(kind);
    }

    /// Shell text with this machine's values replaced by the variables the prologue sets.
    pub fn shell(&self, text: &str) -> Result<String, String> {
        relocate::to_shell(text, &self.places)
    }

    /// Text (not shell) with this machine's values replaced by the container's.
    pub fn in_container(&self, text: &str) -> String {
        relocate::to_values(text, &self.places, &self.container_values())
    }

    /// The port of each entry in a container: its pinned or preferred port.
    pub fn container_port(&self, port: u16) -> u16 {
        self.kinds
            .iter()
            .find_map(|k| match k {
                Kind::Port(plan) if plan.port == port => Some(plan.preferred),
                _ => None,
            })
            .unwrap_or(port)
    }

    fn container_values(&self) -> Vec<String> {
        let store = Store::for_project(Path::new(CONTAINER_STATE_ROOT), &self.name, Path::new(WORKDIR));
        self.kinds
            .iter()
            .map(|kind| match kind {
                Kind::ProjectDir => WORKDIR.to_string(),
                Kind::StateDir => store.dir.display().to_string(),
                Kind::DataDir => store.data_dir(Path::new(CONTAINER_DATA_ROOT)).display().to_string(),
                Kind::ToolsDir => CONTAINER_TOOLS_ROOT.to_string(),
                Kind::Home => "/root".to_string(),
                Kind::Port(plan) => plan.preferred.to_string(),
            })
            .collect()
    }

    /// The shell that sets the variables where the script runs: the project directory (the
    /// current one, made physical as devup makes it), devup's directories for it, and each
    /// server's port chosen as devup chooses it. Expects `devup_project_dir` set and entered.
    pub fn prologue(&self) -> Result<String, String> {
        let mut s = format!("devup_dirs {}\n", quote(&self.name));
        for (place, kind) in self.places.iter().zip(&self.kinds) {
            let Kind::Port(plan) = kind else { continue };
            let owner = match &plan.owner {
                Some(path) => format!(" {}", self.shell(&quote(&path.display().to_string()))?),
                None => String::new(),
            };
            s.push_str(&format!(
                "choose_port {} {}{owner}\n{}=$_port\n",
                quote(&plan.entry),
                plan.preferred,
                place.var
            ));
        }
        Ok(s)
    }

    /// The same variables in an image's build: its directories as devup in the container has
    /// them, the preferred ports.
    pub fn image_prologue(&self) -> String {
        let mut s = format!("devup_project_dir=$(pwd -P)\ndevup_dirs {}\n", quote(&self.name));
        for (place, kind) in self.places.iter().zip(&self.kinds) {
            if let Kind::Port(plan) = kind {
                s.push_str(&format!("{}={}\n", place.var, plan.preferred));
            }
        }
        s
    }

    /// Each entry's port variable, for what the script writes at its end (`ports.json`).
    pub fn ports_json(&self, ports: &std::collections::BTreeMap<String, u16>) -> Result<String, String> {
        let json = serde_json::to_string_pretty(ports).expect("ports serialise");
        self.shell(&quote(&json))
    }
}

/// devup's state root in a container: root's default (`~/.local/state/devup`).
pub const CONTAINER_STATE_ROOT: &str = "/root/.local/state/devup";
/// devup's data root for root.
const CONTAINER_DATA_ROOT: &str = "/var/lib/devup";
/// devup's tools for root.
const CONTAINER_TOOLS_ROOT: &str = "/opt/devup/tools";
