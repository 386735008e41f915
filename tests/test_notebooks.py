"""The numbered notebooks: their structure, and the whole chain run headless: the eight that
mirror the guide (01→08), then the ones beyond it (09→), which run after 08.

The chain tests run every notebook with papermill in a fresh kernel, each chain in its own
CFTUTORIAL_HOME with its own local AWS (started on demand by the first notebook, stopped at the
end), and assert on what the executed notebooks *show*: the objects, the ids, the 403 codes, the
200s, the exercises' solutions — not only that no cell failed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cftutorial import config
from cftutorial.localaws import process

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
#: The eight that mirror the 2011 guide's steps (both paths, modern and guide, run them).
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("0[1-8]-*.ipynb"))
#: Beyond the guide (issue 17): modern path only; they run after 08 (kept) and before its cleanup.
BEYOND = sorted(p for p in NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb") if p not in NOTEBOOKS)
NUMBERED = NOTEBOOKS + BEYOND
SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"(?i)aws_secret_access_key\s*[=:]"),
    re.compile(re.escape(config.LOCAL_SECRET_ACCESS_KEY)),
    re.compile(re.escape(config.LOCAL_ACCESS_KEY_ID)),
]


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    """What a reader sees in the outputs, one part per output.

    A kernel flushes stdout on a timer, so one ``print`` can arrive as two stream outputs
    ("Logging:" then " {...}"); a frontend shows them as one text, and so does this: a stream
    output continues the previous one when it is the same stream of the same cell."""
    parts = []
    for cell in notebook.cells:
        stream = None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                if stream == output.get("name"):
                    parts[-1] += output.get("text", "")
                else:
                    parts.append(output.get("text", ""))
                stream = output.get("name")
                continue
            stream = None
            if output.get("output_type") == "error":
                parts.append(f"{output.get('ename')}: {output.get('evalue')}")
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in output.get("data", {}):
                    parts.append(output["data"][kind])
    return "\n".join(parts)


def _solution_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        _outputs_text(nbformat.from_dict({"cells": [cell]}))
        for cell in notebook.cells
        if "solution" in cell.get("metadata", {}).get("tags", [])
    ]


# --- structure of the committed notebooks --------------------------------------------------


def test_there_are_eight_guide_notebooks_then_four_beyond_it():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"0{i}" for i in range(1, 9)]
    assert [p.name[:2] for p in BEYOND] == ["09", "10", "11", "12"]


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


def test_every_ipynb_is_generated_from_its_text_source():
    """The .md is the one source; the committed .ipynb must be exactly what it generates."""
    sources = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.md"))
    assert [p.stem for p in sources] == [p.stem for p in NUMBERED], "each notebook needs a .md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"run `make notebooks`:\n{result.stderr}"


def test_a_changed_source_makes_its_notebook_stale(tmp_path, monkeypatch):
    """The sync check really compares: one edited sentence in a source is reported."""

    spec = importlib.util.spec_from_file_location("sync", ROOT / "scripts" / "sync_notebooks.py")
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
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
    assert _outputs_text(notebook).split("\n") == [
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


# --- the whole chain, headless ----------------------------------------------------------------


@pytest.fixture
def fresh_local_aws(tmp_path, monkeypatch):
    """A CFTUTORIAL_HOME of its own; the first notebook starts a local AWS there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CFTUTORIAL_HOME", str(home))
    yield home
    process.stop()


def _execute(path: Path, out: Path, parameters: dict) -> nbformat.NotebookNode:
    import papermill

    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOK_DIR),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def run_chain(
    out_dir: Path,
    parameters: dict,
    home: Path,
    *,
    rerun: tuple[str, ...] = (),
    beyond: bool = False,
) -> tuple[dict, dict, list[str]]:
    """Execute 01..08 (and again the notebooks in ``rerun``, in fresh kernels, just before 08).

    With ``beyond``, 08 first runs with its defaults (it keeps everything), then 09.. (the
    notebooks beyond the guide, "NN"), and only then 08 with ``clean_up=True``, which must still
    find and delete everything the run made. Returns the executed notebooks (reruns under
    "NN-again", the first 08 under "08-kept"), seconds per first run, and the lines of the
    private key files (read before notebook 08 deletes them).
    """
    parameters = {**parameters, "run_solutions": True}
    executed, seconds, key_lines = {}, {}, []

    def run(path: Path, key: str, chosen: dict) -> None:
        started = time.perf_counter()
        executed[key] = _execute(path, out_dir / f"{key}-{path.name}", chosen)
        seconds.setdefault(key, time.perf_counter() - started)

    for path in NOTEBOOKS:
        number = path.name[:2]
        if number == "08":
            for again in (p for p in NOTEBOOKS if p.name[:2] in rerun):
                run(again, f"{again.name[:2]}-again", parameters)
            if beyond:
                run(path, "08-kept", parameters)
                for later in BEYOND:
                    run(later, later.name[:2], parameters)
            key_lines = [
                line
                for pem in (home / "keys").glob("*private_key.pem")
                for line in pem.read_text().splitlines()
                if line and not line.startswith("-----")
            ]
        # 08 deletes nothing by default (clean_up=False); the chain ends by cleaning up
        chosen = {**parameters, "clean_up": True} if number == "08" else parameters
        run(path, number, chosen)
    return executed, seconds, key_lines


