"""A cell opens the run once, the step functions take it, the cell saves once (state.Run).

The saved state is one JSON file shared by every notebook and kernel. A run object reads it
once, collects the changes the step functions make, and writes them in one locked save that
merges only what it changed: two notebooks open on the same run never lose each other's values.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from cftutorial.errors import StateError
from cftutorial.tutorial import references, state

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture
def file_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times the state file is read and written (the module's two doors to it)."""
    calls = {"read": 0, "write": 0}
    read, write = state._read_all, state._write_all

    def counted_read():
        calls["read"] += 1
        return read()

    def counted_write(data):
        calls["write"] += 1
        return write(data)

    monkeypatch.setattr(state, "_read_all", counted_read)
    monkeypatch.setattr(state, "_write_all", counted_write)
    return calls


def test_a_run_is_read_once_and_saved_once(file_calls):
    state.update("ro-once", bucket="cftutorial-ro-once", region="us-east-1")
    file_calls.update(read=0, write=0)
    run = state.open_run("ro-once")
    assert run.require("bucket") == "cftutorial-ro-once" and run.get("region") == "us-east-1"
    run.set(objects=["hello.html"])
    references.caller_reference(run, "distribution")  # a step function: sets, never writes
    run.set(distribution={"id": "E1", "arn": "arn:aws:cloudfront::1:distribution/E1"})
    assert file_calls == {"read": 1, "write": 0}, "nothing is written before the save"
    assert run.save() is True
    assert file_calls == {"read": 2, "write": 1}, "the save: one locked read-merge, one write"
    saved = json.loads(state.state_file().read_text())["ro-once"]
    assert saved["objects"] == ["hello.html"] and saved["distribution"]["id"] == "E1"
    assert set(saved["caller_references"]) == {"distribution"}


def test_a_save_with_nothing_changed_touches_no_file(file_calls):
    run = state.open_run("ro-nothing")
    assert not run.changed and run.save() is False
    assert file_calls == {"read": 1, "write": 0}


def test_two_run_objects_of_one_run_keep_each_others_values():
    """Notebook 04 and notebook 06 open on the same run, in two kernels: each saves its own."""
    state.update("ro-tabs", bucket="cftutorial-ro-tabs")
    tab_04, tab_06 = state.open_run("ro-tabs"), state.open_run("ro-tabs")
    tab_04.set(distribution={"id": "E04"})
    tab_06.set(signing_key={"key_pair_id": "K06"})
    tab_06.save()
    tab_04.save()  # saved last, from a copy read before 06 saved: 06's key must stay
    saved = state.load("ro-tabs")
    assert saved == {
        "bucket": "cftutorial-ro-tabs",
        "distribution": {"id": "E04"},
        "signing_key": {"key_pair_id": "K06"},
    }
    assert tab_04.get("signing_key") == {"key_pair_id": "K06"}, "after its save a run sees both"


def test_a_dict_both_changed_is_merged_key_by_key():
    """Both notebooks add a CallerReference to the one ``caller_references`` dict."""
    first, second = state.open_run("ro-refs"), state.open_run("ro-refs")
    one = references.caller_reference(first, "distribution")
    two = references.caller_reference(second, "public-key-rsa")
    second.save()
    first.save()
    assert state.get("ro-refs", references.STATE_KEY) == {
        "distribution": one,
        "public-key-rsa": two,
    }


def test_records_added_by_two_run_objects_are_both_kept_and_a_dropped_one_goes():
    state.update("ro-records", put_back=[{"notebook": "09", "kind": "bucket policy", "id": "b"}])
    nine, eleven = state.open_run("ro-records"), state.open_run("ro-records")
    nine.set(put_back=None)  # 09 put its change back: its record goes
    eleven.set(put_back=[*eleven.get("put_back"), {"notebook": "11", "kind": "x", "id": "c"}])
    eleven.save()
    nine.save()
    assert state.get("ro-records", "put_back") == [{"notebook": "11", "kind": "x", "id": "c"}]
    twelve = state.open_run("ro-records")
    twelve.set(put_back=[*twelve.get("put_back"), {"notebook": "12", "kind": "kms key", "id": "a"}])
    eleven = state.open_run("ro-records")
    eleven.set(put_back=None)  # 11 put back, while 12 recorded its change
    twelve.save()
    eleven.save()
    assert state.get("ro-records", "put_back") == [{"notebook": "12", "kind": "kms key", "id": "a"}]
    alone = state.open_run("ro-records")
    alone.set(put_back=None)
    alone.save()
    assert state.get("ro-records", "put_back") is None, "the last record gone: the key goes"


