"""Notebook 10 headless: after 01-07 (modern), run twice in fresh kernels, once more after a
rotation crashed half-way (resumed, not repeated), then 08 cleans up.

Asserts on what the executed notebooks show: the timeline's real edge answers at each phase, the
stale ETag and the in-use refusal, the new key as the run's key (07's successor signs with it),
no private key material, and 08's "everything this run created is gone" afterwards.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.test_notebooks import (
    NOTEBOOK_DIR,
    NOTEBOOKS,
    _execute,
    _outputs_text,
    _solution_outputs,
    fresh_local_aws,  # noqa: F401 - a fixture
)

NOTEBOOK_10 = NOTEBOOK_DIR / "10-rotating-signing-keys.ipynb"
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _flat(html_text: str) -> str:
    return re.sub(r"(\s*\|\s*)+", " | ", re.sub(r"<[^>]+>", " | ", html_text))


def _timeline(text: str) -> dict[str, tuple[str, str]]:
    """phase -> (old-key URL answer, new-key URL answer), from the shown tables."""
    found = {}
    for phase in (
        "new key uploaded",
        "both keys in the group",
        "old key removed from the group",
        "old public key deleted",
    ):
        match = re.search(rf"\| {phase} \| [^|]+ \| (200|403 \w+) \| (200|403 \w+) \|", _flat(text))
        assert match, f"the timeline has no row {phase!r}"
        found[phase] = (match.group(1), match.group(2))
    return found


def _crash_half_way(run_name: str) -> tuple[str, str]:
    """A rotation stopped after the switch, the old key still in the group: (old id, new id)."""
    from cftutorial.aws import clients, signing_keys
    from cftutorial.tutorial import step10_rotation as step10

    cf = clients.client("cloudfront")
    rotation = step10.start(run_name, cf=cf)
    key_id = cf.create_public_key(PublicKeyConfig=step10.new_key_config(rotation))
    rotation = step10.with_new_key_id(rotation, key_id["PublicKey"]["Id"])
    signing_keys.add_to_group(rotation.key_group_id, [rotation.new.key_id], cf=cf)
    step10.adopt(rotation, cf=cf)
    return str(rotation.old.key_id), str(rotation.new.key_id)


@pytest.mark.slow
def test_notebook_10_rotates_twice_and_08_still_cleans_up(tmp_path, fresh_local_aws):  # noqa: F811
    parameters = {"run_name": "default", "approach": "modern", "run_solutions": True}
    for path in NOTEBOOKS:
        if path.name[:2] != "08":
            _execute(path, tmp_path / path.name, parameters)
    executed = _execute(NOTEBOOK_10, tmp_path / "10-first.ipynb", parameters)
    first = _outputs_text(executed)
    started = time.perf_counter()
    second = _outputs_text(_execute(NOTEBOOK_10, tmp_path / "10-second.ipynb", parameters))
    print(f"notebook 10 ran in {time.perf_counter() - started:.1f} s")
    for text in (first, second):
        assert _timeline(text) == {
            "new key uploaded": ("200", "403 InvalidKey"),
            "both keys in the group": ("200", "200"),
            "old key removed from the group": ("403 InvalidKey", "200"),
            "old public key deleted": ("403 InvalidKey", "200"),
        }
        assert "412 PreconditionFailed" in text and "409 PublicKeyInUse" in text
        assert "OK: rotated from" in text and not PRIVATE_KEY.search(text)
    new_first = re.search(r"OK: rotated from (\w+) to (\w+)", first).group(2)
    old_second = re.search(r"OK: rotated from (\w+) to (\w+)", second).group(1)
    assert old_second == new_first, "the second run did not start from the first run's new key"
    assert "a new rotation" in second and "(generation 3)" in second
    solution = _solution_outputs(executed)
    assert any("Correct:" in out for out in solution), solution
    crashed = _crash_half_way("default")
    third = _outputs_text(_execute(NOTEBOOK_10, tmp_path / "10-resumed.ipynb", parameters))
    assert "resuming an unfinished rotation" in third
    assert f"OK: rotated from {crashed[0]} to {crashed[1]}" in third
    assert _timeline(third)["old public key deleted"] == ("403 InvalidKey", "200")
    cleanup = next(p for p in NOTEBOOKS if p.name[:2] == "08")
    text = _outputs_text(
        _execute(cleanup, tmp_path / cleanup.name, {**parameters, "clean_up": True})
    )
    assert "OK: everything this run created is gone" in text
    assert not list((fresh_local_aws / "keys").glob("*.pem"))


@pytest.mark.slow
def test_notebook_10_on_the_guide_path_stops_with_one_message(tmp_path, fresh_local_aws):  # noqa: F811
    import papermill

    parameters = {"run_name": "default", "approach": "guide"}
    for path in NOTEBOOKS[:7]:
        _execute(path, tmp_path / path.name, parameters)
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        _execute(NOTEBOOK_10, tmp_path / "10.ipynb", parameters)
    assert caught.value.ename == "RotationError"
    assert "only the modern path has" in caught.value.evalue
