//! Go's dependency list: `go.mod`'s `require` lines, indirect ones too (they are built).

use super::Lists;
use crate::init::hints::Hints;
use crate::init::repo::Repo;
use crate::recipe::native::Dep;

pub fn read(repo: &Repo, _hints: &mut Hints) -> Lists {
    repo.named("go.mod").filter_map(|file| Some((file.to_string(), requires(&repo.read(file)?)))).collect()
}

/// Pure: the modules a `go.mod` requires, from `require x v1` lines and `require ( ... )`
/// blocks.
pub fn requires(text: &str) -> Vec<Dep> {
    let mut deps = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        let module = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("require").filter(|r| r.starts_with([' ', '\t', '('])) {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        if let Some(path) = module.split_whitespace().next() {
            deps.push(Dep::new(path.trim_matches('"')));
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_lines_and_blocks() {
        let text = "\
module example.com/orders

go 1.22

require github.com/lib/pq v1.10.9

require (
\tgithub.com/mattn/go-sqlite3 v1.14.22 // indirect
\t\"golang.org/x/text\" v0.14.0
)

replace example.com/x => ../x
";
        let names: Vec<String> = requires(text).into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["github.com/lib/pq", "github.com/mattn/go-sqlite3", "golang.org/x/text"]);
        assert!(requires("module x\n").is_empty());
    }
}
