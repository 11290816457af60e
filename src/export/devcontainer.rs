//! `devup export devcontainer`.

use super::Platform;
use crate::project::Project;

pub fn render(_project: &Project, _platform: &Platform) -> Result<String, String> {
    Err("not yet".into())
}
