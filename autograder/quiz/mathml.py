"""Math in quiz HTML previews as MathML, which browsers render natively: no JavaScript, no CDN, works offline.

Items write math as plain text with TeX-style scripts (`Σ_{x∈D} L_θ(x)`, `x_0..x_{i−1}`, `e^−L`, `θ̂_x`), which
LMS exports keep as they are. For the HTML previews each scripted symbol is converted: its TeX form (`\\sum`-free:
Σ stays Σ, multi-letter bases such as argmin become `\\operatorname{argmin}`) goes through latex2mathml. Python
names such as `one_hot` become <code>. Only text between tags is touched; the HTML structure is kept.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from latex2mathml.converter import convert

# base: a letter (Greek too, with an optional combining hat), a named operator, or a number before ^; then _ or ^ and
# either a braced group or one short token (a letter or number, optionally ",k", or −L / <i)
_OPERATORS = ("argmin", "argmax", "max", "min", "Pr", "exp", "log")
_SCRIPT = re.compile(
    r"(?<!\w)(?P<base>" + "|".join(_OPERATORS) + r"|[A-Za-zΣΠθ]\u0302?|\d+(?=\^))"
    r"(?P<op>[_^])(?P<arg>\{[^{}]*\}|[<−-]?(?:\d+|[A-Za-zθ])(?:,[A-Za-z])?)(?![\w{])"
)
_IDENT = re.compile(r"\b[a-z]{2,}(?:_[a-z]{2,})+\b")  # snake_case names such as one_hot: code, not math
_TEX = {"θ": r"\theta ", "∈": r"\in ", "−": "-", "…": r"\ldots ", "<": "<"}


def _tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def _base(base: str) -> str:
    if base in _OPERATORS:
        return rf"\operatorname{{{base}}}"
    if base in "ΣΠ":
        return rf"\mathrm{{{base}}}"  # upright, like the operators they stand for
    if base.endswith("\u0302"):
        return rf"\hat{{{_tex(base[0])}}}"
    return _tex(base)


@lru_cache(maxsize=4096)
def script_mathml(base: str, op: str, arg: str) -> str:
    """One scripted symbol, e.g. ("Σ", "_", "{x∈D}"), as an inline <math> element."""
    inner = arg[1:-1] if arg.startswith("{") else arg
    out = convert(f"{_base(base)}{op}{{{_tex(inner)}}}")
    out = out.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")  # implied in HTML5; keeps URLs out
    return out.replace("<mo>&#x0005E;</mo>", "<mo>&#x002C6;</mo>")  # the hat accent as ˆ, not a caret


@lru_cache(maxsize=65536)  # variants share most of their text (instructions, choices): convert each once
def _text(segment: str) -> str:
    raw = html.unescape(segment)
    names = [(a.start(), a.end()) for a in _IDENT.finditer(raw)]
    parts, pos = [], 0
    for m in _SCRIPT.finditer(raw):
        if any(a <= m.start() < b for a, b in names):
            continue
        parts.append(_code(raw[pos:m.start()]))
        parts.append(script_mathml(m["base"], m["op"], m["arg"]))
        pos = m.end()
    parts.append(_code(raw[pos:]))
    return "".join(parts)


def _code(text: str) -> str:
    out, pos = [], 0
    for m in _IDENT.finditer(text):
        out += [html.escape(text[pos:m.start()], quote=False), f"<code>{m.group()}</code>"]
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


@lru_cache(maxsize=16384)
def math_html(fragment: str) -> str:
    """`fragment` (HTML) with every scripted math symbol in its text as MathML and snake_case names as <code>."""
    pieces = re.split(r"(<[^>]*>)", fragment)
    return "".join(p if p.startswith("<") else _text(p) for p in pieces)
