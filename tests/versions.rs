//! Versions in their ecosystems' syntax: `python = "~=3.11"` (PEP 440), `node = ">=18 <21"`
//! (npm), `ruby = "~> 3.1"` (RubyGems), `go = "go 1.22"` (Go), in devup.toml and in the files
//! a project already keeps. Versions no machine has (3.98, 1.98) keep the machine's own tools
//! out of the answer.

use crate::support::Sandbox;

fn satisfied(manifest: &str, command: &str, says: &str) {
    let sb = Sandbox::new().manifest(manifest).stub(command, &format!("echo '{says}'"));
    sb.devup(&["plan"]).code(0).stdout_has("all 1 steps are satisfied");
}

#[test]
fn python_takes_pep_440_specifiers() {
    let python = "Python 3.98.2";
    satisfied("[languages]\npython = \"~=3.98.0\"\n", "python3", python);
    satisfied("[languages]\npython = \">=3.97,<3.99\"\n", "python3", python);
    satisfied("[languages]\npython = \"==3.98.*\"\n", "python3", python);
    satisfied("[languages]\npython = \"3.98.*\"\n", "python3", python);
    // devup's own forms keep their meaning.
    satisfied("[languages]\npython = \"3.98\"\n", "python3", python);
    satisfied("[languages]\npython = \"^3.98\"\n", "python3", python);
    // `!=` is PEP 440's alone: the one version it excludes is not taken.
    let sb =
        Sandbox::new().manifest("[languages]\npython = \"==3.98.*, !=3.98.2\"\n").stub("python3", "echo Python 3.98.2");
    sb.devup(&["plan"]).code(1).stdout_has("want `python3` ==3.98.*, !=3.98.2");
}

#[test]
fn node_takes_npm_ranges() {
    let node = "v20.11.1";
    satisfied("[languages]\nnode = \">=18 <21\"\n", "node", node);
    satisfied("[languages]\nnode = \"^20\"\n", "node", node);
    satisfied("[languages]\nnode = \"20.x\"\n", "node", node);
    satisfied("[languages]\nnode = \"16 || >=20.5 <21\"\n", "node", node);
    let sb = Sandbox::new().manifest("[languages]\nnode = \">=18 <20\"\n").stub("node", "echo v20.11.1");
    sb.devup(&["plan"]).code(1).stdout_has("want `node` >=18 <20");
}

#[test]
fn ruby_takes_gem_requirements_and_go_its_directive() {
    let ruby = "ruby 3.98.4 (2030-12-25 revision 0) [x86_64-linux]";
    satisfied("[languages]\nruby = \"~> 3.98\"\n", "ruby", ruby);
    satisfied("[languages]\nruby = \">= 3.97, < 3.99\"\n", "ruby", ruby);
    let go = "go version go1.98.1 linux/amd64";
    satisfied("[languages]\ngo = \"go 1.97\"\n", "go", go);
    satisfied("[languages]\ngo = \"go1.98.1\"\n", "go", go);
    let sb = Sandbox::new().manifest("[languages]\nruby = \"~> 3.98.5\"\n").stub("ruby", &format!("echo '{ruby}'"));
    sb.devup(&["plan"]).code(1).stdout_has("want `ruby` ~> 3.98.5");
}

#[test]
fn a_version_manager_is_asked_for_the_newest_line_the_range_admits() {
    let cases = [
        ("python = \">=3.96,<3.99\"", "python3", "Python 3.95.0", "install python@3.98"),
        ("node = \"19 || 21\"", "node", "v18.19.0", "install node@21"),
        ("ruby = \"~> 3.97.1\"", "ruby", "ruby 3.95.0", "install ruby@3.97"),
        ("go = \"go1.98.3\"", "go", "go version go1.95.0 linux/amd64", "install go@1.98.3"),
    ];
    for (entry, command, says, asked) in cases {
        let sb = Sandbox::new()
            .manifest(&format!("[languages]\n{entry}\n"))
            .stub(command, &format!("echo '{says}'"))
            .stub("mise", "true");
        // The stub mise installs nothing: devup notices, after asking for the right release.
        sb.devup(&["--yes"]).code(1).stderr_has("check still fails");
        assert_eq!(sb.calls("mise"), [asked], "{entry}");
    }
}

#[test]
fn an_error_names_the_syntax_expected_with_an_example() {
    let cases = [
        ("python = \"~=3\"", "devup.toml:2:10", "`~=3` is not a PEP 440 version specifier", "\"~=3.11\""),
        ("node = \">=18 <21 banana\"", "devup.toml:2:8", "is not an npm version range: `banana`", "\">=18 <21\""),
        ("ruby = \"~~> 3.1\"", "devup.toml:2:8", "`~~> 3.1` is not a RubyGems requirement", "\"~> 3.1\""),
        ("go = \"golang 1.22\"", "devup.toml:2:6", "`golang 1.22` is not a Go version", "\"go 1.22\""),
        ("python = \">=3.13,<3.12\"", "devup.toml:2:10", "it matches no version", "\"~=3.11\""),
    ];
    for (entry, at, message, example) in cases {
        let sb = Sandbox::new().manifest(&format!("[languages]\n{entry}\n"));
        let run = sb.devup(&["plan"]);
        run.code(3).stderr_has(at).stderr_has(message).stderr_has("hint:").stderr_has(example);
    }
}

#[test]
fn package_json_engines_are_an_npm_range() {
    let sb = Sandbox::new()
        .manifest("[languages]\nnode = { from = \"package.json\" }\n")
        .file("package.json", r#"{"name": "shop", "engines": {"node": ">=18 <21"}}"#)
        .stub("node", "echo v20.11.1");
    sb.devup(&["plan"]).code(0).stdout_has("all 1 steps are satisfied");
    sb.write("package.json", r#"{"name": "shop", "engines": {"node": ">=18 <20"}}"#);
    sb.devup(&["plan"]).code(1).stdout_has("want `node` >=18 <20");
    sb.write("package.json", r#"{"name": "shop", "engines": {"node": "> = 18"}}"#);
    sb.devup(&["plan"])
        .code(3)
        .stderr_has("devup.toml:2:17")
        .stderr_has("package.json says `> = 18`, which is not a version devup can use: not an npm version range")
        .stderr_has("\">=18 <21\"");
}
