"""The numbered notebooks: their structure, and what the executed chains show.

The chains (tests/chains.py) run once per session and these tests read them: the modern chain
(a learner's Run All with the defaults, 01→13 and the batch notebook, with a stop/start of the
local AWS between 04 and 05, then with their solutions the notebooks whose second run differs:
01, 01 with another bucket, 02, 04, 09, 10 resumed after a crash half-way, 11 putting back, 12
with an ECDSA key in KMS, and 08 cleaning up) and the guide chain (run by the installed wheel:
01-07 with two kill -9s of its local AWS, 09 refusing the guide path, 08 cleaning up; 10-12
refuse at the same cell on the same run, held without running them: tests/refusals.py). The
ECDSA/SHA-256 chain is the stand-in's round 1 (test_aws_standin.py). The assertions read what
the executed notebooks *show*: the objects, the ids, the 403 codes, the 200s, the exercises'
solutions — not only that no cell failed."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Mapping

import chains
import nbformat
import pytest
from chains import (
    BATCH,
    BEYOND,
    MOVED_BUCKET,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    NUMBERED,
    ROOT,
    flat,
    outputs_text,
    solution_outputs,
)

# --- structure of the committed notebooks --------------------------------------------------


def test_there_are_eight_guide_notebooks_then_five_beyond_it():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"0{i}" for i in range(1, 9)]
    assert [p.name[:2] for p in BEYOND] == ["09", "10", "11", "12", "13"]


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name[:2])
def test_committed_notebooks_are_stripped_of_outputs_and_widget_state(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    assert all(not c.outputs and c.execution_count is None for c in code_cells)
    assert "widgets" not in notebook.metadata
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name[:2])
def test_every_notebook_has_the_tutorial_sections(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert re.search(r"^# \d+\. ", notebook.cells[0].source), "the first cell is not the title"
    for needle in (
        "## Overview",
        "Learning objectives",
        "| Concepts | Importance | Notes |",
        "Time to complete",
        "## Since the guide",
        "## Check",
        "## Exercise",
        "<details>",
        "## Summary",
        "What's next",
    ):
        assert needle in markdown, f"{path.name} lacks {needle!r}"


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name[:2])
def test_parameters_come_first_then_a_form_then_the_step(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    tagged = [i for i, c in enumerate(code_cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    parameters = code_cells[tagged[0]].source
    assert 'run_name = "default"' in parameters and 'approach = "modern"' in parameters
    assert code_cells[tagged[0] + 1].source.startswith("form = forms.")
    sources = "\n".join(c.source for c in code_cells)
    assert "form.values()" in sources
    assert "on_click" not in sources and "interact_manual" not in sources
    hidden = [c for c in code_cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert hidden and all("exercises.check_" in c.source for c in hidden)


def _sync_script():
    """scripts/sync_notebooks.py, loaded as a module (its main is ``make notebooks``)."""
    spec = importlib.util.spec_from_file_location("sync", ROOT / "scripts" / "sync_notebooks.py")
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
    return sync


def test_every_ipynb_is_generated_from_its_text_source(capsys):
    """The .md is the one source; the committed .ipynb must be exactly what it generates."""
    sources = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.md"))
    assert [p.stem for p in sources] == [p.stem for p in NUMBERED], "each notebook needs a .md"
    code = _sync_script().main(["--check"])
    assert code == 0, f"run `make notebooks`:\n{capsys.readouterr().err}"


def test_a_changed_source_makes_its_notebook_stale(tmp_path, monkeypatch):
    """The sync check really compares: one edited sentence in a source is reported."""
    sync = _sync_script()
    for path in (*NOTEBOOK_DIR.glob("04-*.md"), *NOTEBOOK_DIR.glob("04-*.ipynb")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    source = next(tmp_path.glob("04-*.md"))
    source.write_text(source.read_text().replace("## Check", "## Check it", 1))
    monkeypatch.setattr(sync, "NOTEBOOKS", tmp_path)
    assert sync.main(["--check"]) == 1
    assert sync.main([]) == 0 and sync.main(["--check"]) == 0
    assert "## Check it" in next(tmp_path.glob("04-*.ipynb")).read_text()


def test_notebook_07_has_no_batch_parameters_and_points_to_the_batch_notebook():
    notebook = nbformat.read(NOTEBOOK_DIR / "07-signed-urls-and-cookies.ipynb", as_version=4)
    sources = [c.source for c in notebook.cells]
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "batch" not in code, "notebook 07 still has batch code or batch_* parameters"
    pointers = [i for i, text in enumerate(sources) if "batch-sign-urls" in text]
    resources = next(i for i, text in enumerate(sources) if text.startswith("## Resources"))
    assert pointers and all(i >= resources for i in pointers), "the pointer follows Resources"
    assert (NOTEBOOK_DIR / "batch-sign-urls.ipynb").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_the_first_code_cell_imports_the_diagram_shown_after_the_overview(path):
    """The imports come first (they install the one-line errors and the restart hint), then the
    flow diagram with this step lit and a one-line caption, then the Prerequisites."""
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    first, second = cells[code[0]], cells[code[1]]
    assert re.search(r"^from cftutorial\.tutorial import .*\bdiagram\b", first.source, re.M)
    assert second.source == f"diagram.flow(step={int(path.name[:2])})"
    caption = cells[code[1] - 1]
    assert caption.cell_type == "markdown" and len(caption.source.strip().splitlines()) == 1
    overview = next(i for i, c in enumerate(cells) if c.source.startswith("## Overview"))
    prerequisites = next(i for i, c in enumerate(cells) if "## Prerequisites" in c.source)
    assert overview < code[0] < code[1] < prerequisites


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name[:2])
def test_no_code_cell_is_longer_than_25_lines(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 25, cell.source[:80]


def test_one_print_split_by_a_flush_reads_as_one_line():
    """The kernel's stdout timer split a ``print`` between "Logging:" and its value in CI; the
    text the tests read is the text a frontend shows, one line."""
    cell = nbformat.v4.new_code_cell("print('Logging:', config)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="Logging:"),
        nbformat.v4.new_output("stream", name="stdout", text=" {'Enabled': True}\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
        nbformat.v4.new_output("stream", name="stdout", text="after\n"),
    ]
    next_cell = nbformat.v4.new_code_cell("print('next')")
    next_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="next\n")]
    notebook = nbformat.v4.new_notebook(cells=[cell, next_cell])
    assert outputs_text(notebook).split("\n") == [
        "Logging: {'Enabled': True}",
        "",
        "a warning",
        "",
        "42",
        "after",
        "",
        "next",
        "",
    ]


# --- what every chain shows -------------------------------------------------------------------


def assert_every_chain_shows(
    text: Mapping[str, str], run_name: str, solved: Iterable[nbformat.NotebookNode]
) -> None:
    """The checks of 01-08 on any path: ``text`` by number (``"08"``: the 08 that cleaned up),
    and the notebooks that ran with ``run_solutions=True``, whose every solution is correct."""
    assert f"OK: 7 objects in s3://cftutorial-{run_name}" in text["01"]
    for key in ("video.mp4", "hls/video.m3u8", "hls/video0.ts", "hello.html"):
        assert key in text["01"]
    assert "put_object hls/video.m3u8" in text["01"] and "tagged cftutorial:run=" in text["01"]
    assert "AccessControlListNotSupported" in text["03"]
    assert "OK: the demo bucket's policy names the OAI" in text["03"]
    created = re.search(r"distribution (\w+) \(created\)", text["04"])
    assert created and f"distribution {created.group(1)}: Deployed after" in text["04"]
    assert "403" in text["05"] and "AccessDenied" in text["05"] and "MissingKey" in text["05"]
    assert (
        "OK: S3 403 AccessDenied, edge 403 MissingKey, origin 403 without step 3, 200 with it"
        in text["05"]
    )
    assert "private key file mode | 0o600" in re.sub(r"<[^>]+>", " | ", text["06"]).replace(
        " |  | ", " | "
    )
    assert "OK: canned and custom URLs and the cookies verify" in text["07"]
    # the inspector: one field per row, the verdict first, the reason in full
    assert re.search(r"field \| value \| allowed \| True \| code \| reason \| \w", flat(text["07"]))
    assert "bytes match the uploaded file: True" in text["08"]
    # the expired URL's player shows the edge's answer and its reason beside it
    assert re.search(r"edge answer: 403 AccessDenied</b><br>[^<]*expired", text["08"])
    assert re.search(
        r"OK: 200 with the signature \(59152 bytes\), 403 for all 4 bad cases", text["08"]
    )
    assert "OK: everything this run created is gone" in text["08"]
    dist_id = re.search(r"distribution: (\w+) \w+\.cloudfront\.net", text["05"]).group(1)
    assert f"distribution {dist_id} (created)" in text["04"]
    for number in ("05", "08"):  # the plain HTTP requests are shown, with where they go
        assert re.search(r"GET http://127\.0\.0\.1:\d+/", text[number]), number
    solved = list(solved)
    assert solved, "no notebook ran its solution"
    for notebook in solved:
        solutions = solution_outputs(notebook)
        title = notebook.cells[0].source.splitlines()[0]
        assert solutions and all(s.startswith("Correct:") for s in solutions), (title, solutions)


# --- the modern chain: a learner's Run All, then the re-runs ----------------------------------

#: The re-runs in fresh kernels, with the solutions (the learner's Run All has none).
RERUNS = ("01-again", "01-moved", *(f"{n}-again" for n in chains.AGAIN))
BEYOND_RERUNS = ("09-again", "10-resumed", "11-again", "12-again")


def test_the_learners_run_all_runs_every_cell_with_the_defaults(modern_chain):
    """What nbval checked, and more: with no parameters (nothing injected), every code cell of
    01-12 and of the batch notebook ran, in order, in one CFTUTORIAL_HOME, without an error;
    each step's check ran (its "OK:") and no solution cell ran."""
    for number in chains.LEARNER:
        executed = modern_chain[number]
        committed = BATCH if number == "batch" else next(NOTEBOOK_DIR.glob(f"{number}-*.ipynb"))
        wanted = [c.source for c in nbformat.read(committed, as_version=4).cells]
        assert [c.source for c in executed.notebook.cells] == wanted, f"{number}: not as shipped"
        code = [c for c in executed.notebook.cells if c.cell_type == "code"]
        assert code and all(c.execution_count is not None for c in code), number
        solutions = [c for c in code if "solution" in c.metadata.get("tags", [])]
        if number != "batch":
            assert solutions, f"{number} has no solution cell"
            assert "OK:" in executed.text, f"{number}'s check did not run"
        assert all(not c.get("outputs") for c in solutions), (number, solutions)


