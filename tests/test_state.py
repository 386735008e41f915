"""The saved tutorial state: per-run records, atomic writes, clear errors."""

from __future__ import annotations

import json
import threading

import pytest

from cftutorial.tutorial import state


def test_update_then_load_returns_the_saved_values():
    state.update("st-one", bucket="cftutorial-st-one", region="us-east-1")
    assert state.load("st-one") == {"bucket": "cftutorial-st-one", "region": "us-east-1"}


def test_runs_are_kept_apart():
    state.update("st-a", bucket="a")
    state.update("st-b", bucket="b")
    assert state.get("st-a", "bucket") == "a"
    assert state.get("st-b", "bucket") == "b"


def test_a_none_value_removes_the_key():
    state.update("st-none", bucket="x", region="eu-west-1")
    state.update("st-none", region=None)
    assert state.load("st-none") == {"bucket": "x"}


def test_require_names_the_notebook_that_saves_a_missing_key():
    state.forget("st-missing")
    with pytest.raises(state.StateError, match="04-distribution") as caught:
        state.require("st-missing", "distribution")
    assert "st-missing" in str(caught.value)


def test_forget_drops_a_run_and_reports_whether_it_existed():
    state.update("st-forget", bucket="x")
    assert state.forget("st-forget") is True
    assert state.load("st-forget") == {}
    assert state.forget("st-forget") is False


@pytest.mark.parametrize("bad", ["", "Upper", "-lead", "trail-", "with space", "x" * 33, None])
def test_run_names_that_cannot_name_aws_resources_are_refused(bad):
    with pytest.raises(state.InvalidRunNameError, match="run_name="):
        state.load(bad)


def test_the_state_file_is_valid_json_after_concurrent_updates():
    def writer(index: int) -> None:
        for step in range(10):
            state.update("st-threads", **{f"k{index}": step})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = json.loads(state.state_file().read_text())["st-threads"]
    assert saved == {f"k{i}": 9 for i in range(4)}


def test_a_corrupt_state_file_gives_a_clear_error(isolated_home):
    path = state.state_file()
    original = path.read_text() if path.exists() else None
    path.write_text("{not json")
    try:
        with pytest.raises(state.StateError, match="not valid JSON"):
            state.load("default")
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original)
