use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::step::Step;
use crate::step::{Cx, Failure, Resource, Status};

/// A resource whose state is a flag: met when set; apply sets it (or not, or fails).
struct Flag {
    met: Arc<AtomicBool>,
    apply_fixes: bool,
    apply_fails: bool,
    applied: Arc<AtomicUsize>,
}

impl Resource for Flag {
    fn describe(&self) -> String {
        "flag".into()
    }
    fn check(&self, _cx: &Cx) -> Status {
        if self.met.load(Ordering::SeqCst) { Status::Satisfied } else { Status::missing("flag unset") }
    }
    fn action(&self) -> String {
        "set flag".into()
    }
    fn apply(&self, _cx: &Cx) -> Result<(), Failure> {
        self.applied.fetch_add(1, Ordering::SeqCst);
        if self.apply_fails {
            return Err(Failure::new("boom"));
        }
        if self.apply_fixes {
            self.met.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

struct Quiet;
impl Events for Quiet {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &StepResult) {}
}

struct Spec {
    met: bool,
    fixes: bool,
    fails: bool,
    requires: Vec<usize>,
}

fn spec(met: bool, requires: &[usize]) -> Spec {
    Spec { met, fixes: true, fails: false, requires: requires.to_vec() }
}

/// What a test run's context borrows: a fresh system, state and toolbox on the tests' facts.
struct Machine {
    system: crate::system::System,
    facts: crate::facts::Facts,
    memory: crate::state::Memory,
    tools: crate::tools::Toolbox,
}

impl Machine {
    fn new() -> Machine {
        Machine {
            system: crate::system::System::new(),
            facts: crate::facts::Facts::for_tests(),
            memory: crate::state::Memory::default(),
            tools: crate::tools::Toolbox::default(),
        }
    }

    fn cx(&self, jobs: usize) -> Cx<'_> {
        Cx {
            system: &self.system,
            facts: &self.facts,
            memory: &self.memory,
            env: &[],
            replace_files: false,
            step_id: "",
            jobs,
            tools: &self.tools,
        }
    }
}

fn run(specs: Vec<Spec>, jobs: usize) -> (Vec<StepResult>, Vec<usize>) {
    let counters: Vec<Arc<AtomicUsize>> = specs.iter().map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let steps: Vec<Step> = specs
        .into_iter()
        .enumerate()
        .map(|(i, s)| Step {
            id: format!("s{i}"),
            requires: s.requires,
            resource: Box::new(Flag {
                met: Arc::new(AtomicBool::new(s.met)),
                apply_fixes: s.fixes,
                apply_fails: s.fails,
                applied: counters[i].clone(),
            }),
            description: None,
            kind: "test",
            from_project: false,
        })
        .collect();
    let machine = Machine::new();
    let cx = machine.cx(jobs);
    let order = crate::graph::order(&steps).unwrap();
    let statuses: Vec<(Status, Duration)> = check_all(&steps, &cx, Vec::new).statuses;
    let results = apply(&steps, &order, &statuses, &cx, &Quiet, &|| {});
    (results, counters.iter().map(|c| c.load(Ordering::SeqCst)).collect())
}

fn outcomes(results: &[StepResult]) -> Vec<(&str, &str)> {
    results
        .iter()
        .map(|r| {
            let o = match r.outcome {
                Outcome::Ok => "ok",
                Outcome::Changed => "changed",
                Outcome::Failed(_) => "failed",
                Outcome::Skipped { .. } => "skipped",
            };
            (r.id.as_str(), o)
        })
        .collect()
}

#[test]
fn applies_only_unmet_steps() {
    for jobs in [1, 4] {
        let (results, applied) = run(vec![spec(true, &[]), spec(false, &[0]), spec(true, &[])], jobs);
        assert_eq!(outcomes(&results), [("s0", "ok"), ("s1", "changed"), ("s2", "ok")]);
        assert_eq!(applied, [0, 1, 0]);
    }
}

#[test]
fn an_apply_that_does_not_fix_the_check_is_a_failure() {
    let (results, _) = run(vec![Spec { met: false, fixes: false, fails: false, requires: vec![] }], 1);
    let Outcome::Failed(f) = &results[0].outcome else { panic!("{results:?}") };
    assert!(f.message.contains("check still fails: flag unset"), "{}", f.message);
}

#[test]
fn a_failure_skips_only_its_dependents() {
    for jobs in [1, 3] {
        let failing = Spec { met: false, fixes: false, fails: true, requires: vec![] };
        let (results, applied) =
            run(vec![failing, spec(false, &[0]), spec(false, &[1]), spec(false, &[]), spec(true, &[3])], jobs);
        assert_eq!(
            outcomes(&results),
            [("s0", "failed"), ("s1", "skipped"), ("s2", "skipped"), ("s3", "changed"), ("s4", "ok")]
        );
        assert_eq!(applied, [1, 0, 0, 1, 0]);
        let Outcome::Skipped { because } = &results[2].outcome else { panic!() };
        assert_eq!(because, "it requires s1, which did not succeed");
    }
}

#[test]
fn many_independent_steps_all_run_in_parallel_mode() {
    let specs = (0..50).map(|i| spec(i % 2 == 0, &[])).collect();
    let (results, applied) = run(specs, 4);
    assert_eq!(Summary::of(&results), Summary { ok: 25, changed: 25, failed: 0, skipped: 0 });
    assert_eq!(applied.iter().sum::<usize>(), 25);
}

/// Met exactly when another resource's flag is: a database that exists once its server runs.
struct Follows {
    leader: Arc<AtomicBool>,
    applied: Arc<AtomicUsize>,
}

impl Resource for Follows {
    fn describe(&self) -> String {
        "follows".into()
    }
    fn check(&self, _cx: &Cx) -> Status {
        if self.leader.load(Ordering::SeqCst) { Status::Satisfied } else { Status::missing("leader down") }
    }
    fn action(&self) -> String {
        "nothing".into()
    }
    fn apply(&self, _cx: &Cx) -> Result<(), Failure> {
        self.applied.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn steps_downstream_of_a_change_are_checked_again_not_applied_blindly() {
    let leader = Arc::new(AtomicBool::new(false));
    let applied = Arc::new(AtomicUsize::new(0));
    let follows = |requires: Vec<usize>| Step {
        id: "f".into(),
        requires,
        resource: Box::new(Follows { leader: leader.clone(), applied: applied.clone() }),
        description: None,
        kind: "test",
        from_project: false,
    };
    let mut steps = vec![Step {
        id: "server".into(),
        requires: vec![],
        resource: Box::new(Flag {
            met: leader.clone(),
            apply_fixes: true,
            apply_fails: false,
            applied: applied.clone(),
        }),
        description: None,
        kind: "test",
        from_project: false,
    }];
    steps.push(follows(vec![0]));
    steps.push(follows(vec![1]));
    let machine = Machine::new();
    let cx = machine.cx(2);
    let order = crate::graph::order(&steps).unwrap();
    let statuses = check_all(&steps, &cx, Vec::new).statuses;
    let results = apply(&steps, &order, &statuses, &cx, &Quiet, &|| {});
    assert_eq!(outcomes(&results), [("server", "changed"), ("f", "ok"), ("f", "ok")]);
    assert_eq!(applied.load(Ordering::SeqCst), 1, "only the server was applied");
}

/// Records the PATH its check sees.
#[derive(Default)]
struct SeesPath(std::sync::Mutex<String>);

impl Resource for Arc<SeesPath> {
    fn describe(&self) -> String {
        "sees PATH".into()
    }
    fn check(&self, cx: &Cx) -> Status {
        *self.0.lock().unwrap() = cx.path_var().to_string_lossy().into_owned();
        Status::Satisfied
    }
    fn action(&self) -> String {
        "nothing".into()
    }
}

#[test]
fn a_check_sees_its_own_entrys_tools_first_as_its_apply_does() {
    let mut machine = Machine::new();
    machine.tools.inherited_path = "/usr/bin".into();
    let at = |dir: &str| crate::tools::Resolution { locked: None, dir: Some(dir.into()) };
    machine.tools.record("dependencies.web", at("/t/yarn/1/bin"));
    machine.tools.record("dependencies.site", at("/t/yarn-berry/4/bin"));
    let seen: Vec<Arc<SeesPath>> = (0..2).map(|_| Arc::default()).collect();
    let steps: Vec<Step> = ["dependencies.web.install", "dependencies.site.install"]
        .iter()
        .zip(&seen)
        .map(|(id, s)| Step {
            id: id.to_string(),
            requires: Vec::new(),
            resource: Box::new(s.clone()),
            description: None,
            kind: "test",
            from_project: false,
        })
        .collect();
    let env = vec![("PATH".to_string(), "/t/yarn-berry/4/bin:/t/yarn/1/bin:/usr/bin".to_string())];
    check_all(&steps, &machine.cx(2), || env.clone());
    assert_eq!(*seen[0].0.lock().unwrap(), "/t/yarn/1/bin:/t/yarn-berry/4/bin:/usr/bin");
    assert_eq!(*seen[1].0.lock().unwrap(), "/t/yarn-berry/4/bin:/t/yarn/1/bin:/usr/bin");
}

/// A tool step: its check resolves the tool into `dir` (a node found), or records the PATH it
/// sees (a pnpm run by that node).
struct Tool {
    dir: Option<&'static str>,
    seen: Arc<SeesPath>,
}

impl Resource for Tool {
    fn describe(&self) -> String {
        "tool".into()
    }
    fn check(&self, cx: &Cx) -> Status {
        if let Some(dir) = self.dir {
            cx.tools.record(cx.step_id, crate::tools::Resolution { locked: None, dir: Some(dir.into()) });
        }
        self.seen.check(cx)
    }
    fn action(&self) -> String {
        "nothing".into()
    }
    fn resolves_tool(&self) -> bool {
        true
    }
}

#[test]
fn a_tool_that_runs_on_another_is_checked_with_it_on_path() {
    let mut machine = Machine::new();
    machine.tools.inherited_path = "/usr/bin".into();
    let seen: Vec<Arc<SeesPath>> = (0..2).map(|_| Arc::default()).collect();
    let step = |id: &str, requires: Vec<usize>, dir, seen: &Arc<SeesPath>| Step {
        id: id.to_string(),
        requires,
        resource: Box::new(Tool { dir, seen: seen.clone() }),
        description: None,
        kind: "test",
        from_project: false,
    };
    let steps = vec![
        step("dependencies.pnpm", vec![1], None, &seen[0]),
        step("languages.node", Vec::new(), Some("/t/node/24/bin"), &seen[1]),
    ];
    check_all(&steps, &machine.cx(2), Vec::new);
    assert_eq!(*seen[1].0.lock().unwrap(), "/usr/bin", "node: the PATH devup was started with");
    assert_eq!(*seen[0].0.lock().unwrap(), "/t/node/24/bin:/usr/bin", "pnpm: with the node it runs on");
}