def test_the_modern_chain_runs_headless_and_shows_each_step(modern_chain):
    chain = modern_chain
    first = chain.texts(*(f"0{n}" for n in range(1, 8)))
    again = chain.texts(*RERUNS, *BEYOND_RERUNS, "08-clean")
    solved = [chain[key].notebook for key in (*RERUNS, *BEYOND_RERUNS, "08-clean")]
    assert_every_chain_shows({**first, "08": again["08-clean"]}, "default", solved)
    # re-running in a fresh kernel finds what exists instead of making a second one (the
    # learner's 06 runs after 04 made the key, its group and the trust: it finds all three)
    assert "(already there)" in again["01-again"]
    assert "Object Ownership is already BucketOwnerEnforced: nothing changed" in again["01-again"]
    dist_id = re.search(r"distribution (\w+) \(created\)", first["04"]).group(1)
    assert f"distribution {dist_id} (found)" in again["04-again"]
    assert "saved as this run's 'signing_key'" in first["04"]
    assert "already saved for this run" in again["04-again"]
    assert "s3.put_bucket_policy(Bucket='cftutorial-default'" in first["04"]
    assert re.search(r"OAC \w+ \(found\)", again["02-again"])
    assert "it used the" not in again["02-again"]
    assert "distribution switched to the key group now | False" in flat(first["06"])
    oac_id = re.search(r"OAC (\w+) \(created\)", first["02"]).group(1)
    assert f'"OriginAccessControlId": "{oac_id}"' in first["04"]
    group = re.search(r"key group (\w+) holds public key (\w+)", first["04"])
    assert group, "notebook 04 did not show the key group and public key"
    assert (
        f'"TrustedKeyGroups": {{"Enabled": true, "Quantity": 1, "Items": ["{group.group(1)}"]}}'
        in first["04"]
    )
    assert "InvalidKey" in first["06"] and "Unknown Key" in first["06"]
    # 06 shows the lookups and boto3 calls; notebook 04 already made the key and its group
    assert f"found public key {group.group(2)}" in first["06"]
    assert f"found key group {group.group(1)} holding ['{group.group(2)}']" in first["06"]
    assert f"trusts key group {group.group(1)} already: nothing to update" in first["06"]
    assert "byte-identical to signer.sign_url: True" in first["07"]
    assert f"Key-Pair-Id={group.group(2)}" in first["07"]
    for what in ("distribution", "key group", "public key", "OAC"):
        assert re.search(
            rf"{what} \| \w+ \| deleted",
            re.sub(r"<[^>]+>", " | ", again["08-clean"]).replace(" |  | ", " | "),
        )
    everything = {key: chain.text(key) for key in chain.runs}
    chains.assert_no_secrets(everything, chain.key_lines)


