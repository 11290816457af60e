//! `devup export script`: the project's plan as a POSIX shell script that converges a machine
//! without devup. Steps come in the engine's dependency order; each is checked, applied only
//! when its check fails (in a subshell with `set -e`), and checked again, so a second run
//! changes nothing. What devup records and would read back (a dependency install's
//! fingerprint, the ports of the project's servers) the script writes where devup reads it, so
//! that `devup plan` afterwards finds nothing to change.

use std::fmt::Write;

use super::here::Here;
use super::{Platform, ScriptCx, ScriptStep, body, exports, quote};
use crate::project::Project;

const PRELUDE: &str = include_str!("prelude.sh");

/// Every step rendered as shell, in the engine's order: `(id, description, step)`.
pub fn steps(project: &Project, platform: &Platform) -> Result<Vec<(String, String, ScriptStep)>, String> {
    let mut out = Vec::new();
    let mut refused = Vec::new();
    for &i in &project.order {
        let step = &project.steps[i];
        let cx = ScriptCx {
            facts: &platform.facts,
            project_dir: &project.manifest.dir,
            step_id: &step.id,
            locked: project.tools.lock.tool.get(&step.id),
            tools_root: &project.tools.root,
            platform: &project.tools.platform,
        };
        match step.resource.script(&cx) {
            Ok(mut script) => {
                // A kind that describes its apply as actions: the same actions `devup up` performs.
                if let Some(actions) = step.resource.actions(&step.id) {
                    script.apply = crate::shell_forms::actions::render(&actions, &cx);
                }
                out.push((step.id.clone(), step.describe(), script))
            }
            Err(why) => refused.push(format!("step {} ({}): {why}", step.id, step.describe())),
        }
    }
    if refused.is_empty() {
        Ok(out)
    } else {
        Err(format!("these steps cannot be exported:\n  {}", refused.join("\n  ")))
    }
}

/// The script. Nothing of this machine is in it: the project is the directory it is given (the
/// current one by default), and devup's directories for that project and user, and the
/// servers' ports, are found where it runs, as devup finds them ([`Here`]).
pub fn render(project: &Project, platform: &Platform, here: &Here) -> Result<String, String> {
    let steps = steps(project, platform)?;
    let manager = crate::packages::for_facts(&platform.facts)
        .and_then(|m| m.script_functions())
        .ok_or_else(|| format!("{} has no package manager devup can export for", platform.name))?;
    let name = &project.manifest.name;
    let mut s = String::new();
    let _ = write!(
        s,
        "#!/bin/sh
# Converges the project `{name}` on {platform}, without devup.
# Exported by devup {version} (`devup export script`): the plan devup runs, step by step. Each step
# is checked first, applied only when its check fails, then checked again: running this script
# again changes nothing. Afterwards `devup plan` finds nothing to change.
#
# Run it with:   sh SCRIPT [PROJECT_DIR]        (PROJECT_DIR defaults to the current directory)
# It runs as you; installing system packages uses sudo unless you are root. Where the project
# is, devup's directories for it (DEVUP_STATE_DIR, DEVUP_DATA_DIR...) and the ports its servers
# take are found where it runs, as devup finds them.
set -eu

",
        platform = platform.name,
        version = env!("CARGO_PKG_VERSION"),
    );
    s.push_str(PRELUDE);
    s.push_str("\n# --- packages with ");
    s.push_str(platform.facts.package_managers.first().map_or("?", String::as_str));
    s.push_str(" ---\n");
    s.push_str(manager);
    let _ = write!(
        s,
        r#"
# --- running one step ---
ok=0
changed=0
# converge N ID DESCRIPTION: check_N; when it fails apply_N, then check_N again.
converge() {{
    if (check_$1) >/dev/null 2>&1; then
        say "ok       $2"
        ok=$((ok + 1))
        return 0
    fi
    say "apply    $2: $3"
    set +e
    (
        set -e
        apply_$1
    )
    _rc=$?
    set -e
    [ "$_rc" -eq 0 ] || fail "$2" "applying it failed (exit code $_rc)" "fix what its output says, then run this script again"
    if ! (check_$1); then
        fail "$2" "it was applied, but its check still fails" "see the output above"
    fi
    say "changed  $2"
    changed=$((changed + 1))
}}

# --- where it runs: the project, devup's directories for it, the servers' ports ---
: "${{HOME:?this script needs HOME, as devup does}}"
devup_project_dir=${{1:-.}}
cd -- "$devup_project_dir" || {{ printf 'error: cannot enter the project directory %s\n' "$devup_project_dir" >&2; exit 1; }}
devup_project_dir=$(pwd -P)
"#,
    );
    s.push_str(&here.prologue()?);
    if !project.env.is_empty() {
        s.push_str("\n# The project's environment, as devup gives it to the commands it runs.\n");
        s.push_str(&here.shell(&exports(&project.env))?);
    }
    let total = steps.len();
    for (n, (id, description, step)) in steps.iter().enumerate() {
        let n = n + 1;
        let mut text = String::new();
        let _ = write!(text, "\n# --- {n}/{total} {id}: {} ---\n", one_line(description));
        for warning in &step.warnings {
            let _ = writeln!(text, "# WARNING: {}", one_line(warning));
            let _ = writeln!(text, "say {}", quote(&format!("warning: {id}: {warning}")));
        }
        text.push_str(&step.functions);
        let _ = write!(
            text,
            "check_{n}() {{\n{}\n}}\napply_{n}() {{\n{}\n}}\nconverge {n} {} {}\n",
            body(&step.check),
            body(&step.apply),
            quote(id),
            quote(&one_line(description))
        );
        if !step.then.is_empty() {
            let _ = writeln!(text, "{}", step.then);
        }
        s.push_str(&here.shell(&text).map_err(|e| format!("step {id}: {e}"))?);
    }
    if !project.ports.is_empty() {
        let _ = write!(
            s,
            "\n# The ports of the project's servers, kept beside their data where devup reads them.\nif [ -d \"$devup_data_dir\" ] && ! same_content \"$devup_data_dir/ports.json\" {json}; then\n    write_file \"$devup_data_dir/ports.json\" {json}\nfi\n",
            json = here.ports_json(&project.ports)?,
        );
    }
    let _ = write!(
        s,
        "\nsay \"{name_q}: $ok ok, $changed changed, 0 failed\"\n",
        name_q = name.replace(['"', '$', '`', '\\'], "")
    );
    Ok(s)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
