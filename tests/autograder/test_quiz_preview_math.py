"""Quiz HTML previews render math as MathML (latex2mathml): no TeX residue (`_`, `^`, `{`, `}`) left in the text of
questions, choices and feedback, Σ_{x∈D} as a real subscript, and nothing fetched from the network (no script, no
stylesheet link, no URL)."""

from __future__ import annotations

import lxml.html
import pytest

from autograder.quiz import export
from autograder.quiz.engine import item_ids
from autograder.quiz.mathml import math_html
from autograder.quiz.model import build_quiz

N = 25


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("preview")
    export(build_quiz(item_ids(), N, 2026), ["html"], d)
    return {name: (d / name).read_text(encoding="utf-8") for name in ("quiz.html", "answer_key.html")}


def _outside_math_and_code(el) -> str:
    """Text of `el` that is not inside a <math> or <code> element."""
    parts = [el.text or ""] if el.tag not in ("math", "code") else []
    for child in el:
        if child.tag not in ("math", "code"):
            parts.append(_outside_math_and_code(child))
        parts.append(child.tail or "")
    return "".join(parts)


@pytest.mark.parametrize("name", ["quiz.html", "answer_key.html"])
def test_quiz_preview_math_has_no_tex_residue(pages, name):
    doc = lxml.html.fromstring(pages[name])
    sections = doc.xpath("//section")
    assert len(sections) == N * len(item_ids())
    n_math = 0
    for sec in sections:
        for h3 in sec.xpath("h3"):  # the question code (item ids have underscores) is not math
            h3.drop_tree()
        text = _outside_math_and_code(sec)
        bad = [text[max(0, i - 40):i + 40] for i, ch in enumerate(text) if ch in "_^{}"]
        assert not bad, (name, bad[:3])
        for m in sec.iter("math"):
            n_math += 1
            assert not set(m.text_content()) & set("_^{}"), lxml.html.tostring(m)
            assert m.xpath(".//msub|.//msup")
    assert n_math >= len(sections)  # on average at least one symbol per question


def test_quiz_preview_math_works_offline(pages):
    for page in pages.values():
        doc = lxml.html.fromstring(page)
        assert not doc.xpath("//script|//link|//iframe|//img|//object")
        assert "http:" not in page and "https:" not in page and "//cdn" not in page


def test_quiz_preview_math_converts_the_course_notation():
    out = lxml.html.fromstring(f"<div>{math_html('<p>θ̂ = argmin_θ Σ_{x∈D} L_θ(x), x_0..x_{i−1}, 2^−L</p>')}</div>")
    subs = out.xpath("//msub")
    assert [s[0].text_content() for s in subs] == ["argmin", "Σ", "L", "x", "x"]
    assert [s[1].text_content() for s in subs] == ["θ", "x∈D", "θ", "0", "i−1"]
    assert out.xpath("//msup/mn")[0].text == "2"
    assert "<code>one_hot</code>(" in math_html("p = one_hot(id)")  # a Python name stays a name
    assert math_html("<b>x_1</b> &lt; 2") .startswith("<b><math")
