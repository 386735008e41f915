"""The notebook chains: each path is executed once per test session and read by many tests.

A chain runs notebooks in order, each in a fresh kernel (papermill), in a CFTUTORIAL_HOME of its
own whose local AWS the first notebook starts. It keeps every executed notebook under a key
(``"04"``, ``"04-again"``, ...) and, as *probes*, what the tests need to see of the local AWS at
a given moment; then it stops its local AWS. Tests only read: no test runs a chain's notebook
itself, so a notebook runs once however many assertions read it. The chains are built by the
session fixtures in ``conftest.py`` (``modern_chain``, ``guide_chain``, ``standin``); every test
that uses one runs in the pytest-xdist worker that built it (``conftest.py`` groups them).

Every notebook execution of the suite goes through :func:`counted`, and the suite prints the
total at the end (``pytest_terminal_summary``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from cftutorial import config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
#: The eight that mirror the 2011 guide's steps (both paths, modern and guide, run them).
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("0[1-8]-*.ipynb"))
#: Beyond the guide (issue 17): modern path only; they run after 08 (kept) and before its cleanup.
BEYOND = sorted(p for p in NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb") if p not in NOTEBOOKS)
NUMBERED = NOTEBOOKS + BEYOND
BATCH = NOTEBOOK_DIR / "batch-sign-urls.ipynb"
SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"(?i)aws_secret_access_key\s*[=:]"),
    re.compile(re.escape(config.LOCAL_SECRET_ACCESS_KEY)),
    re.compile(re.escape(config.LOCAL_ACCESS_KEY_ID)),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Seconds a local distribution stays InProgress in the chains, as a learner sees it (the rest of
#: the session waits conftest.DEPLOY_SECONDS).
DEPLOY_SECONDS = "1"


# --- counting -----------------------------------------------------------------------------------

#: One entry per notebook execution in this process: "<who> <notebook file name>".
EXECUTIONS: list[str] = []


def counted(who: str, notebook: str) -> None:
    """Note one notebook execution (the suite prints how many there were, and where)."""
    EXECUTIONS.append(f"{who} {notebook}")


# --- what a reader sees -------------------------------------------------------------------------


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    """What a reader sees in the outputs, one part per output.

    A kernel flushes stdout on a timer, so one ``print`` can arrive as two stream outputs
    ("Logging:" then " {...}"); a frontend shows them as one text, and so does this: a stream
    output continues the previous one when it is the same stream of the same cell."""
    parts = []
    for cell in notebook.cells:
        stream = None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                if stream == output.get("name"):
                    parts[-1] += output.get("text", "")
                else:
                    parts.append(output.get("text", ""))
                stream = output.get("name")
                continue
            stream = None
            if output.get("output_type") == "error":
                parts.append(f"{output.get('ename')}: {output.get('evalue')}")
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in output.get("data", {}):
                    parts.append(output["data"][kind])
    return "\n".join(parts)


def solution_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        outputs_text(nbformat.from_dict({"cells": [cell]}))
        for cell in notebook.cells
        if "solution" in cell.get("metadata", {}).get("tags", [])
    ]


def flat(html_text: str) -> str:
    """Table cells as 'a | b | c' (the notebooks show tables as HTML)."""
    return re.sub(r"(\s*\|\s*)+", " | ", re.sub(r"<[^>]+>", " | ", html_text))


def assert_no_secrets(texts: Mapping[str, str], key_lines: set[str]) -> None:
    assert key_lines, "no private key file was found to compare against"
    for key, text in texts.items():
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"notebook {key} shows {pattern.pattern!r}"
        for line in key_lines:
            assert line not in text, f"notebook {key} shows private key material"


# --- one execution --------------------------------------------------------------------------------


@dataclass
class Executed:
    """One executed notebook: the file papermill wrote, and what it shows."""

    key: str
    source: Path  # the notebook that ran
    path: Path  # what papermill wrote
    notebook: nbformat.NotebookNode
    refuses: bool = False  # the chain ran it to see it stop with one message

    @property
    def error(self) -> dict | None:
        """The error output of the cell that failed (papermill stops there), if one did."""
        for cell in self.notebook.cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    return output
        return None

    @property
    def text(self) -> str:
        return outputs_text(self.notebook)

    @property
    def refusal(self) -> str:
        """``ename: evalue`` of the error it stopped with."""
        error = self.error
        assert error is not None, f"{self.key} ran to the end; it was expected to stop"
        return f"{error['ename']}: {error['evalue']}"

    @property
    def shown(self) -> str:
        """The error output as the learner sees it (the traceback lines, without colours)."""
        error = self.error
        assert error is not None, f"{self.key} ran to the end; it was expected to stop"
        return ANSI.sub("", "\n".join(error["traceback"]))


@contextlib.contextmanager
def environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """os.environ with ``changes`` (None: removed) inside the block, as it was after it."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def own_local_aws(home: Path, deploy_seconds: str) -> Iterator[Any]:
    """A fresh local AWS in ``home`` for one test module (in place of the session's), whose
    distributions stay InProgress ``deploy_seconds``: a module that waits out many deployments
    and needs no other test's resources runs on it. Stopped after the block, and the
    environment put back."""
    from cftutorial.aws import clients
    from cftutorial.localaws import process

    changes = {"CFTUTORIAL_HOME": str(home), "CFTUTORIAL_DEPLOY_SECONDS": deploy_seconds}
    with environment(changes):
        try:
            started = process.start()
            assert started.running, started
            assert clients.client("s3").list_buckets()["Buckets"] == []  # nothing of others
            yield started
        finally:
            process.stop()