def test_the_notebooks_beyond_the_guide_ran_after_08_kept_and_before_its_clean_up(modern_chain):
    """09-13 ran after 08 (which kept everything) and before 08's cleanup, each doing its
    lesson; 08's cleanup after them found everything, also 10's rotated keys and 13's practice
    distribution."""
    text = modern_chain.texts("08", "09", "10", "11", "12", "13", "08-clean")
    assert "OK: nothing was deleted" in text["08"]
    assert "OK: all 10 cases went from 403 to 200" in text["09"]
    assert "#Version: 1.0" in text["09"] and "log bucket deleted: True" in text["09"]
    assert re.search(r"OK: rotated from (\w+) to (\w+)", text["10"]), "10 did not rotate"
    assert "412 PreconditionFailed" in text["10"] and "409 PublicKeyInUse" in text["10"]
    assert re.search(r"OK: videos\.cftutorial\.localhost serves .* 4 segments", text["11"])
    assert "after logout video3.ts got 403" in text["11"]
    assert "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;" in text["12"]
    assert "OK: the run is back as it was" in text["12"]
    assert "OK: 3 findings fixed; unsigned /avatars/ now 403" in text["13"]
    assert "OK: everything this run created is gone" in text["08-clean"]
    cleaned = flat(text["08-clean"])
    assert "distribution (13&#x27;s audit practice) |" in cleaned, "08 did not delete 13's"
    assert "cftutorial-default-audit |" in cleaned
    assert modern_chain.probes["pem files left"] == []


