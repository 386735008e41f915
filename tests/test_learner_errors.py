"""Learner errors are one line in a real kernel; everything else keeps its traceback."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from cftutorial.tutorial import ipython

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _start(home: Path, **kwargs):
    env = {**os.environ, "CFTUTORIAL_HOME": str(home)}
    return start_new_kernel(kernel_name="python3", env=env, cwd=str(NOTEBOOKS), **kwargs)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    manager, client = _start(tmp_path_factory.mktemp("kernel-home"))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.fixture
def fresh_kernel(tmp_path):
    """A kernel that has run nothing: what a restart leaves."""
    manager, client = _start(tmp_path)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def code_cells(prefix: str) -> list[str]:
    """The code cells of notebook ``prefix`` (e.g. "01"), as a learner runs them."""
    path = next(NOTEBOOKS.glob(f"{prefix}-*.ipynb"))
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def cell_starting(prefix: str, text: str) -> str:
    found = [source for source in code_cells(prefix) if source.startswith(text)]
    assert len(found) == 1, f"notebook {prefix} has {len(found)} cells starting {text!r}"
    return found[0]


def run(client, code: str) -> tuple[dict, list[dict]]:
    """Execute ``code``; (the execute_reply content, the iopub outputs of that cell)."""
    msg_id = client.execute(code)
    outputs = []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "status" and message["content"]["execution_state"] == "idle":
            break
        if kind in ("stream", "error", "execute_result", "display_data"):
            outputs.append({"type": kind, **message["content"]})
    reply = client.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=60)
    return reply["content"], outputs


def text_of(outputs: list[dict]) -> str:
    """The outputs as a reader sees them: a stream message continues the same stream's previous
    one (the kernel's flush timer can split one ``print`` in two)."""
    parts = []
    for previous, output in zip([{}, *outputs[:-1]], outputs, strict=True):
        if output["type"] == "stream" and previous.get("name", "") == output["name"]:
            parts[-1] += output["text"]
        else:
            parts += [*output.get("traceback", []), output.get("text", "")]
    return ANSI.sub("", "\n".join(parts))


def test_a_bad_bucket_name_is_one_line_naming_the_rule(kernel):
    reply, outputs = run(
        kernel,
        "import cftutorial.tutorial\nfrom cftutorial.aws import buckets\n"
        "buckets.check_bucket_name('My_Videos')",
    )
    assert reply["status"] == "error", "the cell must still fail (Run All stops there)"
    errors = [o for o in outputs if o["type"] == "error"]
    assert len(errors) == 1, outputs
    shown = text_of(errors)
    assert "BucketNameError: bucket name 'My_Videos': character 'M' at position 1" in shown
    assert "only lowercase letters, digits, dots and hyphens" in shown
    assert "Traceback" not in shown and 'File "' not in shown
    assert len(errors[0]["traceback"]) == 2 and "%tb" in shown


def test_the_full_traceback_is_one_percent_tb_away(kernel):
    run(
        kernel,
        "import cftutorial.tutorial\nfrom cftutorial.aws import buckets\nbuckets.check_region('mars')",
    )
    _reply, outputs = run(kernel, "%tb")
    shown = text_of(outputs)
    assert "check_region" in shown and "RegionError" in shown


def test_an_aws_refusal_is_one_line_naming_the_operation(kernel, local_aws):
    code = (
        "import cftutorial.tutorial\nfrom cftutorial.aws import clients\n"
        "clients.client('s3').get_bucket_policy(Bucket='no-such-bucket-here')"
    )
    reply, outputs = run(
        kernel, f"import os\nos.environ['CFTUTORIAL_HOME'] = {str(local_aws.home)!r}\n{code}"
    )
    shown = text_of([o for o in outputs if o["type"] == "error"])
    assert reply["status"] == "error"
    assert "ClientError: AWS refused GetBucketPolicy: NoSuchBucket" in shown
    assert "Traceback" not in shown


def test_other_errors_keep_their_traceback(kernel):
    reply, outputs = run(kernel, "import cftutorial.tutorial\n1 / 0")
    shown = text_of(outputs)
    assert reply["status"] == "error"
    assert "ZeroDivisionError" in shown and "Traceback" in shown


def test_a_bad_bucket_name_typed_in_notebook_01s_form_is_one_line_naming_the_rule(tmp_path):
    """The learner's path: the imports, the parameters, the form, a bad name typed into it, then
    the cell that checks and looks the bucket up."""
    manager, client = _start(tmp_path)
    try:
        cells = code_cells("01")
        form_at = next(i for i, source in enumerate(cells) if source.startswith("form = forms."))
        for source in cells[: form_at + 1]:
            if "diagram.flow" in source:
                continue
            reply, outputs = run(client, source)
            assert reply["status"] == "ok", text_of(outputs)
        run(client, "form.set(bucket_name='My_Videos')")
        reply, outputs = run(
            client, cell_starting("01", "from cftutorial.aws import buckets, clients")
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["status"] == "error"
    errors = [o for o in outputs if o["type"] == "error"]
    shown = text_of(errors)
    assert len(errors) == 1 and "BucketNameError: bucket name 'My_Videos'" in shown, outputs
    assert "only lowercase letters, digits, dots and hyphens" in shown
    assert "Traceback" not in shown and 'File "' not in shown


def test_a_later_cell_run_alone_after_a_restart_says_run_from_the_top(fresh_kernel):
    """Notebook 01's lookup cell alone in a kernel that ran nothing: ``form`` is not defined."""
    reply, outputs = run(
        fresh_kernel, cell_starting("01", "from cftutorial.aws import buckets, clients")
    )
    shown = text_of([o for o in outputs if o["type"] == "error"])
    assert reply["status"] == "error"
    assert "NameError: name 'form' is not defined" in shown
    assert "run the notebook from the top" in shown
    assert "Traceback" not in shown


def test_with_the_extension_loaded_a_cell_without_imports_says_it_too(fresh_kernel):
    """Notebook 06's key-pair cell imports nothing; the kernel extension is there from the start."""
    run(fresh_kernel, "%load_ext cftutorial.tutorial.ipython")
    reply, outputs = run(fresh_kernel, cell_starting("06", "values = form.values()"))
    shown = text_of([o for o in outputs if o["type"] == "error"])
    assert reply["status"] == "error" and "run the notebook from the top" in shown, shown
    assert "Traceback" not in shown


def test_a_cell_that_needs_the_opened_run_says_run_from_the_top_after_a_restart(fresh_kernel):
    """Notebook 06's switch cell starts with the run its key-pair cell opened (``run =
    state.open_run(...)``); run alone after a restart, it is one line naming the fix."""
    run(fresh_kernel, "%load_ext cftutorial.tutorial.ipython")
    reply, outputs = run(fresh_kernel, cell_starting("06", "dist_id = run.require("))
    shown = text_of([o for o in outputs if o["type"] == "error"])
    assert reply["status"] == "error"
    assert "NameError: name 'run' is not defined" in shown, shown
    assert "run the notebook from the top" in shown and "Traceback" not in shown


def test_a_typo_keeps_its_nameerror_traceback(kernel):
    reply, outputs = run(kernel, "import cftutorial.tutorial\nrun_nmae")
    shown = text_of(outputs)
    assert reply["status"] == "error"
    assert "NameError" in shown and "run_nmae" in shown and "Traceback" in shown
    assert "from the top" not in shown


def test_the_restart_names_are_what_the_notebooks_define():
    """``NOTEBOOK_NAMES`` is every name the notebooks' cells bind: none missing, none stale."""
    import ast

    bound: set[str] = set()
    numbered = sorted({p.name[:2] for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")})
    assert numbered[:8] == [f"0{i}" for i in range(1, 9)]
    for prefix in numbered:
        for source in code_cells(prefix):
            tree = ast.parse(ipython_free(source))
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound.add(node.id)
                elif isinstance(node, ast.FunctionDef):
                    bound.add(node.name)
    bound = {name for name in bound if len(name) > 1}
    assert {"Path", "form", "values", "run_name", "diagram"} <= bound
    assert bound == ipython.NOTEBOOK_NAMES, (
        f"update cftutorial/tutorial/assets/notebook-names.txt: missing "
        f"{sorted(bound - ipython.NOTEBOOK_NAMES)}, stale {sorted(ipython.NOTEBOOK_NAMES - bound)}"
    )


def ipython_free(source: str) -> str:
    """A cell's Python (IPython magics, none in these notebooks today, commented out)."""
    return "\n".join(
        f"# {line}" if line.startswith(("%", "!")) else line for line in source.splitlines()
    )
