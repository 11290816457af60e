#!/usr/bin/env python3
"""Executes a Dockerfile's instructions on this machine's root, in order, the way `docker build`
would in a container started from that root. For the e2e suite, which has no Docker engine: the
throwaway Debian 12 root of a scenario is what a `FROM debian:12` image is.

    python3 dockerfile.py build --context DIR --from IMAGE [--record FILE] DOCKERFILE
    python3 dockerfile.py test        # its own tests

Only the forms devup's generator emits are understood; any other instruction, flag or form is
refused (exit 2) rather than skipped, so that a Dockerfile that builds here builds the same way
under docker. What it does, as docker does:

- `FROM IMAGE`: must be IMAGE (`--from`); the image is this root itself. One stage only.
- `ARG NAME[=DEFAULT]`, `ENV KEY=VALUE...` (and `ENV KEY VALUE`): words are read like docker
  reads them (quotes, backslashes, `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`).
- `WORKDIR DIR`: relative to the previous one; created when missing.
- `COPY SRC... DEST` and `COPY ["SRC", ..., "DEST"]`: sources from the build context, without
  what its `.dockerignore` excludes; a directory copies its contents; several sources need a DEST
  ending in `/`; a file to DEST ending in `/` (or an existing directory) keeps its name; a
  relative DEST is under WORKDIR; missing directories are made; files are owned by root, modes
  and mtimes kept. No flags (`--chown`, `--from`...), no wildcards.
- `RUN CMD` (`/bin/sh -c CMD`), `RUN ["EXE", "ARG"...]`, and `RUN <<DELIM` alone on its line with
  a here-document (its text run by `/bin/sh -c`, as BuildKit does): in WORKDIR, with only the
  image's environment (PATH, HOME) plus ENV and ARG so far, stdin from /dev/null, as USER.
- `USER NAME`: later RUNs run as that account (through `runuser`).

`--record FILE` writes what was executed as JSON (image, final WORKDIR, ENV, USER, each
instruction) for checks on what a devcontainer.json expects of the image.
"""

import argparse
import fnmatch
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

# The environment of debian:12's image config; docker adds HOME for the user.
IMAGE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
KNOWN = ("FROM", "ARG", "ENV", "WORKDIR", "COPY", "RUN", "USER")


class Refused(Exception):
    """A Dockerfile this interpreter does not understand, or that docker would refuse."""


class Failed(Exception):
    """An instruction ran and failed, as `docker build` would fail."""


# --- parsing ------------------------------------------------------------------------------------


def parse(text):
    """The instructions of a Dockerfile: a list of (line number, INSTRUCTION, arguments, heredoc
    text or None)."""
    lines = text.split("\n")
    out = []
    i = 0
    directives_open = True
    while i < len(lines):
        line = lines[i]
        number = i + 1
        i += 1
        stripped = line.strip()
        if not stripped:
            directives_open = False
            continue
        if stripped.startswith("#"):
            if directives_open:
                body = stripped[1:].strip()
                key, _, value = body.partition("=")
                key = key.strip().lower()
                if "=" in body and key == "escape" and value.strip() != "\\":
                    raise Refused(f"line {number}: escape={value.strip()} (only \\ is understood)")
                if "=" in body and key not in ("syntax", "escape", "check"):
                    directives_open = False
            continue
        directives_open = False
        # Line continuations: a trailing backslash joins the next line; comment lines inside are
        # dropped, as docker does.
        while stripped.endswith("\\"):
            stripped = stripped[:-1]
            while i < len(lines) and lines[i].strip().startswith("#"):
                i += 1
            if i >= len(lines):
                break
            stripped += " " + lines[i].strip()
            i += 1
        word, _, rest = stripped.partition(" ")
        instruction = word.upper()
        rest = rest.strip()
        if instruction not in KNOWN:
            raise Refused(f"line {number}: {word} is not an instruction this interpreter runs")
        heredoc = None
        if "<<" in rest and instruction in ("RUN", "COPY"):
            if instruction != "RUN":
                raise Refused(f"line {number}: COPY with a here-document is not understood")
            delimiter, chomp = heredoc_delimiter(rest, number)
            body = []
            while True:
                if i >= len(lines):
                    raise Refused(f"line {number}: the here-document {delimiter} never ends")
                current = lines[i]
                i += 1
                if chomp:
                    current = current.lstrip("\t")
                if current == delimiter:
                    break
                body.append(current)
            heredoc = "\n".join(body) + "\n"
        out.append((number, instruction, rest, heredoc))
    return out