class InProcess:
    """papermill in this process; the kernel starts with ``env`` applied to os.environ."""

    label = "papermill"

    def __init__(self, env: Mapping[str, str | None]) -> None:
        self.env = dict(env)

    def execute(self, source: Path, out: Path, parameters: dict, cwd: Path) -> None:
        import papermill

        with environment(self.env), contextlib.suppress(papermill.PapermillExecutionError):
            papermill.execute_notebook(
                str(source),
                str(out),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(cwd),
                progress_bar=False,
            )  # a failed cell is in the written notebook, where the tests read it


class Installed:
    """The installed wheel's own ``papermill`` (a venv's bin), with exactly ``env``."""

    label = "installed papermill"

    def __init__(self, bin_dir: Path, env: Mapping[str, str]) -> None:
        self.bin_dir, self.env = bin_dir, dict(env)

    def execute(self, source: Path, out: Path, parameters: dict, cwd: Path) -> None:
        command = [str(self.bin_dir / "papermill"), str(source), str(out), "--cwd", str(cwd)]
        command += ["-k", "python3", "--no-progress-bar"]
        if parameters:  # JSON is YAML; without -y nothing is injected, as in a Run All
            command += ["-y", json.dumps(parameters)]
        ran = subprocess.run(
            command,
            env=self.env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert ran.returncode == 0 or out.exists(), (source.name, ran.stderr[-3000:])


# --- a chain ----------------------------------------------------------------------------------


@dataclass
class Chain:
    """Notebooks run in order in one CFTUTORIAL_HOME, kept by key, with probes of the local AWS."""

    name: str
    runner: Any
    home: Path
    out_dir: Path
    notebooks: Path = NOTEBOOK_DIR
    runs: dict[str, Executed] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    key_lines: set[str] = field(default_factory=set)

    def source(self, number: str) -> Path:
        """The notebook ``number`` ("04", "batch") in this chain's notebooks folder."""
        pattern = "batch-sign-urls.ipynb" if number == "batch" else f"{number}-*.ipynb"
        (found,) = self.notebooks.glob(pattern)
        return found

    def run(
        self,
        key: str,
        number: str,
        parameters: dict | None = None,
        *,
        refuses: bool = False,
        source: Path | None = None,
        folder: str = "",
    ) -> Executed:
        """Execute notebook ``number`` (or ``source``) with ``parameters``; keep it as ``key``."""
        assert key not in self.runs, f"{self.name}: {key} ran twice"
        path = source or self.source(number)
        out_dir = self.out_dir / folder if folder else self.out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / (path.name if folder else f"{key}-{path.name}")
        counted(f"{self.name}/{key}", path.name)
        self.runner.execute(path, out, parameters or {}, self.notebooks)
        executed = Executed(key, path, out, nbformat.read(out, as_version=4), refuses)
        self.runs[key] = executed
        self.collect_key_lines()
        return executed

    def collect_key_lines(self) -> None:
        """The lines of every private key file the run holds now (rotations delete old ones)."""
        for pem in (self.home / "keys").rglob("*private_key.pem"):  # 13's in their folder
            self.key_lines.update(
                line
                for line in pem.read_text().splitlines()
                if line and not line.startswith("-----")
            )

    def __getitem__(self, key: str) -> Executed:
        executed = self.runs.get(key)
        assert executed is not None, f"the {self.name} chain did not run {key} (see its setup)"
        if not executed.refuses and executed.error is not None:
            error = executed.error
            raise AssertionError(
                f"{self.name} chain, {key}: a cell failed: {error['ename']}: {error['evalue']}\n"
                + ANSI.sub("", "\n".join(error["traceback"]))[-3000:]
            )
        return executed

    def text(self, key: str) -> str:
        return self[key].text

    def texts(self, *keys: str) -> dict[str, str]:
        return {key: self.text(key) for key in keys}


def chain_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a chain's kernels see: its own home, free ports, the local backend, the session's
    deployment delay, a local AWS that ends with this process; nothing else of ours."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(("CFTUTORIAL_", "AWS_"))
    }
    env.update(
        CFTUTORIAL_HOME=str(home),
        CFTUTORIAL_AWS_PORT="0",
        CFTUTORIAL_EDGE_PORT="0",
        CFTUTORIAL_BACKEND="local",
        CFTUTORIAL_DEPLOY_SECONDS=DEPLOY_SECONDS,
        CFTUTORIAL_LOCAL_WATCH_PID=str(os.getpid()),
    )
    return env


