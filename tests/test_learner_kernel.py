"""What a learner meets in a notebook's kernel (issue 26): the kernel the project starts, forms
under Run All, a deployment bar that finished early, an interrupted wait, a refused number.

Every test drives a real kernel started from the project's kernel spec
(:mod:`cftutorial.tutorial.kernel`, what ``make lab`` and ``cftutorial lab`` give JupyterLab)
and reads the messages a frontend would show.
"""

from __future__ import annotations

import os
import queue
import re
import time
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from test_learner_errors import ANSI, cell_starting, code_cells, text_of

from cftutorial.tutorial import kernel

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def start(home: Path) -> tuple[KernelManager, object]:
    """A kernel as the project starts it: "python3" found through the project's JUPYTER_PATH
    (this test session's environment is made with the same function, tests/conftest.py)."""
    env = kernel.environment({**os.environ, "CFTUTORIAL_HOME": str(home)})
    assert os.environ["JUPYTER_PATH"] == env["JUPYTER_PATH"]
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(NOTEBOOKS))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=90)
    return manager, client


@pytest.fixture
def project_kernel(tmp_path):
    manager, client = start(tmp_path)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def messages(client, code: str, *, interrupt_after: float | None = None, manager=None) -> list:
    """Every iopub message of one execution (what a frontend receives), until the kernel is idle."""
    msg_id = client.execute(code)
    found, asked = [], time.monotonic()
    while True:
        if interrupt_after is not None and time.monotonic() - asked > interrupt_after:
            manager.interrupt_kernel()
            interrupt_after = None
        try:
            message = client.get_iopub_msg(timeout=1)
        except queue.Empty:  # nothing yet: keep waiting
            assert time.monotonic() - asked < 120, f"no end to {code[:60]!r}"
            continue
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return found
        found.append(message)


def shown(found: list) -> str:
    """The text outputs and errors of ``messages`` as a reader sees them."""
    outputs = [
        {"type": m["msg_type"], **m["content"]}
        for m in found
        if m["msg_type"] in ("stream", "error", "execute_result", "display_data")
    ]
    return text_of(outputs)


def errors(found: list) -> list[dict]:
    return [m["content"] for m in found if m["msg_type"] == "error"]


def run_ok(client, code: str) -> list:
    found = messages(client, code)
    assert not errors(found), shown(found)
    return found


def first_cells(prefix: str, upto: str) -> list[str]:
    """Notebook ``prefix``'s code cells before the one starting ``upto`` (no diagram)."""
    cells = code_cells(prefix)
    end = next(i for i, source in enumerate(cells) if source.startswith(upto))
    return [source for source in cells[:end] if "diagram.flow" not in source]


# --- item 8: the restart hint from the kernel's start, and "failed" told from "not run" ------


def test_the_project_kernel_is_the_tutorials_kernel_spec(project_kernel):
    manager, client = project_kernel
    assert Path(manager.kernel_spec.resource_dir) == kernel.DATA_DIR / "kernels" / "python3"
    assert "--ext=cftutorial.tutorial.ipython" in manager.kernel_spec.argv
    found = run_ok(client, "print(sorted(c.__name__ for c in get_ipython().custom_exceptions))")
    assert "WaitInterrupted" in shown(found) and "NameError" in shown(found)
    assert "cftutorial" not in shown(run_ok(client, "print(sorted(globals()))")), (
        "the extension imported names into the learner's namespace"
    )


def test_after_a_restart_a_later_cell_answers_with_the_one_line_hint(project_kernel):
    """Notebook 06's key-pair cell imports nothing: before, a bare NameError traceback."""
    manager, client = project_kernel
    for source in first_cells("06", "form = forms."):
        run_ok(client, source)
    manager.restart_kernel(now=True)
    client.wait_for_ready(timeout=90)
    found = messages(client, cell_starting("06", "values = form.values()"))
    text = shown(found)
    assert [e["ename"] for e in errors(found)] == ["NameError"]
    assert "NameError: name 'form' is not defined" in text
    assert "run the notebook from the top" in text and "Run All Cells" in text
    assert "Traceback" not in text and len(errors(found)[0]["traceback"]) == 1


