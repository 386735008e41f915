"""What the notebooks print for a learner (issue 26): notebook 09's cases and tables, the message
naming the whole chain to run first, the batch report's words, the reset's key files, and the
notebook texts (what is next, what is local, where the flow diagram is).

The run-level tests use the step functions the notebooks call; assertions on executed notebooks
live in helpers that take an executed nbformat notebook (``assert_*``), so a shared run of the
notebooks can call them too.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from test_cleanup import _full_run

from cftutorial.aws import clients
from cftutorial.batch import notebook as batch_notebook
from cftutorial.batch.run import BatchResult
from cftutorial.errors import StateError
from cftutorial.signing import keys
from cftutorial.signing.signer import Signer
from cftutorial.tutorial import cleanup, signing_key, state
from cftutorial.tutorial import step09_clinic as step09

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def source(stem_prefix: str) -> nbformat.NotebookNode:
    return jupytext.read(next(NOTEBOOKS.glob(f"{stem_prefix}*.md")))


def cells_of(markup: str) -> list[list[str]]:
    """An HTML table's rows as lists of cell texts."""
    rows = re.findall(r"<tr>(.*?)</tr>", markup, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


# --- 09: case 7's reason, the side-by-side tables ---------------------------------------------


@pytest.fixture(scope="module")
def clinic(local_aws) -> step09.Clinic:
    _full_run("lo-clinic", "modern")
    run = state.open_run("lo-clinic")
    step09.check_run(run)
    return step09.open_clinic(run)


def test_case_7_names_the_key_that_left_the_group_not_the_key_group_id(clinic) -> None:
    """The notebook's case 7: a second key joins the group, signs, leaves the group."""
    cf = clients.client("cloudfront")
    private = keys.generate_private_key("rsa")
    config = step09.retired_key_config(clinic.run_name, private)
    second_id = cf.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    group = cf.get_key_group(Id=clinic.key_group_id)
    items = group["KeyGroup"]["KeyGroupConfig"]["Items"]
    group["KeyGroup"]["KeyGroupConfig"]["Items"] = [*items, second_id]
    cf.update_key_group(
        Id=clinic.key_group_id, KeyGroupConfig=group["KeyGroup"]["KeyGroupConfig"],
        IfMatch=group["ETag"],
    )  # fmt: skip
    expires = int(time.time()) + 300
    rotated = Signer(second_id, private, "SHA1").sign_url(
        clinic.url("video.mp4"), date_less_than=expires
    )
    assert step09.send(rotated).status_code == 200
    try:
        group = cf.get_key_group(Id=clinic.key_group_id)
        group["KeyGroup"]["KeyGroupConfig"]["Items"] = items
        cf.update_key_group(
            Id=clinic.key_group_id, KeyGroupConfig=group["KeyGroup"]["KeyGroupConfig"],
            IfMatch=group["ETag"],
        )  # fmt: skip
        fixed = clinic.signer.sign_url(clinic.url("video.mp4"), date_less_than=expires)
        rows = {
            row[0]: row[1:]
            for row in cells_of(clinic.show_case("7 key not in the group", rotated, fixed).data)
        }
        broken_inspector, fixed_inspector = rows["inspector"]
        assert second_id in broken_inspector and "InvalidKey" in broken_inspector
        assert f"registered but not in key group {clinic.key_group_id}" in broken_inspector
        edge = rows["edge's decision"][0]
        assert second_id in edge
        for reason in (broken_inspector, edge):
            assert (
                "key group id instead" not in reason and "looks like a key group id" not in reason
            )
        assert fixed_inspector.startswith("allowed")
        assert clinic.results["7 key not in the group"] == {"broken": 403, "fixed": 200}
    finally:
        step09.drop_retired_key(clinic, cf=cf)


def test_case_6_says_the_id_is_the_key_groups(clinic) -> None:
    wrong = step09.signer_with_key_pair_id(clinic.signer, clinic.key_group_id)
    url = wrong.sign_url(clinic.url("video.mp4"), date_less_than=int(time.time()) + 300)
    reason = step09.inspect(clinic, url)
    assert (
        reason.startswith("InvalidKey") and f"the id of key group {clinic.key_group_id}" in reason
    )


def test_a_case_is_two_wide_columns_and_shows_where_the_urls_differ(clinic) -> None:
    """Case 2: the parameter added after signing is in the row a learner reads, in full."""
    video = clinic.url("video.mp4")
    expires = int(time.time()) + 300
    broken = clinic.signer.sign_url(video, date_less_than=expires) + "&utm_source=newsletter"
    fixed = clinic.signer.sign_url(video + "?utm_source=newsletter", date_less_than=expires)
    rows = cells_of(clinic.show_case("2 parameter after signing", broken, fixed).data)
    assert rows[0] == ["", "broken", "fixed"] and all(len(row) == 3 for row in rows)
    sent = dict((row[0], row[1:]) for row in rows)["GET (as sent)"]
    assert sent[0].startswith("/video.mp4?Expires=") and sent[0].endswith("&utm_source=newsletter")
    assert sent[1].startswith("/video.mp4?utm_source=newsletter&Expires=")
    assert all(clinic.domain not in url and "127.0.0.1" not in url for url in sent)
    assert all(re.search(r"Signature=[^&]{12}…", url) for url in sent), sent
    assert dict((row[0], row[1:]) for row in rows)["status"] == ["403", "200"]


def assert_09_tables_fit(executed: nbformat.NotebookNode) -> None:
    """An executed notebook 09: every case's answers are a table of at most three columns, the
    field names first, then one column per request (broken, fixed)."""
    tables = [
        output["data"]["text/html"]
        for cell in executed.cells
        if cell.cell_type == "code"
        and any(call in cell.source for call in ("show_case(", "clinic.broken(", "clinic.fixed("))
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]
    assert len(tables) == 11, len(tables)  # cases 1-9 side by side; case 10 in two steps
    for markup in tables:
        rows = cells_of(markup)
        assert rows[0][0] == "" and set(rows[0][1:]) <= {"broken", "fixed"}, rows[0]
        assert {len(row) for row in rows} <= {2, 3}, rows
        assert rows[1][0] == "GET (as sent)" and rows[-1][0] == "inspector"


# --- 09 after 08's clean-up: one message naming the whole chain -------------------------------


def test_09_after_the_clean_up_names_the_whole_chain_in_one_message(local_aws) -> None:
    _full_run("lo-gone", "modern")
    run = state.open_run("lo-gone")
    cleanup.cleanup(run, progress=False)
    with pytest.raises(StateError) as refused:
        step09.check_run(run)
    message = str(refused.value)
    assert "has no saved bucket, origin access, distribution yet" in message
    assert "notebook 08's clean-up deleted the run" in message
    assert "run notebooks 01 to 04, in order, first with run_name='lo-gone'" in message
    assert "\n" not in message


def test_a_run_missing_its_distribution_only_names_notebook_04(local_aws) -> None:
    _full_run("lo-half", "modern")
    state.update("lo-half", distribution=None)
    with pytest.raises(
        StateError, match=r"no saved distribution yet: run notebook 04-distribution"
    ):
        step09.check_run(state.open_run("lo-half"))


# --- the batch notebook's words ------------------------------------------------------------------


def test_one_url_is_one_url_not_one_urls(tmp_path) -> None:
    result = BatchResult(
        output=tmp_path / "x.csv", format="csv", rows=1, written=1, skipped=0, bad_rows=(), seconds=0.5,
        workers=1, policy_kind="canned", expires=2_000_000_000,
    )  # fmt: skip
    assert result.summary().startswith("signed 1 URL in 0.50 s")


def test_a_bad_row_under_papermill_names_the_parameter_not_the_cli_flag(tmp_path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(keys.private_key_pem(keys.generate_private_key("rsa")))
    pem.chmod(0o600)
    parameters = dict(
        objects=["ok.mp4", "/lead.mp4"], domain="d111111abcdef8.cloudfront.net",
        key_pair_id="K2JCJMDEHXQW5F", private_key=str(pem), expires="24h", policy=None,
        starts=None, ip_address=None, policy_resource=None, hash_algorithm="SHA1",
        output=str(tmp_path / "out.csv"), workers=1, on_error="stop",
    )  # fmt: skip
    plan = batch_notebook.plan(parameters, run_name="default", load_run=lambda _name: {})
    with pytest.raises(batch_notebook.NotebookStop) as stopped:
        batch_notebook.sign(plan.options)
    message = str(stopped.value)
    assert message.startswith("line 2: object key '/lead.mp4' starts with '/'")
    assert 'on_error = "skip" in the parameters cell (papermill: -p on_error skip)' in message
    assert "--on-error" not in message


# --- make clean-state / local reset: no key file of a forgotten run is left -------------------


def test_local_reset_deletes_the_key_files_of_the_runs_it_forgets(isolated_home, monkeypatch):
    from cftutorial.cli import main
    from cftutorial.localaws import process

    monkeypatch.setattr(process, "reset", lambda: process.ResetResult(False, False))
    state.update("lo-reset", bucket="cftutorial-lo-reset")
    kept = signing_key.keys_dir() / "someone-else_private_key.pem"
    kept.write_text("not this run's")
    for kind, generation in (("rsa", 1), ("rsa", 2), ("ecdsa", 1)):
        for path in signing_key.key_file_paths("lo-reset", kind, generation):
            path.write_text("x")
    assert main(["local", "reset", "--yes"]) == 0
    assert not [p for p in signing_key.keys_dir().iterdir() if p.name.startswith("lo-reset")]
    assert kept.exists() and state.load("lo-reset") == {}


# --- the notebooks' texts ------------------------------------------------------------------------


def test_08_points_to_the_notebooks_beyond_the_guide() -> None:
    notebook = source("08-")
    next_steps = next(c.source for c in notebook.cells if "### What's next" in c.source)
    for number in ("09", "10", "11", "12", "13"):
        assert f"**{number}**" in next_steps, number


@pytest.mark.parametrize(("prefix", "step"), [("11-", "11"), ("12-", "12"), ("batch-", '"batch"')])
def test_11_12_and_the_batch_notebook_show_the_flow(prefix: str, step: str) -> None:
    sources = [c.source for c in source(prefix).cells if c.cell_type == "code"]
    assert f"diagram.flow(step={step})" in sources


def test_09_says_which_log_behaviour_is_local() -> None:
    markdown = "\n".join(c.source for c in source("09-").cells if c.cell_type == "markdown")
    assert "Signing values in `cs-uri-query` are cut" not in markdown
    assert "CloudFront writes `cs-uri-query`" in markdown and "*whole*" in markdown
    assert "**local choice**" in markdown
    assert "local choice" in step09.LOCAL_LOG_CUT and "hold them whole" in step09.LOCAL_LOG_CUT


def test_the_opt_in_box_shows_only_against_aws(monkeypatch) -> None:
    from cftutorial.tutorial import forms

    local = forms.bucket_form(aws_opt_in=False)
    assert "aws_opt_in" not in local.fields and local.values()["aws_opt_in"] is False
    monkeypatch.setenv("CFTUTORIAL_BACKEND", "aws")
    monkeypatch.setattr(forms.clients, "region", lambda value="": value or "eu-west-1")
    shown = forms.bucket_form(aws_opt_in=False)
    assert "aws_opt_in" in shown.fields


def test_07_compares_the_strings_it_prints() -> None:
    cell = next(c.source for c in source("07-").cells if "guide_encode_query_param(" in c.source)
    compared = re.search(r"print\(\"  the same string as the guide's:\", (\w+) == (\w+)\)", cell)
    assert compared, cell
    for name in compared.groups():
        assert re.search(rf'print\("[^"]*", {name}\[:90\], "…"\)', cell), name


def test_12_prices_point_to_the_pricing_page() -> None:
    cell = next(c.source for c in source("12-").cells if "price = " in c.source)
    assert "not in this tutorial's sources" not in cell
    assert "per 10,000 requests" in cell


# --- the batch notebook's run report: its progress bar as it ended ---------------------------


def assert_report_bar_finished(executed: nbformat.NotebookNode) -> None:
    """An executed batch notebook (a papermill report): the signing bar reads 100 %, green."""
    cell = next(c for c in executed.cells if "progress.bar(" in c.source)
    bars = [o for o in cell.outputs if "text/html" in o.get("data", {})]
    assert len(bars) == 1, cell.outputs
    data = bars[0]["data"]
    assert 'data-style="success"' in data["text/html"] and "width:100%" in data["text/html"]
    assert re.match(r"signing: 100%\|█+\| (\d+)/\1 ", data["text/plain"]), data["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" not in data


def test_the_papermill_report_shows_the_bar_as_it_ended(modern_chain) -> None:
    """The batch notebook as papermill left it in the learner's Run All: the bar at 100 %."""
    assert_report_bar_finished(modern_chain["batch"].notebook)


def test_09_tables_fit_after_run_all(modern_chain) -> None:
    """Notebook 09 as the learner's Run All executed it: every case's table fits."""
    assert_09_tables_fit(modern_chain["09"].notebook)