def in_home(home: Path) -> contextlib.AbstractContextManager[None]:
    """This process's package code (clients, process, state) on ``home`` inside the block."""
    return environment(
        {
            "CFTUTORIAL_HOME": str(home),
            "CFTUTORIAL_BACKEND": "local",
            "CFTUTORIAL_DEPLOY_SECONDS": DEPLOY_SECONDS,
        }
    )


def cli(bin_dir: Path | None, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess:
    """``cftutorial ARGS`` (the venv's when ``bin_dir`` is given), without a terminal."""
    command = [str(bin_dir / "cftutorial")] if bin_dir else [sys.executable, "-m", "cftutorial"]
    return subprocess.run(
        [*command, *args],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def tear_down_shared(home: Path, run_name: str = "default") -> None:
    """``cftutorial teardown`` of a run a test made in its own ``home`` on a local AWS other tests
    share (the browser tests' homes point at their worker's one): the next test on that worker
    makes the same run name with its own key files, and a public key of that name left behind
    holding another key would be refused (rightly) as not the key file's public half."""
    if (home / "tutorial-state.json").exists():
        done = cli(
            None,
            "teardown",
            "--run",
            run_name,
            "--yes",
            env={**os.environ, "CFTUTORIAL_HOME": str(home)},
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


# --- the chains -------------------------------------------------------------------------------

#: The learner's Run All, in order, with the defaults (no parameters: nothing injected).
LEARNER = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "batch")
SOLUTIONS = {"run_solutions": True}
#: Notebook 01 run again with another bucket: the run moves, and 04 moves its distribution.
MOVED_BUCKET = "rerun-bucket-b"
#: Run again after 01 moved the run (fresh kernels, solutions): what a second run finds.
AGAIN = ("02", "04")


def crash_half_way(run_name: str) -> tuple[str, str]:
    """A rotation stopped after the switch, the old key still in the group: (old id, new id)."""
    from cftutorial.aws import clients, signing_keys
    from cftutorial.tutorial import state
    from cftutorial.tutorial import step10_rotation as step10

    cf = clients.client("cloudfront")
    run = state.open_run(run_name)
    rotation = step10.start(run, cf=cf)
    key_id = cf.create_public_key(PublicKeyConfig=step10.new_key_config(rotation))
    rotation = step10.with_new_key_id(rotation, key_id["PublicKey"]["Id"])
    run.save()
    signing_keys.add_to_group(rotation.key_group_id, [rotation.new.key_id], cf=cf)
    step10.adopt(rotation, cf=cf)
    run.save()
    return str(rotation.old.key_id), str(rotation.new.key_id)


def with_exercise_again(source: Path, out: Path) -> Path:
    """Notebook ``source`` with its exercise's solution cell once more at the end."""
    notebook = nbformat.read(source, as_version=4)
    solution = next(c for c in notebook.cells if "solution" in c.metadata.get("tags", []))
    notebook.cells.append(nbformat.v4.new_code_cell(solution.source))
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out)
    return out


def _distribution_view(run_name: str) -> dict:
    """The run's distribution as the API answers it, and how many distributions there are."""
    from cftutorial.aws import clients
    from cftutorial.tutorial import state

    cf = clients.client("cloudfront")
    dist_id = state.require(run_name, "distribution")["id"]
    config_ = cf.get_distribution(Id=dist_id)["Distribution"]["DistributionConfig"]
    return {
        "id": dist_id,
        "origin": config_["Origins"]["Items"][0],
        "trusted key groups": config_["DefaultCacheBehavior"]
        .get("TrustedKeyGroups", {})
        .get("Items", []),
        "distributions": len(cf.list_distributions()["DistributionList"].get("Items", [])),
    }


def audit_run(run_name: str) -> dict:
    """``cftutorial audit``'s report (as ``--json`` prints it) on the run's distribution."""
    from cftutorial.audit.distribution import audit_distribution
    from cftutorial.tutorial import state

    return audit_distribution(state.require(run_name, "distribution")["id"]).as_json()


def exercise_13(run_name: str) -> dict[str, str]:
    """Notebook 13's auto-check on three answers, against the run's practice distribution:
    the leak left as it is, a "fix" that refuses the signed link too (legacy signers), and the
    solution's fix (the key group on ``/previews/*``). Afterwards the practice is left fixed."""
    from cftutorial.aws import clients
    from cftutorial.aws.distributions import (
        trusted_key_groups,
        trusted_signers_self,
        update_config,
        wait_deployed,
    )
    from cftutorial.tutorial import exercises, state
    from cftutorial.tutorial import step13_audit as step13

    cf = clients.client("cloudfront")
    run = state.open_run(run_name)
    practice, _ = step13.open_practice(run, cf=cf)
    run.save()
    step13.add_preview_behaviour(practice, cf=cf)
    url, signed = practice.url(step13.PREVIEW), practice.signed(step13.PREVIEW)
    said = {"leak left": str(exercises.check_leak_closed(url, signed))}
    for answer, trust in (
        ("legacy signers", {"TrustedSigners": trusted_signers_self()}),
        ("key group", {"TrustedKeyGroups": trusted_key_groups(practice.key_group_id)}),
    ):

        def change(config: dict, trust: dict = trust) -> bool:
            behaviour = step13.behaviour(config, step13.PREVIEWS)
            behaviour["TrustedSigners"] = {"Enabled": False, "Quantity": 0}
            behaviour.update(trust)
            return True

        update_config(practice.distribution_id, change, cf=cf)
        wait_deployed(practice.distribution_id, progress=False, cf=cf)
        said[answer] = str(exercises.check_leak_closed(url, signed))
    return said


def run_made(run_name: str) -> dict:
    """What a run holds: its saved state's shape, what a cleanup would delete, its key files
    (test_builders.py compares the notebooks' run with the one tests/builders.py builds)."""
    import builders

    from cftutorial.tutorial import state
    from cftutorial.tutorial import step08_try_and_clean_up as step08

    return {
        "saved": builders.saved_shape(run_name),
        "resources": [row["what"] for row in step08.what_stays(state.open_run(run_name))],
        "key files": builders.key_file_names(run_name),
    }


def build_modern(chain: Chain) -> None:
    """The modern path, run "default", in this process's papermill.

    First a learner's Run All with the defaults (no parameters), 01→12 then the batch notebook,
    with ``cftutorial local stop`` / ``local start`` between 04 and 05; the book is built from
    these (``executed/learner``). Then, in fresh kernels with their solutions, the notebooks
    whose second run does something the first did not: 01 (finds its bucket), 01 with another
    bucket (moves the run), 02 and 04 (find their OAC and distribution; 04 moves the
    distribution to the other bucket), 09, 10 resumed after a rotation (from the learner's new
    key) that crashed half-way, 11 with ``put_back=True`` (over what the first 11 left live), 12
    with an ECDSA key in KMS, and last 08 with ``clean_up=True`` (it signs and fetches through
    the moved distribution first), its exercise run once more after the clean-up. After the
    learner's 13, its exercise's auto-check is tried on three answers (:func:`exercise_13`).

    Not run again here: 03, 05, 06, 07, 08 kept and 10 over a finished rotation. Their second
    run finds nothing the first did not (the learner's 06 already finds 04's key, group and
    trust; 08's kept branch is the learner's; a second whole rotation is test_rotation.py's,
    built as 10's cells do it); their solutions pass in the guide chain (local AWS), in the
    stand-in's round 1 (the modern path, aws mode) and, for 10, in the resumed run.
    """
    from cftutorial.tutorial import state

    env = chain.runner.env
    try:
        for number in LEARNER:
            if number == "05":
                chain.probes["stop"] = cli(None, "local", "stop", env=env)
                chain.probes["start"] = cli(None, "local", "start", env=env)
            chain.run(number, number, folder="learner")
            if number == "13":
                with in_home(chain.home):
                    chain.probes["exercise 13"] = exercise_13("default")
            if number == "06":
                with in_home(chain.home):
                    chain.probes["run after 06"] = run_made("default")
            if number == "08":
                with in_home(chain.home):
                    chain.probes["after 08"] = _distribution_view("default")
                    chain.probes["audit after 08"] = audit_run("default")
                    from cftutorial.aws import clients

                    listed = clients.client("s3").list_objects_v2(Bucket="cftutorial-default")
                    chain.probes["objects after 08"] = [o["Key"] for o in listed["Contents"]]
        with in_home(chain.home):
            chain.probes["run objects"] = sorted(state.require("default", "objects"))
        # what the batch notebook wrote, as it was then (the clean-up at the end may remove it)
        kept = chain.out_dir / "batch-output"
        shutil.copytree(chain.home / "batch", kept)
        chain.probes["batch output"] = kept
        chain.run("01-again", "01", SOLUTIONS)
        chain.run("01-moved", "01", {**SOLUTIONS, "bucket_name": MOVED_BUCKET})
        for number in AGAIN:
            chain.run(f"{number}-again", number, SOLUTIONS)
        with in_home(chain.home):
            chain.probes["after the move"] = _distribution_view("default")
        chain.run("09-again", "09", SOLUTIONS)
        with in_home(chain.home):
            chain.probes["crashed rotation"] = crash_half_way("default")
        chain.run("10-resumed", "10", SOLUTIONS)
        chain.run("11-again", "11", {**SOLUTIONS, "put_back": True})
        chain.run("12-again", "12", {**SOLUTIONS, "key_type": "ecdsa", "measure_urls": 5})
        last = with_exercise_again(chain.source("08"), chain.out_dir / "source" / "08.ipynb")
        chain.run("08-clean", "08", {**SOLUTIONS, "clean_up": True}, source=last)
        chain.probes["pem files left"] = sorted(p.name for p in (chain.home / "keys").glob("*.pem"))
    finally:
        chain.probes["final stop"] = cli(None, "local", "stop", env=env)


def kill_9(home: Path) -> int:
    """What a crash does to the home's local AWS: SIGKILL, no chance to write anything."""
    import signal
    import time

    from cftutorial.localaws import process

    with in_home(home):
        pid = process.status().pid
        assert pid, "the local AWS was not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while process.status().running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process.status().running
    return pid


GUIDE = {"approach": "guide", "run_name": "guide", **SOLUTIONS}


def build_guide(chain: Chain, bin_dir: Path | None = None) -> None:
    """The guide path, run "guide": 01-04, a kill -9, 05-06, a kill -9, 07, 09 (it refuses the
    guide path with one message), then 08 with ``clean_up=True`` (it tries every URL and cookie
    before it deletes). After each kill, ``cftutorial local start`` (``bin_dir``'s, when the
    chain runs an installed wheel) restores the saved state. 08 with its defaults (kept) is the
    modern chain's: the branch is the same on both paths. 10-12 refuse at the same place with
    the same handler: the tests hold them on the run saved after 07 (tests/refusals.py)."""
    from cftutorial.aws import account_keys
    from cftutorial.tutorial import state

    env = chain.runner.env
    try:
        for number in ("01", "02", "03", "04", "05", "06", "07"):
            if number in ("05", "07"):
                kill_9(chain.home)
                chain.probes[f"start before {number}"] = cli(bin_dir, "local", "start", env=env)
            chain.run(number, number, GUIDE)
        with in_home(chain.home):
            chain.probes["after 07"] = _distribution_view("guide")
            chain.probes["account key pairs"] = [
                k["KeyPairId"] for k in account_keys.list_account_key_pairs()
            ]
            chain.probes["saved run after 07"] = state.load("guide")
        chain.run("09-refusal", "09", GUIDE, refuses=True)
        chain.run("08", "08", {**GUIDE, "clean_up": True})
    finally:
        chain.probes["final stop"] = cli(bin_dir, "local", "stop", env=env)
