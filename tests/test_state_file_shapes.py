"""Issue 23: a ``tutorial-state.json`` of the wrong shape or encoding is one ``StateError`` that
names the file and the fix, as a truncated one is, and nothing overwrites it meanwhile."""

from __future__ import annotations

import pytest

from cftutorial.errors import StateError
from cftutorial.tutorial import state

BROKEN = {
    "truncated": (b'{"default": {"bucket": "x"', "not valid JSON"),
    "array": (b"[1, 2]", "holds a JSON array, not an object of runs"),
    "string": (b'"default"', "holds a JSON string"),
    "null": (b"null", "holds a JSON null"),
    "number run": (b'{"default": 5}', "holds a JSON number for run 'default'"),
    "array run": (b'{"default": ["bucket"]}', "holds a JSON array for run 'default'"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "is not UTF-8 text"),
    "utf-16": ('{"default": {}}'.encode("utf-16"), "is not UTF-8 text"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
}


@pytest.fixture
def planted(isolated_home, request):
    path = state.state_file()
    original = path.read_bytes() if path.exists() else None
    content, _ = BROKEN[request.param]
    path.write_bytes(content)
    yield path, content
    if original is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(original)


@pytest.mark.parametrize("planted", list(BROKEN), indirect=True)
@pytest.mark.parametrize(
    "call",
    [
        lambda: state.load("default"),
        lambda: state.get("default", "bucket"),
        lambda: state.require("default", "bucket"),
        lambda: state.update("default", bucket="new"),
        lambda: state.forget("default"),
        state.runs,
    ],
    ids=["load", "get", "require", "update", "forget", "runs"],
)
def test_an_unusable_state_file_is_one_state_error_naming_the_file_and_the_fix(
    planted, call, request
):
    path, content = planted
    expected = BROKEN[request.node.callspec.params["planted"]][1]
    with pytest.raises(StateError) as caught:
        call()
    message = str(caught.value)
    assert expected in message, message
    assert str(path) in message and "delete it (or run cleanup)" in message
    assert "\n" not in message
    error = caught.value  # no chained ValueError/UnicodeDecodeError under it
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert path.read_bytes() == content  # nothing was written over it


def test_an_empty_file_is_an_empty_state(isolated_home):
    path = state.state_file()
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(b"  \n")
    try:
        assert state.load("default") == {}
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
