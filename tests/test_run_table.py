"""The run's one resource table: the pre-flight, the self-checks / doctor, teardown and notebook
08's clean-up all walk it, so a kind added to it is priced, checked, listed and deleted by all.

The test adds a kind of its own (held in a set, no AWS behind it) and watches each walker meet it.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from cftutorial import cli
from cftutorial.run import resources, urls
from cftutorial.run.resources import Planned, Resource
from cftutorial.tutorial import consistency, doctor, preflight, state
from cftutorial.tutorial import step08_try_and_clean_up as step08

RUN = "rt-walk"
KIND = "test widget"
PRICING = "https://example.invalid/widget/pricing/"


@pytest.fixture
def widget(monkeypatch):
    """A resource kind added to the table: alive ids in a set, saved under ``widget``."""
    alive: set[str] = set()
    row = Resource(
        kind=KIND,
        notebook="07",
        saved_key="widget",
        find=lambda ctx: sorted(alive) if ctx.run.get("widget") else [],
        delete=lambda _ctx, ident: (ident in alive, alive.discard(ident))[0],
        planned=lambda run_name, _bucket, _approach: [
            Planned("07", KIND, f"widget-{run_name}", 1.25, "a test's own kind", PRICING)
        ],
        saved=lambda run: [run["widget"]] if run.get("widget") else [],
        exists=lambda _ctx, ident: ident in alive,
    )
    monkeypatch.setattr(resources, "RESOURCES", (*resources.RESOURCES, row))
    yield alive
    state.forget(RUN)


def test_the_preflight_lists_and_prices_a_kind_added_to_the_table(widget):
    planned = preflight.planned_resources(RUN)
    ours = [item for item in planned if item.what == KIND]
    assert [(item.notebook, item.name, item.monthly_usd) for item in ours] == [
        ("07", f"widget-{RUN}", 1.25)
    ]
    assert [item.notebook for item in planned] == sorted(item.notebook for item in planned)
    text = preflight.Preflight("123456789012", "arn:aws:iam::1:user/me", "us-east-1", RUN, planned)
    assert f"[07] {KIND} widget-{RUN} — USD 1.25/month" in text.describe()


def test_the_self_check_and_doctor_find_a_saved_widget_that_is_gone(local_aws, widget):
    state.update(RUN, widget="w-gone")
    run = state.open_run(RUN)
    findings = [f for f in consistency.check_run(run) if f.what == KIND]
    assert [(f.id, f.problem) for f in findings] == [("w-gone", "is missing")]
    assert f"re-run notebook 07 with run_name={RUN!r}" in findings[0].fix
    checks = [c for c in doctor.check_saved_runs() if c.name == f"saved run {RUN!r}"]
    assert [c.detail for c in checks] == [f"{KIND} w-gone is missing"]
    assert not checks[0].ok
    widget.add("w-gone")
    assert not [f for f in consistency.check_run(run) if f.what == KIND]


def test_teardown_and_notebook_08_list_and_delete_a_widget(local_aws, widget):
    widget.add("w-1")
    state.update(RUN, widget="w-1")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["teardown", "--run", RUN, "--dry-run"]) == 0
    assert KIND in out.getvalue() and "w-1" in out.getvalue(), out.getvalue()
    run = state.open_run(RUN)
    assert {"what": KIND, "id": "w-1"} in step08.what_stays(run)
    rows = step08.clean_up(run, progress=False)
    assert {"what": KIND, "id": "w-1", "outcome": "deleted"} in rows
    assert widget == set() and state.load(RUN) == {}


def test_each_kind_is_listed_once_and_the_pre_flight_covers_notebooks_01_to_13():
    kinds = [row.kind for row in resources.RESOURCES]
    assert len(kinds) == len(set(kinds)) == 13
    notebooks = {item.notebook for item in resources.planned("rt", approach="modern")}
    assert notebooks >= {"01", "02", "03", "04", "09", "10", "11", "12", "13"}
    guide = {item.notebook for item in resources.planned("rt", approach="guide")}
    assert guide == {"01", "02", "03", "04", "06"}


def test_the_viewer_url_is_one_spelling():
    assert urls.viewer_url("d1.cloudfront.net", "hls/*") == "https://d1.cloudfront.net/hls/*"
    assert urls.viewer_url("d1.cloudfront.net", "/video.mp4") == (
        "https://d1.cloudfront.net/video.mp4"
    )