def heredoc_delimiter(rest, number):
    """`<<EOF`, `<<'EOF'`, `<<"EOF"` or `<<-EOF` as RUN's only argument: (delimiter, chomp)."""
    text = rest[2:]
    chomp = text.startswith("-")
    if chomp:
        text = text[1:]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if not rest.startswith("<<") or not text or not all(c.isalnum() or c == "_" for c in text):
        raise Refused(f"line {number}: only `RUN <<DELIM` alone on its line is understood, not: RUN {rest}")
    return text, chomp


def words(text, env, number):
    """Docker's reading of a line into words: whitespace splits; quotes group; `\\` escapes;
    variables expand (not inside single quotes)."""
    out = []
    current = []
    started = False
    i = 0
    while i < len(text):
        c = text[i]
        if c in " \t\n":
            if started:
                out.append("".join(current))
                current, started = [], False
            i += 1
            continue
        started = True
        if c == "\\" and i + 1 < len(text):
            current.append(text[i + 1])
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise Refused(f"line {number}: unterminated single quote")
            current.append(text[i + 1 : end])
            i = end + 1
        elif c == '"':
            i += 1
            while True:
                if i >= len(text):
                    raise Refused(f"line {number}: unterminated double quote")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$':
                    current.append(text[i + 1])
                    i += 2
                elif c == "$":
                    value, i = variable(text, i, env, number)
                    current.append(value)
                else:
                    current.append(c)
                    i += 1
        elif c == "$":
            value, i = variable(text, i, env, number)
            current.append(value)
        else:
            current.append(c)
            i += 1
    if started:
        out.append("".join(current))
    return out


def variable(text, i, env, number):
    """The value of `$NAME` or `${NAME...}` at text[i]; and where reading goes on."""
    if i + 1 < len(text) and text[i + 1] == "{":
        end = text.find("}", i)
        if end < 0:
            raise Refused(f"line {number}: unterminated ${{")
        inner = text[i + 2 : end]
        for op in (":-", ":+"):
            if op in inner:
                name, word = inner.split(op, 1)
                value = env.get(name, "")
                if op == ":-":
                    return (value if value else word), end + 1
                return (word if value else ""), end + 1
        if not inner or not all(ch.isalnum() or ch == "_" for ch in inner):
            raise Refused(f"line {number}: ${{{inner}}} is not understood")
        return env.get(inner, ""), end + 1
    j = i + 1
    while j < len(text) and (text[j].isalnum() or text[j] == "_"):
        j += 1
    if j == i + 1:
        return "$", j
    return env.get(text[i + 1 : j], ""), j


def json_form(rest):
    """The JSON (exec) form of an instruction's arguments, or None for the shell form."""
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None  # docker reads a malformed JSON array as the shell form
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


# --- running ------------------------------------------------------------------------------------


