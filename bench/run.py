#!/usr/bin/env python3
"""devup's no-op benchmark: how long a run takes when everything is already converged.

    python3 bench/run.py                    # everything (needs root for the reference)
    python3 bench/run.py --sizes 100,1000   # only some generated projects
    python3 bench/run.py --no-reference     # no isolated root (no root needed)

What it measures, for each project, after converging it once and a few warm-up runs:
the median wall time of `devup` (the no-op run, as a person types it), its CPU time
(user + sys, children included: less sensitive to a busy machine), and how many processes
devup started (the `N processes started` line of `devup --timings`, cross-checked once by
counting execve calls under `strace -f`), split into the checks of `command` steps (processes
by design) and everything else.

- reference: bench/reference/devup.toml, about 25 steps (python + venv + requirements, node + npm
  lockfile, postgres with two databases, redis, ten Debian packages, five files and two
  directories from a project recipe, three custom steps). It is converged for real, by
  `devup --yes`, inside a throwaway Debian 12 root built by the e2e harness (tests/e2e/harness.py:
  namespaces + overlayfs + slirp4netns), so postgres, redis and the packages never touch this
  machine. The timed runs happen in that root with its network unplugged (a converged run
  needs no network), and the same state is then checked by an Ansible playbook
  (bench/ansible/playbook.yml, ansible-core from PyPI in a venv inside the root).
- generated: projects of 100, 1,000 and 5,000 steps from one project recipe with `for_each`
  (30% files, 30% directories, 30% deps with a fingerprinted input, 10% `command` steps whose
  check is `test -d DIR`), in a temporary sandbox (own HOME, DEVUP_STATE_DIR, DEVUP_DATA_DIR,
  DEVUP_CONFIG_DIR, DEVUP_TRUST=1, CI=1).

- activation: the hook `devup activate bash` installs, called as bash calls it before a
  prompt, in a sandbox: outside any project, in a converged project where nothing changed,
  and right after `cd` between two projects. `--no-activation` skips it; with
  `--no-reference --sizes ''` it is all that runs.

Python standard library only. Needs: cargo (or --devup), strace (installed with apt when
missing), and for the reference, root plus what tests/e2e/setup.sh installs.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULT_MARK = "BENCH-RESULT "
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Targets of the issue "The no-op run: fast enough that nobody hesitates to run it".
TARGET_REFERENCE_MS = 20.0
TARGET_1000_MS = 200.0
TARGET_ANSIBLE_RATIO = 50.0
# Targets of the issue "Everyday use": the activation hook, per prompt.
TARGET_HOOK_PROJECT_MS = 3.0
TARGET_HOOK_OUTSIDE_MS = 1.0


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- timing one process

def timed(argv, env, out_path):
    """Runs argv once (stdin /dev/null, stdout+stderr to out_path). Returns
    (wall ms, cpu ms of it and its reaped children, max RSS MB, exit code, output)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(out_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    t0 = time.perf_counter()
    pid = os.posix_spawn(program, argv, env, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    cpu = (ru.ru_utime + ru.ru_stime) * 1000
    text = Path(out_path).read_text(errors="replace")
    return wall, cpu, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), text


def parse_duration_ms(text):
    m = re.fullmatch(r"([\d.]+)(ms|s|µs|us|m)", text.strip())
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"ms": 1, "s": 1000, "µs": 0.001, "us": 0.001, "m": 60000}[unit]


def parse_devup(text):
    """The summary and the --timings lines of a devup run."""
    summary = re.search(r"(\d+) ok, (\d+) changed, (\d+) failed, (\d+) skipped in (\S+)", text)
    total = re.search(r"^total (\S+), (\d+) processes started", text, re.M)
    if not summary or not total:
        raise RuntimeError(f"unexpected devup output:\n{text}")
    steps = [(float(c), float(a), sid) for c, a, sid in
             re.findall(r"^\s*([\d.]+)\s+([\d.]+)\s+(\S+)$", text, re.M)]
    return {
        "ok": int(summary.group(1)), "changed": int(summary.group(2)),
        "failed": int(summary.group(3)), "skipped": int(summary.group(4)),
        "internal_ms": parse_duration_ms(total.group(1)), "spawned": int(total.group(2)),
        "steps": steps,
    }


