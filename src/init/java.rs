//! Java: `.java-version`, Maven's `pom.xml` (`maven.compiler.release`, `java.version`) and
//! Gradle's build files. devup has no Maven or Gradle recipe: their wrappers fetch what a
//! build needs on the first build.

use super::hints::{Hints, Rank, Version};
use super::repo::{self, Repo};

const BUILD_FILES: &[&str] = &["pom.xml", "build.gradle", "build.gradle.kts"];

/// Pure: the Java release a `pom.xml` compiles for.
pub fn pom_release(text: &str) -> Option<String> {
    ["maven.compiler.release", "java.version", "maven.compiler.source"].iter().find_map(|tag| {
        let open = format!("<{tag}>");
        let start = text.find(&open)? + open.len();
        let value = text[start..].split('<').next()?.trim();
        value.chars().all(|c| c.is_ascii_digit() || c == '.').then(|| value.to_string()).filter(|v| !v.is_empty())
    })
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.named(".java-version") {
        hints.version_file("java", file);
    }
    for build in BUILD_FILES {
        for file in repo.named(build) {
            hints.present("java", file);
            if *build == "pom.xml"
                && let Some(v) = repo.read(file).as_deref().and_then(pom_release)
            {
                hints.language("java", file, Some(Version::Constraint(v.clone())), Some(v), Rank::Manifest);
            }
            if repo::dir(file).is_empty() {
                let tool = if *build == "pom.xml" { "Maven" } else { "Gradle" };
                hints.note(file, format!("devup has no {tool} recipe: the build fetches its dependencies"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom() {
        let text = "<project><properties>\n  <java.version>17</java.version>\n</properties></project>";
        assert_eq!(pom_release(text).as_deref(), Some("17"));
        let text = "<maven.compiler.release>21</maven.compiler.release>";
        assert_eq!(pom_release(text).as_deref(), Some("21"));
        assert_eq!(pom_release("<java.version>${jdk}</java.version>"), None);
        assert_eq!(pom_release("<project/>"), None);
    }
}
