"""The flow diagram: every step lights its own parts and greys the others."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cftutorial.errors import CftutorialError
from cftutorial.tutorial import diagram

NS = {"svg": diagram.SVG_NS}


def _groups(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(".//svg:g", NS)


@pytest.mark.parametrize("step", list(diagram.STEPS))
def test_each_step_lights_its_parts_and_greys_the_rest(step):
    groups = _groups(diagram.flow_svg(step))
    lit = [g for g in groups if g.get("opacity") is None]
    dimmed = [g for g in groups if g.get("opacity") == diagram.DIMMED]
    assert lit, f"step {step} lights nothing"
    assert all(step in diagram._steps_of(g) for g in lit)
    assert all(step not in diagram._steps_of(g) for g in dimmed)
    if step != 8:  # step 8 (try them) uses the whole flow
        assert dimmed, f"step {step} greys nothing"


@pytest.mark.parametrize(
    ("step", "shown", "not_shown"),
    [
        (11, "Login service (your site)", "AWS KMS"),
        (12, "a KMS key id, no key file", "private key (0600, never shown)"),
        ("batch", "Object list → CSV", "Login service (your site)"),
        (None, "private key (0600, never shown)", "AWS KMS"),
        (4, "Key group", "Object list"),
    ],
)
def test_the_parts_of_one_notebook_are_drawn_for_it_alone(step, shown, not_shown):
    svg = diagram.flow_svg(step)
    assert shown in svg and not_shown not in svg


def test_without_a_step_nothing_is_greyed():
    svg = diagram.flow_svg()
    assert "opacity" not in svg and svg.startswith("<svg")
    assert "How a signed request reaches" in svg


def test_every_part_belongs_to_a_step():
    for group in _groups(diagram.flow_svg()):
        assert diagram._steps_of(group) <= set(diagram.STEPS) and diagram._steps_of(group)


@pytest.mark.parametrize("bad", [0, 9, "1", True, "Batch"])
def test_a_step_that_is_not_a_notebook_is_refused(bad):
    with pytest.raises(
        CftutorialError, match="use one of 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, batch, or None"
    ):
        diagram.flow_svg(bad)
