"""CloudFront's behaviour rules (signing/behaviours.py), read by the edge and the audit, and the
wildcard overlap the audit's precedence rule uses."""

from __future__ import annotations

import itertools

import pytest

from cftutorial.signing import behaviours, wildcard

PATTERNS = [
    "*",
    "/avatars/*",
    "*.png",
    "/a?c",
    "/a*c",
    "/img/*.jpg",
    "/img/x.png",
    "/b/*",
    "/*/*.png",
]


@pytest.mark.parametrize(("first", "second"), list(itertools.product(PATTERNS, PATTERNS)))
def test_overlap_is_a_text_both_match_or_none_when_none_of_the_probes_match_both(first, second):
    found = wildcard.overlap(first, second)
    if found is not None:
        assert wildcard.match(first, found) and wildcard.match(second, found), found
        return
    probes = {"/avatars/x.png", "/abc", "/ac", "/img/x.jpg", "/img/x.png", "/b/x", "/q/x.png", ""}
    assert not [p for p in probes if wildcard.match(first, p) and wildcard.match(second, p)]


def test_overlap_examples():
    assert wildcard.overlap("/avatars/*", "*.png") == "/avatars/.png"
    assert wildcard.overlap("/a/*", "/b/*") is None
    assert wildcard.overlap("*.jpg", "*.png") is None
    assert wildcard.overlap("/x", "/x") == "/x"
    assert wildcard.overlap("*a*a*a*a*b", "*a*a*a*a*c") is None  # no blow-up either


def test_first_match_is_list_order_and_none_means_the_default():
    patterns = ["*.png", "/avatars/*", None]
    assert behaviours.first_match(patterns, "/avatars/me.png") == 0
    assert behaviours.first_match(patterns, "/avatars/me.jpg") == 1
    assert behaviours.first_match(patterns, "/video.mp4") is None
    assert behaviours.first_match(["avatars/*"], "/avatars/x") == 0  # a leading / changes nothing
    assert behaviours.first_match(["/Avatars/*"], "/avatars/x") is None  # case-sensitive


def test_shared_path_and_requires_signature():
    assert behaviours.shared_path("avatars/*", "/*.png") == "/avatars/.png"
    assert behaviours.requires_signature(["KG1"], []) and behaviours.requires_signature(
        [], ["self"]
    )
    assert not behaviours.requires_signature([], [])


def test_the_edge_decides_with_these_rules_not_its_own():
    from pathlib import Path

    edge = Path(behaviours.__file__).parents[1] / "localaws" / "edge" / "behaviours.py"
    text = edge.read_text()
    assert (
        "cloudfront_rules.first_match(" in text and "cloudfront_rules.requires_signature(" in text
    )
    assert "wildcard" not in text  # no matching of its own
