"""Moodle XML: one `<question type="category">` per item followed by its variants, so a quiz slot "random question
from category lmcourse/<item>" gives each student a different variant. numerical / multichoice / truefalse questions
carry per-answer feedback; a numerical question also lists each known mistake as a 0 % answer with its feedback."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from lxml import etree

from .engine import item_title
from .model import Quiz, category, num


def _esc(s: str) -> str:
    return escape(s, quote=False)


def _text(parent: etree._Element, tag: str, text: str, fmt: str | None = "html", **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, **({"format": fmt} if fmt else {}), **attrs)
    t = etree.SubElement(el, "text")
    t.text = etree.CDATA(text) if fmt == "html" and "]]>" not in text else text  # CDATA cannot hold "]]>"
    return el


def _simple(parent: etree._Element, tag: str, text: str) -> None:
    etree.SubElement(parent, tag).text = text


def _question(quiz_el: etree._Element, v: dict[str, Any]) -> None:
    kind = {"numeric": "numerical", "mcq": "multichoice", "truefalse": "truefalse"}[v["type"]]
    q = etree.SubElement(quiz_el, "question", type=kind)
    name = etree.SubElement(q, "name")
    _simple(name, "text", v["code"])
    _text(q, "questiontext", v["html"] + f'<p><small>Question code: {v["code"]}</small></p>')
    _text(q, "generalfeedback", f"<p>{_esc(v['feedback'])}</p>")
    _simple(q, "defaultgrade", "1")
    _simple(q, "penalty", "0")
    _simple(q, "hidden", "0")
    _simple(q, "idnumber", v["code"])
    if kind == "numerical":
        a = _text(q, "answer", num(v["answer"]), fmt="moodle_auto_format", fraction="100")
        _text(a, "feedback", f"<p>Correct. {_esc(v['feedback'])}</p>")
        _simple(a, "tolerance", num(v["tolerance"]))
        for m in v["mistakes"]:
            a = _text(q, "answer", num(m["value"]), fmt="moodle_auto_format", fraction="0")
            _text(a, "feedback", f"<p>{_esc(m['feedback'])}</p>")
            _simple(a, "tolerance", num(v["tolerance"]))
        a = _text(q, "answer", "*", fmt="moodle_auto_format", fraction="0")
        _text(a, "feedback", "<p>Not correct.</p>")
        _simple(a, "tolerance", "0")
        for tag, val in (("unitgradingtype", "0"), ("unitpenalty", "0.1"), ("showunits", "3"), ("unitsleft", "0")):
            _simple(q, tag, val)
    elif kind == "multichoice":
        for tag, val in (("single", "true"), ("shuffleanswers", "false"), ("answernumbering", "ABCD"),
                         ("showstandardinstruction", "0")):
            _simple(q, tag, val)
        _text(q, "correctfeedback", "<p>Your answer is correct.</p>")
        _text(q, "partiallycorrectfeedback", "<p>Your answer is partially correct.</p>")
        _text(q, "incorrectfeedback", "<p>Your answer is incorrect.</p>")
        for c in v["choices"]:
            a = _text(q, "answer", c["html"], fraction="100" if c["correct"] else "0")
            _text(a, "feedback", f"<p>{_esc(c['feedback'])}</p>")
    else:
        for c in v["choices"]:
            a = _text(q, "answer", c["text"].lower(), fmt="moodle_auto_format",
                      fraction="100" if c["correct"] else "0")
            _text(a, "feedback", f"<p>{_esc(c['feedback'])}</p>")


def moodle_xml(quiz: Quiz) -> bytes:
    root = etree.Element("quiz")
    for item in quiz.items:
        cat = etree.SubElement(root, "question", type="category")
        _text(cat, "category", f"$course$/top/{category(item)}", fmt=None)
        _text(cat, "info", f"<p>{_esc(item_title(item))}: {len(quiz.variants[item])} variants, seed {quiz.seed}</p>")
        for v in quiz.variants[item]:
            _question(root, v)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_moodle(quiz: Quiz, out: Path) -> list[Path]:
    path = out / "quiz.moodle.xml"
    path.write_bytes(moodle_xml(quiz))
    return [path]
