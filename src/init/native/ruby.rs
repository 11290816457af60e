//! Ruby's dependency lists: `Gemfile.lock` (every gem bundler installs, dependencies of
//! dependencies too), else the `Gemfile` (the gems it names).

use super::Lists;
use crate::init::hints::Hints;
use crate::init::repo::{self, Repo};
use crate::recipe::native::Dep;

pub fn read(repo: &Repo, _hints: &mut Hints) -> Lists {
    let mut lists = Vec::new();
    for gemfile in repo.named("Gemfile") {
        let lockfile = repo::join(repo::dir(gemfile), "Gemfile.lock");
        let (file, deps) = if repo.has(&lockfile) {
            (lockfile.clone(), repo.read(&lockfile).map(|t| locked_source_gems(&t)))
        } else {
            (gemfile.to_string(), repo.read(gemfile).map(|t| gemfile_gems(&t)))
        };
        if let Some(deps) = deps {
            lists.push((file, deps));
        }
    }
    lists
}

/// Pure: the gems a `Gemfile.lock` installs from source. Its specs are the lines indented by
/// four spaces under `specs:` (`    pg (1.5.6)`); a gem it also holds built for a platform
/// (`    nokogiri (1.16.2-x86_64-linux)`) is installed precompiled, and is left out. JRuby's
/// (`-java`) do not count: they are of no use to C Ruby.
pub fn locked_source_gems(text: &str) -> Vec<Dep> {
    let mut source: Vec<&str> = Vec::new();
    let mut precompiled: Vec<&str> = Vec::new();
    let mut in_specs = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_specs = false;
            continue;
        }
        if line.trim_end() == "  specs:" {
            in_specs = true;
            continue;
        }
        let Some(spec) = line.strip_prefix("    ").filter(|s| in_specs && !s.starts_with(' ')) else {
            continue;
        };
        let Some((name, version)) = spec.trim_end().strip_suffix(')').and_then(|s| s.split_once(" (")) else {
            continue;
        };
        // Versions hold no `-`; a platform follows one.
        match version.split_once('-') {
            Some((_, "java")) => {}
            Some(_) => precompiled.push(name),
            None => source.push(name),
        }
    }
    let mut gems: Vec<Dep> = Vec::new();
    for name in source {
        if !precompiled.contains(&name) && !gems.iter().any(|g| g.name == name) {
            gems.push(Dep::new(name));
        }
    }
    gems
}

/// Pure: the gems a `Gemfile` names (`gem "pg", "~> 1.5"`).
pub fn gemfile_gems(text: &str) -> Vec<Dep> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("gem")?;
            let rest = rest.strip_prefix([' ', '('])?.trim_start();
            let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            let name = rest[1..].split(quote).next()?;
            (!name.is_empty()).then(|| Dep::new(name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(deps: Vec<Dep>) -> Vec<String> {
        deps.into_iter().map(|d| d.name).collect()
    }

    #[test]
    fn lockfile_gems_built_from_source() {
        let text = "\
GIT
  remote: https://example.com/acme/tools.git
  revision: 0123abcd
  specs:
    acme-tools (0.3.0)
      ffi (~> 1.15)

GEM
  remote: https://rubygems.org/
  specs:
    ffi (1.16.3)
    mysql2 (0.5.6)
      bigdecimal
    nokogiri (1.16.2)
      racc (~> 1.4)
    nokogiri (1.16.2-x86_64-linux)
      racc (~> 1.4)
    pg (1.5.6)
    pg (1.5.6-java)
    racc (1.7.3)

PLATFORMS
  ruby
  x86_64-linux

DEPENDENCIES
  mysql2
  nokogiri
  pg (~> 1.5)

BUNDLED WITH
   2.5.6
";
        assert_eq!(names(locked_source_gems(text)), ["acme-tools", "ffi", "mysql2", "pg", "racc"]);
        assert!(locked_source_gems("").is_empty());
    }

    #[test]
    fn gemfile() {
        let text = "source \"https://rubygems.org\"\nruby \"3.3.0\"\ngem \"rails\", \"~> 7.1\"\ngem 'pg'\n  gem(\"puma\")\ngemspec\ngems = 1\n";
        assert_eq!(names(gemfile_gems(text)), ["rails", "pg", "puma"]);
    }
}
