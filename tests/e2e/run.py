#!/usr/bin/env python3
"""Run devup's e2e scenarios (tests/e2e/scenarios/NAME) in throwaway roots.

Prints a table and a last line `N passed, N failed, N skipped`. Exits 0 only
when no scenario failed. When this machine cannot run the suite at all, prints
`SKIPPED: <reason>` and exits 0, or 1 with --require.
"""
import argparse
import concurrent.futures as cf
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/e2e free of __pycache__
import harness as h  # noqa: E402

CANARY = "devup-e2e-canary"  # scenarios write/run things by this name; the host must never see them


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help="scenarios to run (default: all)")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--devup", type=Path,
                    help="devup binary (default: target/release/devup, built with cargo)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run `cargo build --release` for the default binary")
    ap.add_argument("--keep-failed", action="store_true",
                    help="keep the root's changes (overlay upper dir) of failed scenarios")
    ap.add_argument("--require", action="store_true",
                    help="fail (exit 1) instead of skipping when the suite cannot run here")
    ap.add_argument("--scenarios", type=Path, default=h.E2E_DIR / "scenarios",
                    help="directory holding the scenarios")
    ap.add_argument("--logs", type=Path, default=h.REPO / "target" / "e2e-logs",
                    help="where NAME.log files go")
    return ap.parse_args()


def find_scenarios(args):
    dirs = sorted(d for d in args.scenarios.iterdir() if (d / "scenario.sh").is_file())
    if args.names:
        known = {d.name: d for d in dirs}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            sys.exit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(known)}")
        dirs = [known[n] for n in args.names]
    return dirs


def finish(rows, exit_code=None):
    """Print the table and the summary line; exit."""
    if rows:
        w = max(len("scenario"), *(len(r[0]) for r in rows))
        print(f"\n{'scenario':<{w}}  result   seconds")
        for name, o in rows:
            note = f"  {o.detail}" if o.detail and o.result != "pass" else ""
            print(f"{name:<{w}}  {o.result.upper():<7} {o.seconds:8.1f}{note}")
    n = {k: sum(1 for _, o in rows if o.result == k) for k in ("pass", "skip")}
    failed = len(rows) - n["pass"] - n["skip"]
    print(f"{n['pass']} passed, {failed} failed, {n['skip']} skipped", flush=True)
    sys.exit(exit_code if exit_code is not None else (1 if failed else 0))


def skip_all(dirs, reason, require):
    print(f"\n{'!' * 70}\nSKIPPED: {reason}\n{'!' * 70}", flush=True)
    rows = [(d.name, h.Outcome("skip", 0.0, "cannot run here")) for d in dirs]
    finish(rows, 1 if require else 0)


def systemd_base():
    """The root of systemd scenarios, built when one of them is to run:
    (path, None), or (None, the Outcome of each of them) when it cannot be had."""
    t0 = time.monotonic()
    try:
        base = h.ensure_base(h.SYSTEMD_RECIPE)
    except h.HarnessUnavailable as e:
        return None, h.Outcome("skip", 0.0, str(e), unavailable=True)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"ERROR: cannot prepare the systemd base root: {e}", flush=True)
        return None, h.Outcome("fail", 0.0, "no systemd base root")
    h.log(f"systemd base root ready in {time.monotonic() - t0:.1f}s: {base}")
    return base, None


def get_devup(args):
    """Path of the devup binary to test; builds the default one with cargo."""
    if args.devup:
        if not args.devup.is_file():
            sys.exit(f"--devup {args.devup}: no such file")
        return args.devup.resolve()
    path = h.default_devup()
    if not args.no_build or not path.exists():
        if shutil.which("cargo"):
            h.log("cargo build --release")
            r = subprocess.run(["cargo", "build", "--release", "--bin", "devup"], cwd=h.REPO)
            if r.returncode != 0:
                return None
        elif not path.exists():
            return None
    return path if path.is_file() else None


def host_check(base):
    """Things that must hold on the host after every scenario has finished."""
    problems = [f"cgroup left: {c}" for c in h.leftover_cgroups()]
    cache = str(h.cache_dir())
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mnt = line.split()[4]
        if mnt.startswith(cache):
            problems.append(f"still mounted: {mnt}")
    for p in (Path("/") / CANARY, Path("/etc") / CANARY, base / CANARY):
        if p.exists():
            problems.append(f"a scenario's file leaked to the host: {p}")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if CANARY.encode() in cmdline and int(pid) != os.getpid():
            problems.append(f"a scenario's process survived: pid {pid} {cmdline!r}")
    return problems


def tail(path, n=40):
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    | " + l for l in lines[-n:])


