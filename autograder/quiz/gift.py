"""GIFT (Moodle's plain-text format): `$CATEGORY:` per item, then one `::code::[html]stem{answers}` per variant.

Escaping: ~ = # { } : and backslash get a backslash in every text; newlines become spaces (a blank line ends a
question in GIFT; HTML does not care). Numeric answers are `{#=answer:tolerance#feedback =%0%mistake:tolerance#fb}`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from .model import Quiz, category, num

_SPECIAL = "\\~=#{}:"  # backslash first, so the escapes added later are not escaped again


def gift_escape(text: str) -> str:
    """Backslash before each of \\ ~ = # { } :, and every run of whitespace (newlines too) as one space."""
    for ch in _SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _fb(text: str) -> str:
    return gift_escape(f"<p>{escape(text, quote=False)}</p>")


def _question(v: dict[str, Any]) -> str:
    head = f"::{gift_escape(v['code'])}::[html]{gift_escape(v['html'] + '<p><small>Question code: ' + v['code'])}"
    head += gift_escape("</small></p>")
    general = f"####{_fb(v['feedback'])}"
    if v["type"] == "numeric":
        tol = num(v["tolerance"])
        parts = [f"={num(v['answer'])}:{tol}#{_fb('Correct. ' + v['feedback'])}"]
        parts += [f"=%0%{num(m['value'])}:{tol}#{_fb(m['feedback'])}" for m in v["mistakes"]]
        body = "#\n    " + "\n    ".join(parts)
    elif v["type"] == "truefalse":
        right = next(c for c in v["choices"] if c["correct"])
        wrong = next(c for c in v["choices"] if not c["correct"])
        body = f"{'TRUE' if right['text'] == 'True' else 'FALSE'}#{_fb(wrong['feedback'])}#{_fb(right['feedback'])}"
    else:
        body = "\n    " + "\n    ".join(f"{'=' if c['correct'] else '~'}{gift_escape(c['html'])}#{_fb(c['feedback'])}"
                                        for c in v["choices"])
    return f"{head}{{{body}\n    {general}\n}}"


def gift(quiz: Quiz) -> str:
    blocks = [f"// lmcourse quiz, seed {quiz.seed}: one category per item; a random question from a category gives "
              "each student a different variant."]
    for item in quiz.items:
        blocks.append(f"$CATEGORY: $course$/top/{category(item)}")
        blocks += [_question(v) for v in quiz.variants[item]]
    return "\n\n".join(blocks) + "\n"


def write_gift(quiz: Quiz, out: Path) -> list[Path]:
    path = out / "quiz.gift"
    path.write_text(gift(quiz), encoding="utf-8")
    return [path]