def _flat(html_text: str) -> str:
    """Table cells as 'a | b | c' (the notebooks show tables as HTML)."""
    return re.sub(r"(\s*\|\s*)+", " | ", re.sub(r"<[^>]+>", " | ", html_text))


def _assert_no_secrets(executed: dict, key_lines: list[str]) -> None:
    assert key_lines, "no private key file was found to compare against"
    for number, notebook in executed.items():
        text = _outputs_text(notebook)
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"notebook {number} shows {pattern.pattern!r}"
        for line in key_lines:
            assert line not in text, f"notebook {number} shows private key material"


def _assert_common(executed: dict, run_name: str) -> None:
    text = {number: _outputs_text(nb) for number, nb in executed.items()}
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
    assert re.search(
        r"field \| value \| allowed \| True \| code \| reason \| \w", _flat(text["07"])
    )
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
    for number, notebook in executed.items():
        solutions = _solution_outputs(notebook)
        assert solutions and all(s.startswith("Correct:") for s in solutions), (number, solutions)


def _assert_beyond_the_guide(text: dict[str, str]) -> None:
    """09-12 ran after 08 (which kept everything) and before 08's cleanup, each doing its lesson."""
    assert "OK: nothing was deleted" in text["08-kept"]
    assert "OK: all 10 cases went from 403 to 200" in text["09"]
    assert "#Version: 1.0" in text["09"] and "log bucket deleted: True" in text["09"]
    assert re.search(r"OK: rotated from (\w+) to (\w+)", text["10"]), "10 did not rotate"
    assert "412 PreconditionFailed" in text["10"] and "409 PublicKeyInUse" in text["10"]
    assert re.search(r"OK: videos\.cftutorial\.localhost serves .* 4 segments", text["11"])
    assert "after logout video3.ts got 403" in text["11"]
    assert "OK: KMS-signed URL and cookies 200 through the edge; 1 KMS call per URL;" in text["12"]
    assert "OK: the run is back as it was" in text["12"]
    # 08's cleanup after them found everything, also 10's rotated key
    assert "OK: everything this run created is gone" in text["08"]


@pytest.mark.slow
def test_the_modern_chain_runs_headless_and_shows_each_step(tmp_path, fresh_local_aws):
    executed, seconds, key_lines = run_chain(
        tmp_path,
        {"approach": "modern"},
        fresh_local_aws,
        rerun=("01", "02", "04", "06"),
        beyond=True,
    )
    _assert_common(executed, "default")
    text = {number: _outputs_text(nb) for number, nb in executed.items()}
    # re-running in a fresh kernel finds what exists instead of making a second one
    assert "(already there)" in text["01-again"]
    assert "Object Ownership is already BucketOwnerEnforced: nothing changed" in text["01-again"]
    dist_id = re.search(r"distribution (\w+) \(created\)", text["04"]).group(1)
    assert f"distribution {dist_id} (found)" in text["04-again"]
    assert "saved as this run's 'signing_key'" in text["04"]
    assert "already saved for this run" in text["04-again"]
    assert "s3.put_bucket_policy(Bucket='cftutorial-default'" in text["04"]
    assert re.search(r"OAC \w+ \(found\)", text["02-again"])
    assert "it used the" not in text["02-again"]
    assert "distribution switched to the key group now | False" in _flat(text["06-again"])
    oac_id = re.search(r"OAC (\w+) \(created\)", text["02"]).group(1)
    assert f'"OriginAccessControlId": "{oac_id}"' in text["04"]
    group = re.search(r"key group (\w+) holds public key (\w+)", text["04"])
    assert group, "notebook 04 did not show the key group and public key"
    assert (
        f'"TrustedKeyGroups": {{"Enabled": true, "Quantity": 1, "Items": ["{group.group(1)}"]}}'
        in text["04"]
    )
    assert "InvalidKey" in text["06"] and "Unknown Key" in text["06"]
    # 06 shows the lookups and boto3 calls; notebook 04 already made the key and its group
    assert f"found public key {group.group(2)}" in text["06"]
    assert f"found key group {group.group(1)} holding ['{group.group(2)}']" in text["06"]
    assert f"trusts key group {group.group(1)} already: nothing to update" in text["06-again"]
    assert "byte-identical to signer.sign_url: True" in text["07"]
    assert f"Key-Pair-Id={group.group(2)}" in text["07"]
    for what in ("distribution", "key group", "public key", "OAC"):
        assert re.search(
            rf"{what} \| \w+ \| deleted",
            re.sub(r"<[^>]+>", " | ", text["08"]).replace(" |  | ", " | "),
        )
    _assert_beyond_the_guide(text)
    _assert_no_secrets(executed, key_lines)
    print(
        "modern chain seconds:",
        {k: round(v, 1) for k, v in seconds.items()},
        round(sum(seconds.values()), 1),
    )


