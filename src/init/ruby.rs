//! Ruby: `Gemfile` (its `ruby` line), `Gemfile.lock` (`RUBY VERSION`), `.ruby-version`, and a
//! gem's `*.gemspec` (its name and `required_ruby_version`).

use super::hints::{Deps, Hints, Rank, Version};
use super::repo::{self, Repo};

/// Pure: what a Gemfile's `ruby` line asks for: `ruby "~> 3.2"` → that constraint (the ruby
/// recipe reads RubyGems requirements),
/// `ruby file: ".ruby-version"` → that file.
pub fn gemfile_ruby(text: &str) -> Option<Version> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("ruby")?;
        if !rest.starts_with([' ', '(']) {
            return None;
        }
        let rest = rest.trim_start_matches([' ', '(']);
        if let Some(file) = rest.strip_prefix("file:") {
            return quoted(file.trim()).map(|f| Version::From(f.to_string()));
        }
        quoted(rest).map(|v| Version::Constraint(v.to_string()))
    })
}

/// Pure: the Ruby version a `Gemfile.lock` was resolved with (`ruby 3.2.2p53` → `3.2.2`).
pub fn lockfile_ruby(text: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != "RUBY VERSION");
    lines.next()?;
    let version = lines.next()?.trim().strip_prefix("ruby ")?;
    let version = version.split('p').next().unwrap_or(version).trim();
    (!version.is_empty()).then(|| version.to_string())
}

/// What a gemspec says of the gem: its name and the Ruby versions it runs on.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gemspec {
    pub name: Option<String>,
    /// As RubyGems writes it: `>= 3.0`.
    pub ruby: Option<String>,
}

/// Pure: `spec.name = "shelf"` and `spec.required_ruby_version = ">= 3.0"` (any block
/// variable; a value that is not a string literal is code, and not read).
pub fn gemspec(text: &str) -> Gemspec {
    let mut found = Gemspec::default();
    for line in text.lines() {
        let Some((target, value)) = line.trim().split_once('=') else { continue };
        let Some((_, attribute)) = target.trim().rsplit_once('.') else { continue };
        let value = quoted(value.trim()).filter(|v| !v.is_empty()).map(str::to_string);
        match attribute {
            "name" if found.name.is_none() => found.name = value,
            "required_ruby_version" if found.ruby.is_none() => found.ruby = value,
            _ => {}
        }
    }
    found
}

/// A top-level file that only a Ruby project has.
fn is_ruby_marker(file: &str) -> bool {
    file.ends_with(".gemspec") || file == "Rakefile"
}

/// The text of a leading `"..."` or `'...'`.
fn quoted(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    text[1..].split(quote).next()
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.named(".ruby-version") {
        hints.version_file("ruby", file);
    }
    // A gem's repository may have no Gemfile of its own (its CI brings one, or runs rake):
    // its gemspec or Rakefile at the top still says it is Ruby.
    for file in repo.files().iter().filter(|f| repo::dir(f).is_empty() && is_ruby_marker(f)) {
        hints.present("ruby", file);
        if !file.ends_with(".gemspec") {
            continue;
        }
        let spec = repo.read(file).map(|text| gemspec(&text)).unwrap_or_default();
        if let Some(name) = &spec.name {
            hints.name(file, name);
        }
        // Kept as written: the ruby recipe reads RubyGems' syntax (`>= 3.0`, `~> 3.1`).
        if let Some(ruby) = spec.ruby {
            hints.language("ruby", file, Some(Version::Constraint(ruby.clone())), Some(ruby), Rank::Manifest);
        }
    }
    for gemfile in repo.named("Gemfile") {
        let dir = repo::dir(gemfile);
        hints.present("ruby", gemfile);
        if let Some(text) = repo.read(gemfile) {
            match gemfile_ruby(&text) {
                // Only a file of the repository: the Gemfile could name any path.
                Some(Version::From(file)) if repo.has(&repo::join(dir, &file)) => {
                    hints.language("ruby", gemfile, Some(Version::From(repo::join(dir, &file))), None, Rank::Manifest)
                }
                Some(Version::Constraint(c)) => {
                    hints.language("ruby", gemfile, Some(Version::Constraint(c.clone())), Some(c), Rank::Manifest)
                }
                _ => {}
            }
        }
        let lockfile = repo::join(dir, "Gemfile.lock");
        let locked = repo.has(&lockfile);
        if locked
            && let Some(text) = repo.read(&lockfile)
            && let Some(v) = lockfile_ruby(&text)
        {
            hints.language("ruby", &lockfile, Some(Version::Constraint(v.clone())), Some(v), Rank::Manifest);
        }
        if !dir.is_empty() {
            hints.note(gemfile, "bundler installs the Gemfile at the top only: this one is not installed");
            continue;
        }
        let notes = if locked {
            Vec::new()
        } else {
            vec!["no Gemfile.lock yet: run `bundle install` once and commit it".to_string()]
        };
        hints.deps.push(Deps {
            manager: "bundler",
            language: "ruby",
            dir: String::new(),
            params: Vec::new(),
            file: if locked { lockfile } else { gemfile.to_string() },
            why: "the gems to install".to_string(),
            notes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemfile() {
        let text = "source \"https://rubygems.org\"\n\nruby \"3.2.2\"\n\ngem \"rails\", \"~> 7.1\"\n";
        assert_eq!(gemfile_ruby(text), Some(Version::Constraint("3.2.2".into())));
        assert_eq!(gemfile_ruby("ruby '~> 3.2'\n"), Some(Version::Constraint("~> 3.2".into())));
        assert_eq!(gemfile_ruby("ruby file: \".ruby-version\"\n"), Some(Version::From(".ruby-version".into())));
        assert_eq!(gemfile_ruby("gem \"rubyzip\"\nrubygems_version = 1\n"), None);
    }

    #[test]
    fn a_gem_without_a_gemfile_is_still_ruby() {
        let repo = Repo::from_files(std::path::Path::new("/r"), vec!["tidy.gemspec".into(), "lib/tidy.rb".into()]);
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        assert!(hints.languages.iter().any(|l| l.tool == "ruby"), "{:?}", hints.languages);
        assert!(is_ruby_marker("Rakefile") && !is_ruby_marker("lib/Rakefile.bak"));
    }

    #[test]
    fn gemspecs() {
        let text = "Gem::Specification.new do |s|\n  s.name        = 'tidy'\n  s.version = Tidy::VERSION\n  s.required_ruby_version = \">= 3.0\"\n  s.add_dependency \"name\", \"= 1\"\nend\n";
        assert_eq!(gemspec(text), Gemspec { name: Some("tidy".into()), ruby: Some(">= 3.0".into()) });
        assert_eq!(gemspec("spec.name = NAME\n"), Gemspec::default(), "code is not read");
        let repo = Repo::from_files(std::path::Path::new("/r"), vec!["tidy.gemspec".into()]);
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        assert_eq!(hints.name, None, "a gemspec that cannot be read names nothing");
    }

    #[test]
    fn lockfile() {
        let text = "GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.2.2p53\n\nBUNDLED WITH\n   2.4.10\n";
        assert_eq!(lockfile_ruby(text).as_deref(), Some("3.2.2"));
        assert_eq!(lockfile_ruby("GEM\n"), None);
    }
}
