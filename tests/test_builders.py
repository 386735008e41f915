"""The runs tests build (tests/builders.py) are the runs the notebooks make."""

from __future__ import annotations

import builders
import chains


def test_the_builders_make_the_run_notebooks_01_to_06_make(modern_chain, local_aws):
    """The learner's Run All of 01-06 with the defaults (the modern chain) against
    ``builders.run`` with the same defaults: the same saved state (keys and kinds of values),
    the same resources, in cleanup's order, and the same key files."""
    notebooks = modern_chain.probes["run after 06"]
    assert notebooks["resources"] and notebooks["saved"], "the chain's probe found no run"
    builders.run("bd-same", "06")
    assert chains.run_made("bd-same") == notebooks


def test_each_builder_takes_its_notebooks_parameters():
    """A notebook's parameters cell and its builder's keywords are the same names (the
    builders also take ``progress``, which no notebook offers)."""
    import inspect
    import re

    for number, build in {**builders.NOTEBOOKS, **builders.BEYOND_THE_GUIDE}.items():
        (source,) = chains.NOTEBOOK_DIR.glob(f"{number}-*.md")
        cell = re.search(r":tags: \[parameters\]\n\n(.*?)```", source.read_text(), re.S)
        assert cell, f"notebook {number} has no parameters cell"
        names = set(re.findall(r"^(\w+) = ", cell.group(1), re.M)) - {"run_solutions"}
        assert names == set(inspect.signature(build).parameters) - {"progress"}, number


def _defined_in(path) -> set[str]:
    """The names a module defines itself (functions, classes, assignments), not imports."""
    import ast

    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_notebooks_call_only_what_a_step_module_defines():
    """``stepNN.x`` in a notebook is defined in that step module: a function that lives
    elsewhere is imported from where it lives, not re-exported; and no step module has a
    ``step()`` that repeats the notebook's sequence (tests build runs with tests/builders.py)."""
    import re

    modules = sorted((chains.ROOT / "cftutorial" / "tutorial").glob("step[0-9][0-9]_*.py"))
    defined = {path.name[:6]: _defined_in(path) for path in modules}
    assert len(defined) == 13, sorted(defined)
    calls = 0
    for source in sorted(chains.NOTEBOOK_DIR.glob("*.md")):
        for module, name in re.findall(r"\b(step\d\d)\.(\w+)", source.read_text()):
            calls += 1
            assert name in defined[module], f"{source.name}: {module}.{name} is defined elsewhere"
    assert calls > 100, calls
    assert not [module for module, names in defined.items() if "step" in names]