def test_a_none_value_removes_the_key_and_an_emptied_run_goes():
    state.update("ro-none", bucket="x", region="eu-west-1")
    run = state.open_run("ro-none")
    run.set(region=None)
    assert run.get("region") is None
    run.save()
    assert state.load("ro-none") == {"bucket": "x"}
    run.set(bucket=None)
    run.save()
    assert "ro-none" not in state.runs()


def test_require_names_the_notebook_to_run_first():
    run = state.open_run("ro-require")
    with pytest.raises(StateError) as caught:
        run.require("distribution")
    message = str(caught.value)
    assert "run 'ro-require' has no saved 'distribution' yet" in message
    assert "run notebook 04-distribution-requiring-signatures first" in message
    assert "run_name='ro-require'" in message


def test_forget_drops_the_run_in_the_file_and_in_the_object():
    state.update("ro-forget", bucket="x")
    run = state.open_run("ro-forget")
    assert run.forget() is True
    assert run.values() == {} and state.load("ro-forget") == {}
    assert run.forget() is False


def test_setting_what_is_held_already_is_no_change(file_calls):
    state.update("ro-same", bucket="x")
    run = state.open_run("ro-same")
    run.set(bucket="x", region=None)
    assert not run.changed and run.save() is False
    assert file_calls["write"] == 1, "only the update above wrote"


def test_the_values_given_out_are_copies():
    state.update("ro-copy", objects=["a"])
    run = state.open_run("ro-copy")
    run.get("objects").append("b")
    run.values()["objects"].append("c")
    assert run.get("objects") == ["a"] and not run.changed


# --- the notebooks follow the pattern -------------------------------------------------------

LOAD = re.compile(r"\bstate\.open_run\(")
SAVE = re.compile(r"\brun\.save\(\)")


def _code_cells(prefix: str) -> list[str]:
    path = next(NOTEBOOKS.glob(f"{prefix}-*.ipynb"))
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _changes_the_run(source: str) -> bool:
    """The cell saves the run or sets a value on it."""
    return bool(SAVE.search(source)) or "run.set(" in source


def test_notebook_04_opens_the_run_once_and_each_changing_cell_saves_once():
    cells = _code_cells("04")
    loads = [source for source in cells if LOAD.search(source)]
    # the load cell, and the check cell that reads the file again to prove the save
    assert len(loads) == 2, loads
    assert 'run = state.open_run(values["run_name"])' in loads[0]
    assert "state.open_run(run.name)" in loads[1] and not _changes_the_run(loads[1])
    changing = [source for source in cells if _changes_the_run(source)]
    # the load (what the check repaired), the key group, the config's CallerReference, the create
    assert len(changing) == 4, changing
    for source in changing:
        assert len(LOAD.findall(source)) <= 1 and len(SAVE.findall(source)) == 1, source
    after = cells[cells.index(loads[0]) + 1 :]
    assert not any('values["run_name"]' in source for source in after), "later cells pass run"
    create = next(s for s in changing if "create_distribution_with_tags" in s)
    assert create.rstrip().splitlines()[-2:] == [
        "run.save()",
        'print("ARN:", dist.arn)',
    ], "the create cell ends with its one save"


@pytest.mark.parametrize(
    "prefix", ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"]
)
def test_every_notebook_opens_the_run_once_per_cell_and_passes_it_on(prefix):
    cells = _code_cells(prefix)
    loading = [source for source in cells if 'state.open_run(values["run_name"])' in source]
    assert len(loading) == 1, f"notebook {prefix}: one cell opens the run from the form"
    for source in cells:
        assert len(LOAD.findall(source)) <= 1, source
        assert len(SAVE.findall(source)) <= 1, source
    names = set()
    for source in cells[cells.index(loading[0]) :]:
        tree = ast.parse(source)
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                spelled = ast.unparse(arg)
                assert spelled != "values['run_name']" or ast.unparse(call.func) in (
                    "state.open_run",
                ), f"notebook {prefix} passes the run name, not the run: {ast.unparse(call)}"
    assert "run" in names, f"notebook {prefix} never uses the run it opened"