@pytest.mark.slow
def test_the_guide_chain_uses_oai_acl_and_trusted_signers_self(tmp_path, fresh_local_aws):
    executed, seconds, key_lines = run_chain(
        tmp_path, {"approach": "guide", "run_name": "guide"}, fresh_local_aws, rerun=("08",)
    )
    _assert_common(executed, "guide")
    text = {number: _outputs_text(nb) for number, nb in executed.items()}
    assert re.search(r"OAI \w+ \(created\)", text["02"])
    assert "granted READ to the OAI on 7 objects" in text["03"]
    assert "OK: every object grants READ to the OAI" in text["03"]
    assert "guide path: TrustedSigners 'self' needs no key yet" in text["04"]
    assert '"TrustedSigners": {"Enabled": true, "Quantity": 1, "Items": ["self"]}' in text["04"]
    assert re.search(r"Key-Pair-Id=APKA\w+", text["07"])
    assert "byte-identical to signer.sign_url: True" in text["07"]
    # 08 with its defaults (clean_up=False) ran first: it kept everything, and said how to delete
    dist_id = re.search(r"distribution (\w+) \(created\)", text["04"]).group(1)
    assert f"OK: nothing was deleted; distribution {dist_id} is still there" in text["08-again"]
    assert "cftutorial teardown --run guide --yes" in text["08-again"]
    assert "everything this run created is gone" not in text["08-again"]
    # ... and the 08 after it (the same notebook again, now with clean_up=True) still worked
    assert f"distribution | {dist_id} | deleted" in _flat(text["08"])
    _assert_no_secrets(executed, key_lines)
    print(
        "guide chain seconds:",
        {k: round(v, 1) for k, v in seconds.items()},
        round(sum(seconds.values()), 1),
    )


@pytest.mark.slow
def test_the_modern_chain_with_ecdsa_and_sha256(tmp_path, fresh_local_aws):
    parameters = {
        "approach": "modern",
        "run_name": "ecdsa",
        "key_type": "ecdsa",
        "hash_algorithm": "SHA256",
    }
    executed, seconds, key_lines = run_chain(tmp_path, parameters, fresh_local_aws)
    _assert_common(executed, "ecdsa")
    text = {number: _outputs_text(nb) for number, nb in executed.items()}
    assert "kind='ecdsa', hash_algorithm='SHA256'" in text["07"]
    canned = re.search(r"https://\S+/video\.mp4\?Expires=\S+", text["07"]).group(0)
    assert canned.endswith("&Hash-Algorithm=SHA256")
    assert "botocore's CloudFrontSigner can only do RSA + SHA1" in text["07"]
    _assert_no_secrets(executed, key_lines)
    print(
        "ecdsa chain seconds:",
        {k: round(v, 1) for k, v in seconds.items()},
        round(sum(seconds.values()), 1),
    )


