"""Learner errors are one line in a real kernel; everything else keeps its traceback."""

from __future__ import annotations

import os
import re

import pytest
from jupyter_client.manager import start_new_kernel

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    home = tmp_path_factory.mktemp("kernel-home")
    env = {**os.environ, "CFTUTORIAL_HOME": str(home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


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
    parts = []
    for output in outputs:
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