def run_noop(devup, project, env, warmup, runs, scratch, extra=()):
    """Warm-up runs, then timed no-op runs of `devup --timings`. Fails if a run changes
    anything: a no-op must be a no-op."""
    argv = [str(devup), "-C", str(project), "--timings", *extra]
    samples = []
    for i in range(warmup + runs):
        wall, cpu, rss, code, text = timed(argv, env, scratch / "noop.out")
        if code != 0:
            raise RuntimeError(f"devup exited {code}:\n{text}")
        d = parse_devup(text)
        if d["changed"] or d["failed"] or d["skipped"]:
            raise RuntimeError(f"not a no-op run:\n{text}")
        if i >= warmup:
            samples.append({"wall": wall, "cpu": cpu, "rss": rss, **d, "text": text})
    spawned = {s["spawned"] for s in samples}
    if len(spawned) != 1:
        raise RuntimeError(f"the number of processes started varies between runs: {spawned}")
    walls = sorted(s["wall"] for s in samples)
    median = statistics.median(walls)
    typical = min(samples, key=lambda s: abs(s["wall"] - median))
    return {
        "runs": runs, "warmup": warmup,
        "wall_median_ms": median, "wall_min_ms": walls[0], "wall_max_ms": walls[-1],
        "cpu_median_ms": statistics.median(s["cpu"] for s in samples),
        "internal_median_ms": statistics.median(s["internal_ms"] for s in samples),
        "rss_mb": max(s["rss"] for s in samples),
        "steps": typical["ok"], "spawned": typical["spawned"],
        "timings": typical["text"],
    }


def run_plain(argv, env, warmup, runs, scratch):
    """Median wall and CPU ms of a command that must exit 0 (no parsing)."""
    walls, cpus = [], []
    for i in range(warmup + runs):
        wall, cpu, _, code, text = timed(argv, env, scratch / "plain.out")
        if code != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{text}")
        if i >= warmup:
            walls.append(wall)
            cpus.append(cpu)
    return {"wall_median_ms": statistics.median(walls), "cpu_median_ms": statistics.median(cpus)}


def phases(devup, project, env, warmup, runs, scratch):
    """What the no-op is made of: starting the binary (`devup --version`) and loading the
    project (`devup env`: manifest, recipes, facts, expansion, ports; no check)."""
    return {
        "start": run_plain([str(devup), "--version"], env, warmup, runs, scratch),
        "load": run_plain([str(devup), "-C", str(project), "env"], env, warmup, runs, scratch),
    }


# ---------------------------------------------------------------- strace cross-check

EXECVE = re.compile(r'^(\d+)\s+execve\("([^"]*)", \[(.*?)\](?:, .*)?\)\s+=\s+(-?\d+)')
UNFINISHED = re.compile(r'^(\d+)\s+execve\("([^"]*)", \[(.*?)\].*<unfinished \.\.\.>$')
RESUMED = re.compile(r'^(\d+)\s+<\.\.\. execve resumed>.*\)\s+=\s+(-?\d+)')


def execve_calls(trace_text):
    """(argv string, result) of every execve in an `strace -f` log, joining the
    `<unfinished ...>` / `<... execve resumed>` halves of concurrent calls."""
    pending, calls = {}, []
    for line in trace_text.splitlines():
        if m := EXECVE.match(line):
            calls.append((m.group(3), int(m.group(4))))
        elif m := UNFINISHED.match(line):
            pending[m.group(1)] = m.group(3)
        elif (m := RESUMED.match(line)) and m.group(1) in pending:
            calls.append((pending.pop(m.group(1)), int(m.group(2))))
    return calls


def ensure_strace():
    if shutil.which("strace"):
        return
    log("strace is missing: apt-get install strace")
    r = subprocess.run(["apt-get", "install", "-y", "-q", "strace"], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "strace"], check=True, capture_output=True)


