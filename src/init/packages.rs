//! The `[packages]` entries of a draft: what the project's dependencies need from the system,
//! each package once, by its logical name (`recipes/packages/`), with comments naming the
//! dependencies that need it and the files that declare them.

use super::draft::{Draft, Entry, Value};
use super::hints::Native;
use super::known::Known;
use crate::manifest::Section;

/// A comment names at most this many dependencies, then says how many more.
const MAX_NAMED: usize = 6;

pub fn draft(draft: &mut Draft, hints: &[Native], known: &Known) {
    // What compiles comes first: a compiler is what most of them need.
    let mut names: Vec<&str> = Vec::new();
    for package in hints.iter().flat_map(|n| &n.toolchain).chain(hints.iter().flat_map(|n| &n.packages)) {
        if !names.contains(&package.as_str()) {
            names.push(package);
        }
    }
    for name in names {
        let mut comments = compile_lines(hints, name);
        for need in hints.iter().filter(|n| n.packages.iter().any(|p| p == name)) {
            let verb = if need.compiles { "builds against" } else { "needs" };
            let line = format!("{} ({}) {verb} {}", need.dep, need.file, list(&need.packages));
            comments.push(with_note(line, &need.note));
        }
        let disabled = known.get(Section::Packages, name).is_none().then(|| {
            format!("devup has no `packages/{name}` recipe: name the package per manager, such as {name} = {{ apt = \"...\" }}")
        });
        draft.packages.push(Entry { name: name.to_string(), value: Value::Short("*".into()), comments, disabled });
    }
    // The report: one line per file and set of packages.
    let mut groups: Vec<(&str, Vec<&String>, Vec<&str>)> = Vec::new();
    for need in hints {
        let packages: Vec<&String> = need.toolchain.iter().chain(&need.packages).collect();
        match groups.iter_mut().find(|(file, p, _)| *file == need.file && *p == packages) {
            Some((_, _, deps)) => deps.push(&need.dep),
            None => groups.push((&need.file, packages, vec![&need.dep])),
        }
    }
    for (file, packages, deps) in groups {
        let verb = if deps.len() == 1 { "needs" } else { "need" };
        let packages: Vec<&str> = packages.iter().map(|p| p.as_str()).collect();
        draft.find(file, "packages", format!("{} {verb} {}", names_of(&deps), list(&packages)));
    }
}

/// `psycopg2 and Pillow (requirements.txt) compile native code`: the dependencies whose build
/// takes `package`, by file and note.
fn compile_lines(hints: &[Native], package: &str) -> Vec<String> {
    let mut groups: Vec<(&str, &Option<String>, Vec<&str>)> = Vec::new();
    for need in hints.iter().filter(|n| n.toolchain.iter().any(|t| t == package)) {
        match groups.iter_mut().find(|(file, note, _)| *file == need.file && *note == &need.note) {
            Some((_, _, deps)) => deps.push(&need.dep),
            None => groups.push((&need.file, &need.note, vec![&need.dep])),
        }
    }
    groups
        .into_iter()
        .map(|(file, note, deps)| {
            let verb = if deps.len() == 1 { "compiles" } else { "compile" };
            with_note(format!("{} ({file}) {verb} native code", names_of(&deps)), note)
        })
        .collect()
}

fn with_note(line: String, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{line}: {note}"),
        None => line,
    }
}

/// `a, b and c`, or `a, b, c, d, e and 3 more` past `MAX_NAMED`.
fn names_of(names: &[&str]) -> String {
    if names.len() <= MAX_NAMED {
        return list(names);
    }
    let shown = MAX_NAMED - 1;
    format!("{} and {} more", names[..shown].join(", "), names.len() - shown)
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::known::testing::known;

    fn native(dep: &str, file: &str, toolchain: &[&str], packages: &[&str], note: Option<&str>) -> Native {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Native {
            dep: dep.into(),
            file: file.into(),
            toolchain: strings(toolchain),
            packages: strings(packages),
            compiles: !toolchain.is_empty(),
            note: note.map(str::to_string),
        }
    }

    #[test]
    fn each_package_once_with_who_needs_it() {
        let cc = ["build-essentials", "python3-dev"];
        let hints = [
            native("psycopg2", "requirements.txt", &cc, &["libpq"], None),
            native("Pillow", "requirements.txt", &cc, &["libjpeg", "zlib"], Some("when no wheel fits this Python")),
            native("psycopg", "requirements-test.txt", &[], &["libpq"], Some("it loads libpq at run time")),
            native("libsomething", "requirements.txt", &[], &["not-a-recipe"], None),
        ];
        let mut d = Draft::default();
        draft(&mut d, &hints, &known());
        let entries: Vec<(&str, &[String])> = d.packages.iter().map(|e| (e.name.as_str(), &e.comments[..])).collect();
        assert_eq!(
            entries,
            [
                (
                    "build-essentials",
                    &[
                        "psycopg2 (requirements.txt) compiles native code".to_string(),
                        "Pillow (requirements.txt) compiles native code: when no wheel fits this Python".to_string(),
                    ][..]
                ),
                ("python3-dev", &d.packages[0].comments[..]),
                (
                    "libpq",
                    &[
                        "psycopg2 (requirements.txt) builds against libpq".to_string(),
                        "psycopg (requirements-test.txt) needs libpq: it loads libpq at run time".to_string(),
                    ][..]
                ),
                (
                    "libjpeg",
                    &["Pillow (requirements.txt) builds against libjpeg and zlib: when no wheel fits this Python"
                        .to_string()][..]
                ),
                ("zlib", &d.packages[3].comments[..]),
                ("not-a-recipe", &["libsomething (requirements.txt) needs not-a-recipe".to_string()][..]),
            ]
        );
        assert!(d.packages.iter().all(|e| e.value == Value::Short("*".into())));
        assert!(d.packages[..5].iter().all(|e| e.disabled.is_none()));
        assert!(d.packages[5].disabled.as_deref().unwrap().starts_with("devup has no `packages/not-a-recipe` recipe"));
        let report: Vec<String> = d.findings.iter().map(|f| format!("{} → {}: {}", f.file, f.entry, f.why)).collect();
        assert_eq!(
            report,
            [
                "requirements.txt → packages: psycopg2 needs build-essentials, python3-dev and libpq",
                "requirements.txt → packages: Pillow needs build-essentials, python3-dev, libjpeg and zlib",
                "requirements-test.txt → packages: psycopg needs libpq",
                "requirements.txt → packages: libsomething needs not-a-recipe",
            ]
        );
    }

    #[test]
    fn many_dependencies_are_counted() {
        let hints: Vec<Native> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .map(|dep| native(dep, "Gemfile.lock", &["make"], &[], None))
            .collect();
        let mut d = Draft::default();
        draft(&mut d, &hints, &known());
        assert_eq!(d.packages[0].comments, ["a, b, c, d, e and 2 more (Gemfile.lock) compile native code"]);
        assert_eq!(d.findings[0].why, "a, b, c, d, e and 2 more need make");
        assert_eq!(list(&["x", "y"]), "x and y");
    }
}
