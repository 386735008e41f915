"""The picture of the whole flow (viewer, edge, key group, origin access, bucket), one step lit.

The source is the hand-kept ``assets/flow.svg``; each of its parts lists, in ``data-steps``, the
notebook steps it belongs to. :func:`flow_svg` greys every part that is not in the asked step, so
each notebook shows the same picture with its own part highlighted.
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


def _steps_of(element: ET.Element) -> set[int]:
    return {int(part) for part in element.get("data-steps", "").split()}


#: the notebook steps the picture has parts for (01-08, and 10: the key group's rotation)
STEPS = tuple(
    sorted(
        {
            int(part)
            for found in re.findall(r'data-steps="([^"]*)"', _source())
            for part in found.split()
        }
    )
)


def flow_svg(step: int | None = None) -> str:
    """The diagram as SVG text; with ``step`` (one of :data:`STEPS`), that step's parts highlighted."""
    if step is not None and (isinstance(step, bool) or step not in STEPS):
        raise CftutorialError(
            f"step={step!r} is not a notebook step; use one of {', '.join(map(str, STEPS))}, or None"
        )
    root = ET.fromstring(_source())
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


def flow(step: int | None = None) -> Any:
    """:func:`flow_svg` for display at the end of a notebook cell."""
    from IPython.display import SVG

    return SVG(flow_svg(step))