@pytest.mark.slow
def test_nbval_runs_the_committed_notebooks_in_order(tmp_path):
    """nbval in lax mode: the notebooks are committed without outputs, so every cell must run
    without error — and the check cells assert each step's behaviour."""
    env = {
        **os.environ,
        "CFTUTORIAL_HOME": str(tmp_path / "home"),
        "CFTUTORIAL_AWS_PORT": "0",
        "CFTUTORIAL_EDGE_PORT": "0",
    }
    (tmp_path / "home").mkdir()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "-p",
        "no:cacheprovider",
        "-q",
        *map(str, NUMBERED),
    ]
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500
        )
    finally:
        subprocess.run(
            [sys.executable, "-m", "cftutorial", "local", "stop"],
            env=env,
            capture_output=True,
            timeout=60,
        )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    code_cells = sum(
        sum(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells) for p in NUMBERED
    )
    assert passed == code_cells, f"nbval ran {passed} cells, the notebooks have {code_cells}"


def test_the_kernel_named_in_the_notebooks_exists():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.language == "python"
    assert "ipykernel_launcher" in spec.argv, (
        f"the python3 kernel does not run ipykernel: {spec.argv}"
    )


def _origin_domain(distribution_id: str) -> str:
    from cftutorial.aws import clients

    config = clients.client("cloudfront").get_distribution_config(Id=distribution_id)
    return config["DistributionConfig"]["Origins"]["Items"][0]["DomainName"]


@pytest.mark.slow
def test_defaults_run_no_solution_cell(tmp_path, fresh_local_aws):
    """Run All with the defaults (what a learner does): every solution cell stays empty."""
    for path in NOTEBOOKS[:2]:
        executed = _execute(path, tmp_path / path.name, {})
        solutions = [c for c in executed.cells if "solution" in c.metadata.get("tags", [])]
        assert solutions, f"{path.name} has no solution cell"
        assert all(not c.get("outputs") for c in solutions), (path.name, solutions[0].outputs)
        assert "OK:" in _outputs_text(executed), f"{path.name}'s check did not run"


@pytest.mark.slow
def test_01_with_another_bucket_then_04_and_08_moves_the_distribution(tmp_path, fresh_local_aws):
    """01 (bucket A) → 08, then 01 with bucket B → 04 → 08 (08 twice): the run stays whole, each
    re-run says what it changed, and the distribution reads B."""
    parameters = {"run_solutions": True}
    for path in NOTEBOOKS:
        _execute(path, tmp_path / path.name, parameters)
    by_number = {p.name[:2]: p for p in NOTEBOOKS}
    again = {**parameters, "bucket_name": "rerun-bucket-b"}
    text = {
        number: _outputs_text(_execute(by_number[number], tmp_path / f"b-{number}.ipynb", again))
        for number in ("01", "04", "08")
    }
    assert "changed: bucket 'cftutorial-default' -> 'rerun-bucket-b'" in text["01"]
    assert "run notebooks 03 and 04 again" in text["01"]
    found = re.search(r"distribution (\w+) \(found\): ([^\n]*)", text["04"])
    assert found and "origin DomainName 'cftutorial-default.s3" in found.group(2), text["04"]
    assert "-> 'rerun-bucket-b.s3.us-east-1.amazonaws.com'" in found.group(2)
    assert f"distribution {found.group(1)}: Deployed after" in text["04"]
    assert "the saved state matches the local AWS" in text["08"]
    assert "OK: 200 with the signature" in text["08"]
    assert f"OK: nothing was deleted; distribution {found.group(1)} is still there" in text["08"]
    assert _origin_domain(found.group(1)) == "rerun-bucket-b.s3.us-east-1.amazonaws.com"


@pytest.mark.slow
def test_08_cleaned_up_then_its_exercise_still_checks(tmp_path, fresh_local_aws):
    """08 with clean_up=True, then its exercise's solution run again: it needs no saved state."""
    for path in NOTEBOOKS[:7]:
        _execute(path, tmp_path / path.name, {})
    source = nbformat.read(NOTEBOOKS[7], as_version=4)
    solution = next(c for c in source.cells if "solution" in c.metadata.get("tags", []))
    source.cells.append(nbformat.v4.new_code_cell(solution.source))
    then = tmp_path / "08-then-exercise.ipynb"
    nbformat.write(source, then)
    executed = _execute(then, tmp_path / "08-out.ipynb", {"clean_up": True, "run_solutions": True})
    text = _outputs_text(executed)
    assert "OK: everything this run created is gone" in text
    last = _outputs_text(nbformat.from_dict({"cells": [executed.cells[-1]]}))
    assert last.startswith("Correct:"), last
