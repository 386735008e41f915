"""The picture of the whole flow (viewer, edge, key group, origin access, bucket), one step lit.

The source is the hand-kept ``assets/flow.svg``; each of its parts lists, in ``data-steps``, the
notebook steps it belongs to. :func:`flow_svg` greys every part that is not in the asked step, so
each notebook shows the same picture with its own part highlighted. A part with ``data-only`` is
drawn for those steps alone (notebook 11's login service, 12's KMS, the batch notebook's object
list), and one with ``data-not`` is left out of those (12's application holds no private key).
A step is a notebook's number, or ``"batch"`` for the batch notebook.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from importlib import resources
from typing import Any

from ..errors import CftutorialError

SVG_NS = "http://www.w3.org/2000/svg"
DIMMED = "0.22"
ET.register_namespace("", SVG_NS)


def _source() -> str:
    return (resources.files("cftutorial.tutorial") / "assets" / "flow.svg").read_text()


def _step(part: str) -> int | str:
    return int(part) if part.isdigit() else part


def _steps_of(element: ET.Element, attribute: str = "data-steps") -> set[int | str]:
    return {_step(part) for part in element.get(attribute, "").split()}


#: the notebook steps the picture has parts for (01-08, 10: the key group's rotation, 11: the
#: login service, 12: KMS, and "batch")
STEPS = tuple(
    sorted(
        {
            _step(part)
            for found in re.findall(r'data-steps="([^"]*)"', _source())
            for part in found.split()
        },
        key=lambda step: (isinstance(step, str), step),
    )
)


def _drop_other_steps(root: ET.Element, step: int | str | None) -> None:
    """Remove the ``data-only`` parts of other steps and the ``data-not`` parts of this one."""
    for parent in list(root.iter()):
        for child in list(parent):
            only, never = _steps_of(child, "data-only"), _steps_of(child, "data-not")
            if (only and step not in only) or step in never:
                parent.remove(child)


def flow_svg(step: int | str | None = None) -> str:
    """The diagram as SVG text; with ``step`` (one of :data:`STEPS`), that step's parts highlighted."""
    if step is not None and (isinstance(step, bool) or step not in STEPS):
        shown = ", ".join(map(repr, STEPS)).replace("'", "")
        raise CftutorialError(f"step={step!r} is not a notebook step; use one of {shown}, or None")
    root = ET.fromstring(_source())
    _drop_other_steps(root, step)
    if step is not None:
        for group in root.iter(f"{{{SVG_NS}}}g"):
            if step not in _steps_of(group):
                group.set("opacity", DIMMED)
                continue
            for child in group:
                inner = _steps_of(child)
                if inner and step not in inner:
                    child.set("opacity", DIMMED)
                if child.tag == f"{{{SVG_NS}}}rect":
                    child.set("stroke-width", "3")
    return ET.tostring(root, encoding="unicode")


def flow(step: int | str | None = None) -> Any:
    """:func:`flow_svg` for display at the end of a notebook cell."""
    from IPython.display import SVG

    return SVG(flow_svg(step))