def test_a_cell_after_a_failed_one_says_it_failed_not_that_it_has_not_run(project_kernel):
    """01: a bad bucket name fails the lookup cell; the create cell then needs ``found``."""
    _manager, client = project_kernel
    for source in first_cells("01", "from cftutorial.aws import buckets, clients"):
        run_ok(client, source)
    run_ok(client, "form.set(bucket_name='My_Videos')")
    lookup = messages(client, cell_starting("01", "from cftutorial.aws import buckets, clients"))
    assert [e["ename"] for e in errors(lookup)] == ["BucketNameError"]
    count = next(
        m["content"]["execution_count"] for m in lookup if m["msg_type"] == "execute_input"
    )
    create = shown(messages(client, cell_starting("01", "if found is None:")))
    assert "NameError: name 'found' is not defined" in create
    assert f"cell [{count}], which defines it, ran and failed (BucketNameError:" in create
    assert "fix what it says and run that cell again" in create
    assert "has not run" not in create and "from the top" not in create
    assert "Traceback" not in create


# --- item 7: Run All keeps what was typed into a form, and says so --------------------------


def test_run_all_keeps_a_value_typed_into_the_form_and_says_so(project_kernel):
    _manager, client = project_kernel
    cells = code_cells("01")
    parameters = next(c for c in cells if 'run_name = "default"' in c)
    form_cell = cell_starting("01", "form = forms.")
    imports = cells[0]
    for source in (imports, parameters, form_cell):
        run_ok(client, source)
    run_ok(client, "form.set(run_name='second')")  # what typing into the field does
    for source in (imports, parameters, form_cell):  # Run All: the form is built again
        found = run_ok(client, source)
    bundle = next(
        m["content"]["data"] for m in found if m["msg_type"] in ("execute_result", "display_data")
    )
    assert "Kept what you typed" in bundle["text/html"]
    assert (
        "<b>run name</b> = &#x27;second&#x27; (the parameters cell says &#x27;default&#x27;)"
        in (bundle["text/html"])
    )
    assert "run name: second" in bundle["text/plain"]
    said = shown(run_ok(client, "print(form.values()['run_name'])"))
    assert said.strip() == "second"
    # the parameters cell changed since: what was typed last (there) wins
    run_ok(client, parameters.replace('run_name = "default"', 'run_name = "third"'))
    run_ok(client, form_cell)
    assert shown(run_ok(client, "print(form.values()['run_name'])")).strip() == "third"


# --- item 12: a number out of range is refused, not turned into another one ------------------


def test_an_expiry_of_minus_60_is_one_line_naming_the_value_and_the_range(project_kernel):
    _manager, client = project_kernel
    run_ok(client, "from cftutorial.tutorial import forms")
    run_ok(client, "form = forms.signing_form(expires_in=300).set(expires_in=-60)")
    assert shown(run_ok(client, "print(form.fields['expires_in'].value)")).strip() == "-60"
    found = messages(client, "values = form.values()")
    text = shown(found)
    assert [e["ename"] for e in errors(found)] == ["FormError"]
    assert "expires in (s) = -60 is out of range: use a whole number from 1 to 604800" in text
    assert "Traceback" not in text


