//! The shells activation knows: the hook each one's rc file evaluates, and how a change of
//! variables is written in each.

use std::path::Path;

/// A shell that can be activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub fn parse(name: &str) -> Option<Shell> {
        match name {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    /// The hook for the shell's rc file, calling the devup at `devup` (an absolute path, so
    /// that it does not depend on PATH, which activation changes).
    ///
    /// Before each prompt (and on `cd` in zsh and fish) it walks up from `$PWD` with the
    /// shell's builtins; only in a project's tree, or while something is applied, does it run
    /// `devup hook-env` and evaluate what it prints. Ctrl-C cannot cut an evaluation half-way,
    /// and `$?` is kept for the prompt.
    pub fn hook(self, devup: &Path) -> String {
        let text = match self {
            Shell::Bash => BASH,
            Shell::Zsh => ZSH,
            Shell::Fish => FISH,
        };
        let quoted = match self {
            Shell::Bash | Shell::Zsh => crate::recipe::template::quote(&devup.to_string_lossy()),
            Shell::Fish => crate::commands::env::fish_quote(&devup.to_string_lossy()),
        };
        let function = FUNCTION.replace("@SHELL@", self.name());
        text.replace("@FUNCTION@", &function).replace("@DEVUP@", &quoted)
    }

    /// Shell code setting each variable to its value, or unsetting it.
    pub fn render(self, changes: &[(String, Option<String>)]) -> String {
        let mut out = String::new();
        for (name, value) in changes {
            let line = match (self, value) {
                (Shell::Bash | Shell::Zsh, Some(value)) => {
                    format!("export {name}={}", crate::recipe::template::quote(value))
                }
                (Shell::Bash | Shell::Zsh, None) => format!("unset {name}"),
                (Shell::Fish, Some(value)) if name == "PATH" => {
                    let dirs: Vec<String> =
                        value.split(':').filter(|d| !d.is_empty()).map(crate::commands::env::fish_quote).collect();
                    format!("set -gx PATH {}", dirs.join(" "))
                }
                (Shell::Fish, Some(value)) => format!("set -gx {name} {}", crate::commands::env::fish_quote(value)),
                (Shell::Fish, None) => format!("set -e -g {name}"),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// The hook function bash and zsh share; `@SHELL@` is the shell whose code `hook-env` prints.
const FUNCTION: &str = r#"_devup_hook() {
  local previous_exit_status=$? dir=$PWD
  if [[ -z ${__DEVUP_STATE-} ]]; then
    while [[ ! -f $dir/devup.toml ]]; do
      [[ -z $dir ]] && return $previous_exit_status
      dir=${dir%/*}
    done
  fi
  trap -- '' SIGINT
  eval "$(@DEVUP@ hook-env @SHELL@)"
  trap - SIGINT
  return $previous_exit_status
}"#;

const BASH: &str = r#"# devup activation for bash: in a project's tree its environment is applied, and undone on leaving.
@FUNCTION@
if [[ ";${PROMPT_COMMAND[*]:-};" != *";_devup_hook;"* ]]; then
  if [[ "$(declare -p PROMPT_COMMAND 2>&1)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(_devup_hook "${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND="_devup_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi
"#;

const ZSH: &str = r#"# devup activation for zsh: in a project's tree its environment is applied, and undone on leaving.
@FUNCTION@
typeset -ag precmd_functions chpwd_functions
if (( ! ${precmd_functions[(I)_devup_hook]} )); then
  precmd_functions=(_devup_hook $precmd_functions)
fi
if (( ! ${chpwd_functions[(I)_devup_hook]} )); then
  chpwd_functions=(_devup_hook $chpwd_functions)
fi
"#;

const FISH: &str = r#"# devup activation for fish: in a project's tree its environment is applied, and undone on leaving.
function __devup_hook --on-event fish_prompt --on-variable PWD
    if not set -q __DEVUP_STATE
        set -l dir $PWD
        while not test -f "$dir/devup.toml"
            test -z "$dir"; and return
            set dir (string replace -r '/[^/]*$' '' -- $dir)
        end
    end
    @DEVUP@ hook-env fish | source
end
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn changes() -> Vec<(String, Option<String>)> {
        vec![
            ("A".into(), Some("it's $HOME".into())),
            ("GONE".into(), None),
            ("PATH".into(), Some("/p/bin:/usr/bin".into())),
        ]
    }

    #[test]
    fn posix_shells_evaluate_the_changes() {
        let script =
            format!("GONE=1; {}printf '%s|%s|%s' \"$A\" \"${{GONE-unset}}\" \"$PATH\"", Shell::Bash.render(&changes()));
        let out = std::process::Command::new("sh").arg("-c").arg(&script).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "it's $HOME|unset|/p/bin:/usr/bin");
    }

    #[test]
    fn fish_gets_a_list_for_path() {
        assert_eq!(
            Shell::Fish.render(&changes()),
            "set -gx A 'it\\'s $HOME'\nset -e -g GONE\nset -gx PATH '/p/bin' '/usr/bin'\n"
        );
    }

    #[test]
    fn the_hook_calls_this_devup_by_its_quoted_path() {
        let hook = Shell::Bash.hook(Path::new("/opt/my tools/devup"));
        assert!(hook.contains("eval \"$('/opt/my tools/devup' hook-env bash)\""), "{hook}");
        let hook = Shell::Fish.hook(Path::new("/opt/my tools/devup"));
        assert!(hook.contains("'/opt/my tools/devup' hook-env fish | source"), "{hook}");
    }
}