class Builder:
    """Runs instructions on `root` (the image's /). Outside tests, root is "/" and RUN runs
    here; with another root (tests) RUN runs on this machine, in root's WORKDIR."""

    def __init__(self, context, expected_from, root="/", log=print):
        self.context = os.path.realpath(context)
        self.expected_from = expected_from
        self.root = root
        self.log = log
        self.env = {}
        self.args = {}
        self.workdir = "/"
        self.user = "root"
        self.image = None
        self.record = []
        self.ignore = read_dockerignore(self.context)

    def here(self, path):
        """A path of the image, on this machine."""
        return os.path.join(self.root, path.lstrip("/")) if self.root != "/" else path

    def variables(self):
        merged = dict(self.args)
        merged.update(self.env)
        return merged

    def build(self, text):
        instructions = parse(text)
        if not instructions or instructions[0][1] not in ("FROM", "ARG"):
            raise Refused("a Dockerfile starts with FROM")
        total = len(instructions)
        for n, (number, instruction, rest, heredoc) in enumerate(instructions, 1):
            shown = rest if heredoc is None else f"{rest} ({len(heredoc.splitlines())} lines)"
            self.log(f"Step {n}/{total} : {instruction} {shown}")
            started = time.monotonic()
            if instruction != "FROM" and self.image is None and instruction != "ARG":
                raise Refused(f"line {number}: {instruction} before FROM")
            getattr(self, "do_" + instruction.lower())(rest, heredoc, number)
            self.record.append({"line": number, "instruction": instruction, "arguments": rest,
                                "seconds": round(time.monotonic() - started, 2)})
        if self.image is None:
            raise Refused("no FROM")

    def do_from(self, rest, heredoc, number):
        if self.image is not None:
            raise Refused(f"line {number}: a second FROM (one stage only)")
        parts = words(rest, self.args, number)
        if len(parts) != 1 or parts[0].startswith("--"):
            raise Refused(f"line {number}: only `FROM IMAGE` is understood, not FROM {rest}")
        if parts[0] != self.expected_from:
            raise Failed(f"line {number}: FROM {parts[0]}, expected {self.expected_from}")
        self.image = parts[0]
        self.env = dict(IMAGE_ENV)

    def do_arg(self, rest, heredoc, number):
        for word in words(rest, self.variables(), number):
            name, eq, default = word.partition("=")
            if not name.replace("_", "a").isalnum():
                raise Refused(f"line {number}: ARG {word}")
            self.args[name] = default if eq else self.args.get(name, "")

    def do_env(self, rest, heredoc, number):
        env = self.variables()
        first, _, after = rest.partition(" ")
        if "=" not in first:  # legacy `ENV KEY VALUE`
            self.env[first] = " ".join(words(after, env, number))
            return
        for word in words(rest, env, number):
            key, eq, value = word.partition("=")
            if not eq or not key:
                raise Refused(f"line {number}: ENV {word} is not KEY=VALUE")
            self.env[key] = value

    def do_workdir(self, rest, heredoc, number):
        parts = words(rest, self.variables(), number)
        if len(parts) != 1:
            raise Refused(f"line {number}: WORKDIR takes one path")
        self.workdir = os.path.normpath(os.path.join(self.workdir, parts[0]))
        os.makedirs(self.here(self.workdir), exist_ok=True)

    def do_user(self, rest, heredoc, number):
        parts = words(rest, self.variables(), number)
        if len(parts) != 1 or ":" in parts[0]:
            raise Refused(f"line {number}: only `USER NAME` is understood")
        self.user = parts[0]

    def do_copy(self, rest, heredoc, number):
        parts = json_form(rest)
        if parts is None:
            parts = words(rest, self.variables(), number)
        else:
            parts = [" ".join(words(p, self.variables(), number)) if "$" in p else p for p in parts]
        if any(p.startswith("--") for p in parts):
            raise Refused(f"line {number}: COPY flags are not understood: COPY {rest}")
        if len(parts) < 2:
            raise Refused(f"line {number}: COPY needs a source and a destination")
        sources, dest = parts[:-1], parts[-1]
        if len(sources) > 1 and not dest.endswith("/"):
            raise Failed(f"line {number}: with more than one source, the destination must end with /")
        to_dir = dest.endswith("/")
        dest = os.path.normpath(os.path.join(self.workdir, dest))
        for source in sources:
            if any(c in source for c in "*?["):
                raise Refused(f"line {number}: wildcards in COPY sources are not understood")
            rel = os.path.normpath(source.lstrip("/")) if source not in ("/", "") else "."
            if rel == ".." or rel.startswith("../"):
                raise Failed(f"line {number}: {source} is outside the build context")
            path = os.path.join(self.context, rel)
            if rel != "." and self.ignored(rel):
                raise Failed(f"line {number}: {source} is excluded by .dockerignore")
            if os.path.isdir(path):
                self.copy_tree(path, rel, dest)
            elif os.path.exists(path):
                target = dest
                if to_dir or os.path.isdir(self.here(dest)):
                    target = os.path.join(dest, os.path.basename(rel))
                self.copy_file(path, target, follow=True)
            else:
                raise Failed(f"line {number}: {source} is not in the build context")

    def ignored(self, rel):
        parts = rel.split("/")
        prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        return any(fnmatch.fnmatchcase(p, pattern) for pattern in self.ignore for p in prefixes)

    def copy_tree(self, path, rel, dest):
        os.makedirs(self.here(dest), exist_ok=True)
        for name in sorted(os.listdir(path)):
            child_rel = name if rel == "." else f"{rel}/{name}"
            if self.ignored(child_rel):
                continue
            child = os.path.join(path, name)
            target = os.path.join(dest, name)
            if os.path.isdir(child) and not os.path.islink(child):
                os.makedirs(self.here(target), exist_ok=True)
                shutil.copystat(child, self.here(target))
                self.own(target)
                self.copy_tree(child, child_rel, target)
            else:
                self.copy_file(child, target, follow=False)

    def copy_file(self, path, target, follow):
        here = self.here(target)
        os.makedirs(os.path.dirname(here), exist_ok=True)
        if os.path.lexists(here) and not os.path.isdir(here):
            os.unlink(here)
        if os.path.islink(path) and not follow:
            os.symlink(os.readlink(path), here)
        else:
            shutil.copy2(path, here)
        self.own(target)

    def own(self, target):
        if os.geteuid() == 0:
            os.lchown(self.here(target), 0, 0)

    def do_run(self, rest, heredoc, number):
        if heredoc is not None:
            if heredoc.startswith("#!"):
                raise Refused(f"line {number}: a here-document with #! is not understood")
            argv = ["/bin/sh", "-c", heredoc]
        else:
            exec_form = json_form(rest)
            if exec_form is not None:
                argv = exec_form
            elif rest.startswith("--"):
                raise Refused(f"line {number}: RUN flags are not understood: RUN {rest}")
            else:
                argv = ["/bin/sh", "-c", rest]
        env = dict(self.args)
        env.update(self.env)
        if "HOME" not in env:
            try:
                env["HOME"] = pwd.getpwnam(self.user).pw_dir
            except KeyError:
                env["HOME"] = "/"
        if self.user != "root":
            argv = ["runuser", "-u", self.user, "--"] + argv
        cwd = self.here(self.workdir)
        os.makedirs(cwd, exist_ok=True)
        code = subprocess.call(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        if code != 0:
            raise Failed(f"line {number}: RUN exited with code {code}")

    def summary(self):
        return {"from": self.image, "workdir": self.workdir, "env": self.env, "user": self.user,
                "context": self.context, "instructions": self.record}


def read_dockerignore(context):
    path = os.path.join(context, ".dockerignore")
    patterns = []
    if not os.path.exists(path):
        return patterns
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("!") or "**" in line:
                raise Refused(f".dockerignore: {line} is not understood")
            patterns.append(os.path.normpath(line.lstrip("/")))
    return patterns


# --- tests --------------------------------------------------------------------------------------


class Tests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.context = os.path.join(self.tmp.name, "context")
        self.root = os.path.join(self.tmp.name, "root")
        os.makedirs(os.path.join(self.context, "web"))
        os.makedirs(self.root)
        for rel, text in {"a.txt": "a\n", "lock": "l\n", "web/package.json": "{}\n"}.items():
            with open(os.path.join(self.context, rel), "w") as f:
                f.write(text)
        self.lines = []

    def tearDown(self):
        self.tmp.cleanup()

    def build(self, text):
        b = Builder(self.context, "debian:12", root=self.root, log=self.lines.append)
        b.build(text)
        return b

    def read(self, path):
        with open(os.path.join(self.root, path.lstrip("/"))) as f:
            return f.read()

    def test_instructions_in_order_with_env_and_workdir(self):
        b = self.build(
            "# syntax=docker/dockerfile:1\n# a comment\nFROM debian:12\n\nWORKDIR /workspace\n"
            'ENV A="x \\$y" B=$A-2\nENV C "two words"\n'
            "RUN printf '%s|%s|%s|%s' \"$A\" \"$B\" \"$C\" \"$(pwd)\" > out\n"
        )
        # As docker: B sees A as it was before this ENV (unset).
        self.assertEqual(self.read("/workspace/out"), "x $y|-2|two words|" + os.path.join(self.root, "workspace"))
        self.assertEqual(b.workdir, "/workspace")
        self.assertEqual(b.env["PATH"], IMAGE_ENV["PATH"])
        self.assertEqual([r["instruction"] for r in b.record], ["FROM", "WORKDIR", "ENV", "ENV", "RUN"])

    def test_run_sees_only_the_image_environment(self):
        os.environ["DOCKERFILE_PY_LEAK"] = "1"
        try:
            self.build("FROM debian:12\nWORKDIR /w\nRUN env > env.txt\n")
        finally:
            del os.environ["DOCKERFILE_PY_LEAK"]
        names = sorted(line.split("=")[0] for line in self.read("/w/env.txt").splitlines())
        self.assertNotIn("DOCKERFILE_PY_LEAK", names)
        self.assertIn("PATH", names)
        self.assertIn("HOME", names)

    def test_copy_forms(self):
        self.build(
            'FROM debian:12\nWORKDIR /workspace\nCOPY ["lock", "/workspace/lock"]\n'
            'COPY ["web/package.json", "/workspace/web/package.json"]\nCOPY a.txt lock sub/\n'
            "COPY . .\nWORKDIR /elsewhere\nCOPY web /workspace/copied\n"
        )
        self.assertEqual(self.read("/workspace/lock"), "l\n")
        self.assertEqual(self.read("/workspace/web/package.json"), "{}\n")
        self.assertEqual(self.read("/workspace/sub/a.txt"), "a\n")
        self.assertEqual(self.read("/workspace/sub/lock"), "l\n")
        self.assertEqual(self.read("/workspace/a.txt"), "a\n")  # the contents of ., not the dir
        self.assertEqual(self.read("/workspace/copied/package.json"), "{}\n")

    def test_dockerignore_is_honoured(self):
        with open(os.path.join(self.context, ".dockerignore"), "w") as f:
            f.write("# built here\nweb\n*.txt\n")
        self.build("FROM debian:12\nWORKDIR /w\nCOPY . .\n")
        self.assertFalse(os.path.exists(os.path.join(self.root, "w/web")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "w/a.txt")))
        self.assertTrue(os.path.exists(os.path.join(self.root, "w/lock")))

    def test_heredoc_run_is_the_shell_s_script(self):
        self.build(
            "FROM debian:12\nWORKDIR /w\nRUN <<'EOF'\nset -eu\nf() {\nprintf '%s\\n' \"$1\"\n}\n"
            "f 'it is $HOME, literally' > out\nEOF\nRUN test \"$(cat out)\" = 'it is $HOME, literally'\n"
        )
        with self.assertRaises(Failed):
            self.build("FROM debian:12\nRUN <<EOF\nset -e\nfalse\ntrue\nEOF\n")

    def test_continuations_and_failures(self):
        self.build("FROM debian:12\nWORKDIR /w\nRUN echo a \\\n    && echo b > out\n")
        self.assertEqual(self.read("/w/out"), "b\n")
        with self.assertRaises(Failed):
            self.build("FROM debian:12\nRUN exit 3\n")
        with self.assertRaises(Failed):
            self.build("FROM ubuntu:24.04\n")
        with self.assertRaises(Failed):
            self.build("FROM debian:12\nCOPY missing /x\n")
        with self.assertRaises(Failed):
            self.build("FROM debian:12\nCOPY ../a /x\n")

    def test_what_is_not_understood_is_refused(self):
        for text in (
            "FROM debian:12\nEXPOSE 80\n",
            "FROM debian:12\nCMD [\"sh\"]\n",
            "FROM debian:12 AS base\n",
            "FROM debian:12\nFROM debian:12\n",
            "FROM debian:12\nCOPY --chown=1 a.txt /x\n",
            "FROM debian:12\nCOPY *.txt /x/\n",
            "FROM debian:12\nRUN --mount=type=cache,target=/x true\n",
            "FROM debian:12\nRUN python3 <<EOF\nprint(1)\nEOF\n",
            "FROM debian:12\nCOPY <<EOF /x\nhi\nEOF\n",
            "RUN true\n",
        ):
            with self.assertRaises(Refused, msg=text):
                self.build(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="execute a Dockerfile on this root")
    build.add_argument("dockerfile")
    build.add_argument("--context", required=True, help="the build context (the project directory)")
    build.add_argument("--from", dest="image", required=True, help="the image FROM must name: this root")
    build.add_argument("--record", help="write what was executed, as JSON, to this file")
    sub.add_parser("test", help="run this interpreter's own tests")
    options = parser.parse_args()
    if options.command == "test":
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        return 0 if result.wasSuccessful() else 1
    with open(options.dockerfile) as f:
        text = f.read()
    builder = Builder(options.context, options.image, log=lambda line: print(line, flush=True))
    try:
        builder.build(text)
    except Refused as e:
        print(f"dockerfile.py: not understood: {e}", file=sys.stderr)
        return 2
    except Failed as e:
        print(f"dockerfile.py: the build failed: {e}", file=sys.stderr)
        return 1
    finally:
        if options.record:
            with open(options.record, "w") as f:
                json.dump(builder.summary(), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