def test_01_with_another_bucket_then_04_and_08_moves_the_distribution(modern_chain):
    """01 again with bucket B (after 01-08 and 09-13 with bucket A), then 02 and 04 again: the
    run stays whole, each re-run says what it changed, and the distribution reads B; 08 later
    (the one that cleans up) checks the moved run against the local AWS and gets its 200 through
    it first. 08 kept names the distribution it left (the learner's 08, the same distribution)."""
    text = modern_chain.texts("01-moved", "04-again", "08-clean")
    text["08 kept"] = modern_chain.text("08")
    assert f"changed: bucket 'cftutorial-default' -> '{MOVED_BUCKET}'" in text["01-moved"]
    assert "run notebooks 03 and 04 again" in text["01-moved"]
    found = re.search(r"distribution (\w+) \(found\): ([^\n]*)", text["04-again"])
    assert found and "origin DomainName 'cftutorial-default.s3" in found.group(2), text["04-again"]
    assert f"-> '{MOVED_BUCKET}.s3.us-east-1.amazonaws.com'" in found.group(2)
    assert f"distribution {found.group(1)}: Deployed after" in text["04-again"]
    assert "the saved state matches the local AWS" in text["08-clean"]
    assert "OK: 200 with the signature" in text["08-clean"]
    assert (
        f"OK: nothing was deleted; distribution {found.group(1)} is still there"
        in (text["08 kept"])
    )
    assert "cftutorial teardown --run default --yes" in text["08 kept"]
    assert "everything this run created is gone" not in text["08 kept"]
    moved = modern_chain.probes["after the move"]
    assert moved["id"] == found.group(1)
    assert moved["origin"]["DomainName"] == f"{MOVED_BUCKET}.s3.us-east-1.amazonaws.com"


def test_08_cleaned_up_then_its_exercise_still_checks(modern_chain):
    """08 with clean_up=True, then its exercise's solution run once more (a cell added at the
    end of that run): it needs no saved state."""
    executed = modern_chain["08-clean"]
    assert "OK: everything this run created is gone" in executed.text
    last = outputs_text(nbformat.from_dict({"cells": [executed.notebook.cells[-1]]}))
    assert last.startswith("Correct:"), last


# --- the guide chain ----------------------------------------------------------------------------


def test_the_guide_chain_uses_oai_acl_and_trusted_signers_self(guide_chain):
    chain = guide_chain
    text = {**chain.texts(*(f"0{n}" for n in range(1, 9)))}
    solved = [chain[key].notebook for key in text]
    assert_every_chain_shows(text, "guide", solved)
    assert re.search(r"OAI \w+ \(created\)", text["02"])
    assert "granted READ to the OAI on 7 objects" in text["03"]
    assert "OK: every object grants READ to the OAI" in text["03"]
    assert "guide path: TrustedSigners 'self' needs no key yet" in text["04"]
    assert '"TrustedSigners": {"Enabled": true, "Quantity": 1, "Items": ["self"]}' in text["04"]
    assert re.search(r"Key-Pair-Id=APKA\w+", text["07"])
    assert "byte-identical to signer.sign_url: True" in text["07"]
    # 08 with clean_up=True tried the guide's URLs and cookies, then deleted the run (08 kept,
    # the same branch on both paths, is the modern chain's learner 08: test_01_with_another_...)
    dist_id = re.search(r"distribution (\w+) \(created\)", text["04"]).group(1)
    assert f"distribution | {dist_id} | deleted" in flat(text["08"])
    shown = {key: run.text for key, run in chain.runs.items()}
    chains.assert_no_secrets(shown, chain.key_lines)


def test_the_kernel_named_in_the_notebooks_exists():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.language == "python"
    assert "ipykernel_launcher" in spec.argv, (
        f"the python3 kernel does not run ipykernel: {spec.argv}"
    )
