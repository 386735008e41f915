"""The flow diagram renders in Chromium: it has a size and its boxes are drawn."""

from __future__ import annotations

import pytest

from cftutorial.tutorial import diagram

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("step", [None, 3, 5])
def test_the_flow_diagram_renders(chromium, screenshots, step):
    page = chromium.new_page(viewport={"width": 940, "height": 420})
    try:
        page.set_content(f"<html><body>{diagram.flow_svg(step)}</body></html>")
        box = page.locator("svg").bounding_box()
        assert box and box["width"] >= 800 and box["height"] >= 300, box
        assert page.locator("svg rect").count() == 6  # the six boxes of assets/flow.svg
        assert page.get_by_text("Private S3 bucket").is_visible()
        path = screenshots.take(page, f"flow-step-{step or 'all'}")
        assert path.stat().st_size > 5000, "the screenshot is blank"
    finally:
        page.close()