def test_an_expiry_in_this_very_second_is_not_shown_as_two_equal_times():
    from cftutorial.errors import PolicyError
    from cftutorial.signing import policy

    now = time.time()
    with pytest.raises(PolicyError) as refused:
        policy.check_not_past(int(now), now=int(now) + 0.4)
    message = str(refused.value)
    assert "this very second: it must be later" in message
    assert len(set(re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z", message))) == len(
        re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z", message)
    ), message
    with pytest.raises(PolicyError, match=r"is already past \(300 s ago\)"):
        policy.check_not_past(int(now) - 300, now=int(now))


# --- items 3 and 9: the deployment bar and an interrupted wait ---------------------------------

FAKE_DEPLOYMENT = """
from cftutorial.aws import distributions

class Deploying:
    '''get_distribution as CloudFront answers it: InProgress {polls} times, then Deployed.'''
    def __init__(self, polls):
        self.polls = polls
    def get_distribution(self, Id):
        self.polls -= 1
        return {{"Distribution": {{"Status": "InProgress" if self.polls >= 0 else "Deployed"}}}}

distributions.expected_deploy_seconds = lambda: {expected}  # a deployment that beats it
distributions.poll_interval = lambda: 0.05
"""


def _bar_styles(found: list) -> list[str]:
    """The ``bar_style`` values the kernel sent to the progress widget, in order."""
    return [
        m["content"]["data"]["state"]["bar_style"]
        for m in found
        if m["msg_type"] == "comm_msg" and "bar_style" in m["content"]["data"].get("state", {})
    ]


def test_a_deployment_that_beats_the_expected_time_ends_green_not_red(project_kernel):
    _manager, client = project_kernel
    run_ok(client, FAKE_DEPLOYMENT.format(polls=3, expected=30.0))
    found = run_ok(client, "waited = distributions.wait_deployed('EFAKE1', cf=Deploying(3))")
    styles = _bar_styles(found)
    assert styles and styles[-1] == "success", styles
    assert "danger" not in styles
    final = [m["content"]["data"] for m in found if m["msg_type"] == "update_display_data"]
    assert final, "the bar was not replaced by its last state"
    assert 'data-style="success"' in final[-1]["text/html"]
    assert "width:100%" in final[-1]["text/html"]
    assert re.match(r"EFAKE1 Deployed: 0\.\d s of about 30 s expected", final[-1]["text/plain"])


def test_interrupting_the_wait_is_one_line_saying_the_distribution_keeps_deploying(
    project_kernel,
):
    manager, client = project_kernel
    run_ok(client, FAKE_DEPLOYMENT.format(polls=10**6, expected=30.0))
    found = messages(
        client,
        "distributions.wait_deployed('EFAKE2', cf=Deploying(10**6))",
        interrupt_after=2.0,
        manager=manager,
    )
    (error,) = errors(found)
    text = ANSI.sub("", "\n".join(error["traceback"]))
    assert error["ename"] == "WaitInterrupted" and len(error["traceback"]) == 1, text
    assert text.startswith("Interrupted: interrupted after ")
    assert "distribution EFAKE2 keeps deploying (InProgress)" in text
    assert "run this cell (or command) again to resume waiting" in text
    assert "Traceback" not in text and "distributions.py" not in text
    assert _bar_styles(found)[-1] == "danger"  # it did stop short: red is true here


# --- a kernel without the project's spec (papermill's, Binder's): the import cell installs ------


@pytest.fixture
def plain_kernel(tmp_path, monkeypatch):
    """ipykernel's own ``python3`` spec, as papermill or a JupyterHub may start it: no extension."""
    others = [
        part
        for part in os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
        if part and Path(part) != kernel.DATA_DIR
    ]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(others))
    manager = KernelManager(kernel_name="python3")
    assert f"--ext={kernel.EXTENSION}" not in manager.kernel_spec.argv, manager.kernel_spec.argv
    manager.start_kernel(env={**os.environ, "CFTUTORIAL_HOME": str(tmp_path)}, cwd=str(NOTEBOOKS))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=90)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_without_the_projects_kernel_the_import_cell_installs_the_one_line_hints(plain_kernel):
    client = plain_kernel
    custom = "print(len(get_ipython().custom_exceptions))"
    assert shown(run_ok(client, custom)).strip() == "0", "the plain kernel already had the hook"
    imports = code_cells("06")[0]
    assert "ipython.install()" in imports
    for _ in range(2):  # Run All twice: installing again shows nothing and changes nothing
        found = run_ok(client, imports)
        said = [m for m in found if m["msg_type"] in ("stream", "execute_result", "display_data")]
        assert said == [], said
    assert shown(run_ok(client, custom)).strip() == "4"
    found = messages(client, cell_starting("06", "values = form.values()"))
    text = shown(found)
    assert [e["ename"] for e in errors(found)] == ["NameError"]
    assert "run the notebook from the top" in text and "Traceback" not in text