def strace_count(argv, env, scratch, is_check):
    """Runs argv once under `strace -f -e trace=execve`. Returns the processes it started
    (successful execve calls, its own excepted), how many of them were custom checks
    (is_check(argv list) is true), the failed execve calls (PATH lookups) and the programs."""
    trace = scratch / "execve.trace"
    cmd = ["strace", "-f", "-qq", "-s", "4096", "-e", "trace=execve", "-o", str(trace), *argv]
    r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    ok, failed = [], 0
    for argv_text, result in execve_calls(trace.read_text(errors="replace")):
        if result != 0:
            failed += 1
            continue
        ok.append([a.encode().decode("unicode_escape")
                   for a in re.findall(r'"((?:[^"\\]|\\.)*)"', argv_text)])
    started = ok[1:]  # the first is the traced command itself
    checks = sum(1 for a in started if is_check(a))
    programs = {}
    for a in started:
        name = "sh -c (check)" if is_check(a) else (Path(a[0]).name if a else "?")
        programs[name] = programs.get(name, 0) + 1
    return {"execve": len(started), "checks": checks, "other": len(started) - checks,
            "failed_execve": failed, "programs": programs}


def sh_check_of(scripts):
    scripts = set(scripts)
    return lambda a: len(a) == 3 and Path(a[0]).name == "sh" and a[1] == "-c" and a[2] in scripts


# ---------------------------------------------------------------- generated projects

GEN_RECIPE = """\
description = "Generated benchmark steps: files, directories, deps and cheap commands"

[params.files]
type = "list"
default = []

[params.dirs]
type = "list"
default = []

[params.deps]
type = "list"
default = []

[params.cmds]
type = "list"
default = []

[[step]]
id = "file"
kind = "file"
for_each = "files"
path = "files/{item}.txt"
content = "generated file {item}\\n"

[[step]]
id = "dir"
kind = "directory"
for_each = "dirs"
path = "dirs/{item}"

[[step]]
id = "deps"
kind = "deps"
for_each = "deps"
description = "deps {item}"
run = "touch out/{item}.stamp"
inputs = ["inputs/{item}.lock"]
outputs = ["out/{item}.stamp"]

[[step]]
id = "cmd"
kind = "command"
for_each = "cmds"
check = "test -d cmds/{item}"
apply = "mkdir -p cmds/{item}"
"""


def mix(n):
    """Step counts per kind for n steps: 10% commands, the rest in thirds."""
    cmds = n // 10
    rest = n - cmds
    dirs = deps = rest // 3
    return {"files": rest - dirs - deps, "dirs": dirs, "deps": deps, "cmds": cmds}


def generate(n, root):
    counts = mix(n)
    project = root / "project"
    (project / ".devup/recipes/dependencies").mkdir(parents=True)
    (project / ".devup/recipes/dependencies/gen.toml").write_text(GEN_RECIPE)
    (project / "inputs").mkdir()
    (project / "out").mkdir()
    lists = {}
    for kind, count in counts.items():
        lists[kind] = [f"{kind[0]}{i:05d}" for i in range(count)]
    for item in lists["deps"]:
        (project / "inputs" / f"{item}.lock").write_text(f"lock {item}\n")
    body = "\n".join(f"    {k} = [{', '.join(json.dumps(i) for i in v)}]" for k, v in lists.items())
    (project / "devup.toml").write_text(
        f'[project]\nname = "bench-{n}"\n\n[dependencies.gen]\n{body}\n')
    checks = [f"test -d cmds/{i}" for i in lists["cmds"]]
    return project, counts, checks


def sandbox_env(root):
    env = {
        "PATH": CLEAN_PATH, "LANG": "C.UTF-8", "CI": "1", "DEVUP_TRUST": "1",
        "HOME": str(root / "home"), "DEVUP_STATE_DIR": str(root / "state"),
        "DEVUP_DATA_DIR": str(root / "data"), "DEVUP_CONFIG_DIR": str(root / "config"),
    }
    for k in ("HOME", "DEVUP_STATE_DIR", "DEVUP_DATA_DIR", "DEVUP_CONFIG_DIR"):
        Path(env[k]).mkdir(parents=True, exist_ok=True)
    return env