class Turns:
    """Who may run beside whom: a systemd scenario runs alone. Its container's processes live
    in nested namespaces and are found (and killed, when left over) through cgroups; a CI run
    once saw that cleanup take scenarios started beside it along. Other scenarios run together.
    A systemd scenario that waits goes before scenarios that have not started yet."""

    def __init__(self):
        self.cv = threading.Condition()
        self.together = 0  # scenarios running beside each other
        self.alone = False  # a systemd scenario is running
        self.waiting = 0  # systemd scenarios waiting for their turn

    @contextmanager
    def turn(self, alone):
        with self.cv:
            if alone:
                self.waiting += 1
                self.cv.wait_for(lambda: not self.alone and self.together == 0)
                self.waiting -= 1
                self.alone = True
            else:
                self.cv.wait_for(lambda: not self.alone and self.waiting == 0)
                self.together += 1
        try:
            yield
        finally:
            with self.cv:
                if alone:
                    self.alone = False
                else:
                    self.together -= 1
                self.cv.notify_all()


def main():
    args = parse_args()
    dirs = find_scenarios(args)
    if not dirs:
        sys.exit("no scenarios found")
    # Ctrl-C, SIGTERM and SIGHUP all stop the run cleanly (even when SIGINT
    # was inherited as ignored, as for `cmd &` in a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)

    rows, todo = [], []
    for d in dirs:
        try:
            todo.append(h.load_scenario(d))
        except (ValueError, OSError) as e:
            rows.append((d.name, h.Outcome("fail", 0.0, f"bad scenario: {e}")))

    t0 = time.monotonic()
    try:
        h.check_host()
        base = h.ensure_base()
    except h.HarnessUnavailable as e:
        skip_all(dirs, str(e), args.require)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"ERROR: cannot prepare the base root: {e}", flush=True)
        finish(rows + [(s.name, h.Outcome("fail", 0.0, "no base root")) for s in todo])
    h.log(f"base root ready in {time.monotonic() - t0:.1f}s: {base}")
    bases, no_base = {False: base}, {}
    wanted = [s for s in todo if s.systemd and not s.known_bug]
    if wanted and not h.systemd_unavailable():
        bases[True], why = systemd_base()
        no_base.update((s.name, why) for s in wanted if why)

    devup = get_devup(args)
    if devup is None:
        print("ERROR: no devup binary (cargo build --release failed?)", flush=True)
        finish(rows + [(s.name, h.Outcome("fail", 0.0, "no devup binary")) for s in todo])

    args.logs.mkdir(parents=True, exist_ok=True)
    logs = args.logs.resolve()

    turns = Turns()

    def one(sc):
        log = logs / f"{sc.name}.log"
        keep = logs / f"{sc.name}.kept" if args.keep_failed else None
        if keep:
            shutil.rmtree(keep, ignore_errors=True)
        o = no_base.get(sc.name)
        if o is None:
            with turns.turn(alone=sc.systemd):
                o = h.run_scenario(sc, bases.get(sc.systemd), devup, log, keep)
        if o.unavailable and args.require:
            o = h.Outcome("fail", o.seconds, f"cannot run here (--require): {o.detail}")
        print(f"  {o.result.upper():<7} {sc.name} ({o.seconds:.1f}s) log: {log}", flush=True)
        return sc, o

    pool = cf.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    futures = [pool.submit(one, sc) for sc in todo]
    interrupted = False
    try:
        for f in cf.as_completed(futures):
            sc, o = f.result()
            rows.append((sc.name, o))
    except KeyboardInterrupt:
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("\ninterrupted: killing every scenario namespace...", flush=True)
        h.kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        done = {r[0] for r in rows}
        for sc, f in zip(todo, futures):
            if sc.name in done:
                continue
            if f.done() and not f.cancelled():
                rows.append((sc.name, f.result()[1]))
            else:
                rows.append((sc.name, h.Outcome("skip", 0.0, "interrupted before start")))
    pool.shutdown(wait=True)

    order = {d.name: i for i, d in enumerate(dirs)}
    rows.sort(key=lambda r: order[r[0]])
    for name, o in rows:
        if o.result not in ("pass", "skip"):
            log = logs / f"{name}.log"
            print(f"\n--- {name}: {o.result.upper()} {o.detail}; last lines of {log}:")
            print(tail(log))
    problems = host_check(base)
    if problems:
        print("\nHOST CHECK FAILED:\n  " + "\n  ".join(problems))
        rows.append(("(host check)", h.Outcome("fail", 0.0, "; ".join(problems))))
    finish(rows, 130 if interrupted else None)


if __name__ == "__main__":
    main()