def bench_generated(devup, n, warmup, runs):
    with tempfile.TemporaryDirectory(prefix=f"devup-bench-{n}-") as d:
        root = Path(d)
        project, counts, checks = generate(n, root)
        env = sandbox_env(root)
        t0 = time.monotonic()
        r = subprocess.run([str(devup), "-C", str(project), "--yes", "-q"], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"converging {n} steps failed ({r.returncode}):\n{r.stderr[-3000:]}")
        converge_s = time.monotonic() - t0
        r = subprocess.run([str(devup), "-C", str(project), "plan"], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{n} steps: not converged after one run:\n{r.stdout}{r.stderr}")
        res = run_noop(devup, project, env, warmup, runs, root)
        res["phases"] = phases(devup, project, env, warmup, runs, root)
        res["strace"] = strace_count([str(devup), "-C", str(project)], env, root, sh_check_of(checks))
        res.update(name=f"generated {n}", mix=counts, custom_checks=counts["cmds"],
                   converge_s=converge_s, where="sandbox directory")
        if res["steps"] != n:
            raise RuntimeError(f"expected {n} steps, devup reported {res['steps']}")
        return res


# ---------------------------------------------------------------- the activation hook

ACTIVATION_SHOP = """\
[project]
name = "shop"

[languages]
python = "3"

[env]
APP_ENV = "development"
DATABASE_URL = "postgres://shop@127.0.0.1:5432/shop_dev"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY_BASE = "for-development-only"
LOG_DIR = "{project.dir}/log"
"""

ACTIVATION_BLOG = """\
[project]
name = "blog"

[env]
DATABASE_URL = "postgres://blog@127.0.0.1:5432/blog_dev"
"""

# Each sample is one call of the hook, as bash makes it before a prompt: the walk up from
# $PWD in bash, and (in a project) `devup hook-env bash` started and its output evaluated.
HOOK_SCRIPT = r"""
eval "$("$DEVUP" activate bash)"
t() { local s=$EPOCHREALTIME; _devup_hook; local e=$EPOCHREALTIME; echo "$1 $(( ${e/./} - ${s/./} ))"; }
cd "$OUT"; for ((i = 0; i < N; i++)); do t outside; done
cd "$SHOP/src"; _devup_hook; for ((i = 0; i < N; i++)); do t project; done
for ((i = 0; i < N; i++)); do cd "$BLOG"; t switch; cd "$SHOP/src"; t switch; done
"""


def bench_activation(devup, warmup, runs):
    """The activation hook's cost per prompt in bash: outside any project, in a converged
    project (nothing changed: the fast path), and right after `cd` into another project (the
    project is opened, its environment computed, the other one's undone)."""
    with tempfile.TemporaryDirectory(prefix="devup-bench-activation-") as d:
        root = Path(d)
        env = sandbox_env(root)
        shop, blog, out = root / "shop", root / "blog", root / "out"
        for path in (shop / "src", blog, out):
            path.mkdir(parents=True)
        (shop / "devup.toml").write_text(ACTIVATION_SHOP)
        (blog / "devup.toml").write_text(ACTIVATION_BLOG)
        for project, args in ((shop, ["--yes", "-q"]), (shop, ["trust", "--yes"]), (blog, ["trust", "--yes"])):
            r = subprocess.run([str(devup), "-C", str(project), *args], env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"devup {' '.join(args)} in {project.name} failed:\n{r.stderr}")
        n = warmup + runs * 10
        henv = dict(env, DEVUP=str(devup), SHOP=str(shop), BLOG=str(blog), OUT=str(out), N=str(n))
        henv.pop("CI", None)
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", HOOK_SCRIPT], env=henv,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=root)
        said = r.stderr.splitlines()
        switches = [line for line in said if line.startswith("devup: ") and " activated: " in line]
        if r.returncode != 0 or len(switches) != 2 * n + 1 or len(said) != len(switches):
            raise RuntimeError(f"the activation hook did not switch as expected (exit {r.returncode}):\n"
                               + "\n".join(said[:20]))
        samples = {}
        for line in r.stdout.splitlines():
            label, us = line.split()
            samples.setdefault(label, []).append(int(us) / 1000)
        res = {"projects": "shop: [env] of 5 variables, python; blog: [env] of 1", "samples": n - warmup}
        for label, values in samples.items():
            values = sorted(values[warmup:])
            res[label] = {"median_ms": statistics.median(values), "min_ms": values[0]}
        return res


# ---------------------------------------------------------------- the reference, in an isolated root

REFERENCE_CHECKS = ["test -f .env", "test -d tmp/cache", "test -f tmp/.migrated"]


def inroot(args):
    """Runs inside the throwaway root (called by bench/inroot.sh): time the converged
    reference project, cross-check with strace, time Ansible on the same state. Prints one
    line `BENCH-RESULT {json}`."""
    project = Path(args.project)
    env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root", "CI": "1", "DEVUP_TRUST": "1"}
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    devup = "/usr/local/bin/devup"
    servers_before = servers_cpu_ms()
    res = run_noop(devup, project, env, args.warmup, args.runs, scratch)
    servers_after = servers_cpu_ms()
    res["servers_cpu_ms"] = {k: (servers_after[k] - servers_before.get(k, 0)) / (args.warmup + args.runs)
                             for k in servers_after}
    res["phases"] = phases(devup, project, env, args.warmup, args.runs, scratch)
    res["jobs"] = {j: run_noop(devup, project, env, 1, args.runs, scratch, ["--jobs", str(j)])["wall_median_ms"]
                   for j in (1, 2, 4, 8)}
    res["strace"] = strace_count([devup, "-C", str(project)], env, scratch, sh_check_of(REFERENCE_CHECKS))
    res.update(name="reference", custom_checks=len(REFERENCE_CHECKS),
               where="isolated Debian 12 root, network unplugged",
               network=args.network_state, converge_s=args.converge_seconds,
               converge_runs=args.converge_runs)
    if args.ansible:
        res["ansible"] = bench_ansible(Path(args.ansible), project, env, args, scratch)
    print(RESULT_MARK + json.dumps(res), flush=True)


def servers_cpu_ms():
    """CPU ms used so far by the servers in this root: postgres (the postmaster, with its
    reaped backends: each connection is a forked backend) and redis-server."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        stats[pid] = (comm.split("(", 1)[1], rest.split())
    out = {}
    for pid, (comm, fields) in stats.items():
        parent = stats.get(fields[1], ("",))[0]
        if comm in ("postgres", "redis-server") and parent != comm:
            name = comm.replace("-server", "")
            out[name] = out.get(name, 0) + sum(int(x) for x in fields[11:15]) * 1000 / tick
    return out


def bench_ansible(ansible_playbook, project, env, args, scratch):
    out = subprocess.run(["/usr/local/bin/devup", "-C", str(project), "env", "--format", "json"],
                         env=env, capture_output=True, text=True, check=True).stdout
    vars_ = json.loads(out)["env"]
    redis_port = re.search(r":(\d+)/", vars_["REDIS_URL"]).group(1)
    aenv = dict(env, ANSIBLE_NOCOWS="1", ANSIBLE_LOCALHOST_WARNING="False",
                ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_RETRY_FILES_ENABLED="False",
                ANSIBLE_FORCE_COLOR="0", PATH=f"{ansible_playbook.parent}:{CLEAN_PATH}")
    argv = [str(ansible_playbook), "-i", "localhost,", "-c", "local",
            "-e", "ansible_python_interpreter=/usr/bin/python3",
            "-e", f"project_dir={project}", "-e", f"pg_port={vars_['PGPORT']}",
            "-e", f"redis_port={redis_port}", str(args.playbook)]
    samples = []
    for i in range(args.ansible_warmup + args.ansible_runs):
        wall, cpu, rss, code, text = timed(argv, aenv, scratch / "ansible.out")
        recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", text)
        if code != 0 or not recap or recap.group(2) != "0" or recap.group(4) != "0":
            raise RuntimeError(f"ansible-playbook did not find the state converged (exit {code}):\n{text[-4000:]}")
        if i >= args.ansible_warmup:
            samples.append((wall, cpu, int(recap.group(1))))
    st = strace_count(argv, aenv, scratch, lambda a: False)
    version = subprocess.run([str(ansible_playbook), "--version"], env=aenv,
                             capture_output=True, text=True).stdout.splitlines()[0]
    return {
        "version": version, "runs": args.ansible_runs, "tasks_ok": samples[0][2],
        "wall_median_ms": statistics.median(s[0] for s in samples),
        "wall_min_ms": min(s[0] for s in samples),
        "cpu_median_ms": statistics.median(s[1] for s in samples),
        "execve": st["execve"],
    }


def bench_reference(devup, args):
    sys.path.insert(0, str(REPO / "tests" / "e2e"))
    import harness as h
    h.check_host()
    base = h.ensure_base()
    logs = REPO / "target" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / "reference.log"
    with tempfile.TemporaryDirectory(prefix="devup-bench-scenario-") as d:
        sc_dir = Path(d)
        shutil.copy(BENCH / "inroot.sh", sc_dir / "scenario.sh")
        if HOST_CA.is_file():  # pip and npm in the root trust what this machine trusts
            shutil.copy(HOST_CA, sc_dir / "host-ca-certificates.crt")
        dest = sc_dir / "bench"
        dest.mkdir()
        shutil.copy(BENCH / "run.py", dest / "run.py")
        shutil.copytree(BENCH / "reference", dest / "reference")
        shutil.copytree(BENCH / "ansible", dest / "ansible")
        (sc_dir / "params.sh").write_text(
            f"RUNS={args.runs}\nWARMUP={args.warmup}\nANSIBLE={0 if args.no_ansible else 1}\n"
            f"ANSIBLE_RUNS={args.ansible_runs}\n")
        sc = h.Scenario("bench-reference", sc_dir, timeout=args.reference_timeout, network=True)
        log(f"reference: converging and timing inside a throwaway root (log: {log_path})")
        outcome = h.run_scenario(sc, base, devup, log_path)
    text = log_path.read_text(errors="replace")
    results = [line[len(RESULT_MARK):] for line in text.splitlines() if line.startswith(RESULT_MARK)]
    if outcome.result != "pass" or not results:
        tail = "\n".join(text.splitlines()[-40:])
        raise RuntimeError(f"reference run {outcome.result} {outcome.detail}; log tail:\n{tail}")
    return json.loads(results[-1])


# ---------------------------------------------------------------- report

def machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    osr = {}
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            k, _, v = line.partition("=")
            osr[k] = v.strip('"')
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "os": osr.get("PRETTY_NAME", "?"),
            "kernel": platform.release(), "load": os.getloadavg()}


def table(results):
    results = [r for r in results if r["name"] != "activation"]
    head = ["project", "steps", "no-op wall, median (min)", "CPU", "of which loading",
            "processes: checks + other", "strace execve"]
    rows = []
    for r in results:
        other = r["spawned"] - r["custom_checks"]
        st = r["strace"]
        rows.append([r["name"], f"{r['steps']:,}",
                     f"{r['wall_median_ms']:.1f} ms ({r['wall_min_ms']:.1f})",
                     f"{r['cpu_median_ms']:.1f} ms",
                     f"{r['phases']['load']['cpu_median_ms']:.1f} ms",
                     f"{r['spawned']} = {r['custom_checks']} + {other}",
                     f"{st['execve']} = {st['checks']} + {st['other']}"])
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines)


def verdicts(results):
    out = []
    by = {r["name"]: r for r in results}
    act = by.get("activation")
    if act:
        for label, target, text in (("project", TARGET_HOOK_PROJECT_MS, "in a converged project"),
                                    ("outside", TARGET_HOOK_OUTSIDE_MS, "outside any project")):
            ms = act[label]["median_ms"]
            out.append(f"{'MET ' if ms <= target else 'MISS'} activation hook {text} at most "
                       f"{target:.0f} ms per prompt: {ms:.2f} ms")
    ref = by.get("reference")
    if ref:
        ok = ref["wall_median_ms"] < TARGET_REFERENCE_MS
        out.append(f"{'MET ' if ok else 'MISS'} reference no-op under {TARGET_REFERENCE_MS:.0f} ms: "
                   f"{ref['wall_median_ms']:.1f} ms")
        other = ref["spawned"] - ref["custom_checks"]
        out.append(f"{'MET ' if other <= 1 else 'MISS'} reference spawns only its {ref['custom_checks']} "
                   f"custom checks plus at most 1 other process: {other} other")
        out.append(f"{'MET ' if ref.get('network', '').startswith('unplugged') else 'MISS'} "
                   f"converged run needs no network: {ref.get('network', '?')}")
        a = ref.get("ansible")
        if a:
            ratio = a["wall_median_ms"] / ref["wall_median_ms"]
            out.append(f"{'MET ' if ratio >= TARGET_ANSIBLE_RATIO else 'MISS'} at least "
                       f"{TARGET_ANSIBLE_RATIO:.0f}x faster than Ansible: {ratio:.0f}x")
    g1000 = by.get("generated 1000")
    if g1000:
        ok = g1000["wall_median_ms"] < TARGET_1000_MS
        out.append(f"{'MET ' if ok else 'MISS'} 1,000 steps under {TARGET_1000_MS:.0f} ms: "
                   f"{g1000['wall_median_ms']:.1f} ms")
    gens = sorted((r for r in results if r["name"].startswith("generated")), key=lambda r: r["steps"])
    if len(gens) >= 2:
        per = [(r["steps"], r["cpu_median_ms"] * 1000 / r["steps"]) for r in gens]
        text = ", ".join(f"{n}: {us:.0f} µs" for n, us in per)
        grow = per[-1][1] / per[-2][1]
        steps_grow = per[-1][0] / per[-2][0]
        ok = grow < 1.5
        out.append(f"{'MET ' if ok else 'MISS'} cost linear in steps (CPU per step {text}; "
                   f"x{grow:.1f} per step from {per[-2][0]} to {per[-1][0]} steps, x{steps_grow:.0f} steps)")
    return out


def report(results, devup_version, args, started_load):
    sys.stderr.flush()
    m = machine()
    print()
    print(f"devup no-op benchmark: {devup_version}; {m['cores']} cores ({m['cpu']}), {m['os']}, "
          f"Linux {m['kernel']}; load average {started_load[0]:.1f} at start, {m['load'][0]:.1f} at end")
    print(f"Each project converged once, then {args.warmup} warm-up runs and {args.runs} timed no-op runs "
          "of `devup --timings`. CPU: user + sys of devup and the processes it started. "
          "Of which loading: CPU of `devup env` (manifest, recipes, facts, expansion; no check). "
          "Processes: the `N processes started` of --timings, as the checks of `command` steps + "
          "other; strace execve: successful execve calls under `strace -f`, classified the same way.")
    if any(r["name"] != "activation" for r in results):
        print()
        print(table(results))
    for r in results:
        a = r.get("ansible")
        if a:
            print(f"\nAnsible ({a['version']}) on the same converged state, {a['tasks_ok']} tasks, "
                  f"`ansible-playbook -c local`, median of {a['runs']} runs: {a['wall_median_ms']:.0f} ms wall "
                  f"({a['wall_min_ms']:.0f} min), {a['cpu_median_ms']:.0f} ms CPU, {a['execve']} processes. "
                  f"devup/ansible = 1/{a['wall_median_ms'] / r['wall_median_ms']:.0f}")
    for r in results:
        if r["name"] != "reference":
            continue
        ph = r["phases"]
        print(f"\nreference: converged from a blank root in {r['converge_s']:.0f} s "
              f"({r['converge_runs']} run(s) of `devup --yes`); timed in that root, {r['network']}.")
        print(f"  phases (median wall / CPU): start+exit (`devup --version`) {ph['start']['wall_median_ms']:.1f} / "
              f"{ph['start']['cpu_median_ms']:.1f} ms; load the project (`devup env`) "
              f"{ph['load']['wall_median_ms']:.1f} / {ph['load']['cpu_median_ms']:.1f} ms; whole no-op "
              f"{r['wall_median_ms']:.1f} / {r['cpu_median_ms']:.1f} ms (devup's own total: {r['internal_median_ms']:.1f} ms)")
        srv = ", ".join(f"{k} {v:.1f} ms" for k, v in r["servers_cpu_ms"].items())
        print(f"  CPU the servers spend answering one no-op's probes: {srv}")
        print("  no-op wall median by --jobs: " + ", ".join(f"-j {j}: {ms:.1f} ms" for j, ms in r["jobs"].items()))
        print(f"  programs started (strace): {r['strace']['programs']}; "
              f"failed execve (PATH lookups of `sh`): {r['strace']['failed_execve']}")
        print("  devup --timings of the median run:")
        print("\n".join("    " + line for line in r["timings"].splitlines() if line.strip()))
    gens = [r for r in results if r["name"].startswith("generated")]
    if gens:
        print("\ngenerated projects (" + "; ".join(
            f"{r['steps']:,}: {r['mix']['files']} files, {r['mix']['dirs']} dirs, {r['mix']['deps']} deps, "
            f"{r['mix']['cmds']} commands" for r in gens) + ")")
        for r in gens:
            print(f"  {r['steps']:>5,} steps: {r['cpu_median_ms'] * 1000 / r['steps']:.0f} µs CPU per step; "
                  f"loading {r['phases']['load']['cpu_median_ms'] * 1000 / r['steps']:.0f} µs per step; "
                  f"failed execve (PATH lookups of `sh`): {r['strace']['failed_execve']}")
    act = next((r for r in results if r.get("name") == "activation"), None)
    if act:
        print(f"\nactivation hook in bash, per prompt ({act['projects']}; median of {act['samples']} "
              "prompts, min in brackets):")
        for label, text in (("outside", "outside any project (devup not started)"),
                            ("project", "in a converged project, nothing changed"),
                            ("switch", "right after `cd` into the other project")):
            print(f"  {text}: {act[label]['median_ms']:.2f} ms ({act[label]['min_ms']:.2f})")
    print()
    for line in verdicts(results):
        print(line)


def build(args):
    if args.devup:
        return args.devup.resolve()
    if not args.no_build:
        log("cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return target / "release" / "devup"


def inroot_args(argv):
    ir = argparse.ArgumentParser(prog="run.py _inroot", description="(inside the throwaway root)")
    ir.add_argument("--project", required=True)
    ir.add_argument("--runs", type=int, required=True)
    ir.add_argument("--warmup", type=int, required=True)
    ir.add_argument("--ansible", help="ansible-playbook to compare with")
    ir.add_argument("--ansible-runs", type=int, default=5)
    ir.add_argument("--ansible-warmup", type=int, default=1)
    ir.add_argument("--playbook", default=str(BENCH / "ansible" / "playbook.yml"))
    ir.add_argument("--network-state", default="?")
    ir.add_argument("--converge-seconds", type=float)
    ir.add_argument("--converge-runs", type=int)
    return ir.parse_args(argv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devup", type=Path, help="binary to measure (default: target/release/devup, built first)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build --release first")
    ap.add_argument("--runs", type=int, default=15, help="timed no-op runs per project (default 15)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    ap.add_argument("--sizes", default="100,1000,5000", help="generated project sizes, in steps")
    ap.add_argument("--no-reference", action="store_true", help="skip the reference (isolated root)")
    ap.add_argument("--no-ansible", action="store_true", help="skip the Ansible comparison")
    ap.add_argument("--no-activation", action="store_true", help="skip the activation hook's cost")
    ap.add_argument("--ansible-runs", type=int, default=5, help="timed Ansible runs (default 5)")
    ap.add_argument("--reference-timeout", type=int, default=2400, help="seconds for the isolated root")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    if sys.argv[1:2] == ["_inroot"]:
        return inroot(inroot_args(sys.argv[2:]))
    args = ap.parse_args()

    started_load = os.getloadavg()
    built = build(args)
    # A copy, so that a rebuild by someone else during the run cannot swap the binary.
    keep = Path(tempfile.mkdtemp(prefix="devup-bench-bin-"))
    devup = keep / "devup"
    shutil.copy2(built, devup)
    version = subprocess.run([str(devup), "--version"], capture_output=True, text=True).stdout.strip()
    ensure_strace()
    results = []
    try:
        if not args.no_reference:
            results.append(bench_reference(devup, args))
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            log(f"generated project of {n} steps")
            results.append(bench_generated(devup, n, args.warmup, args.runs))
        if not args.no_activation:
            log("activation hook")
            results.append({"name": "activation", **bench_activation(devup, args.warmup, args.runs)})
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    report(results, version, args, started_load)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "version": version, "results": results}, indent=2))


if __name__ == "__main__":
    main()
