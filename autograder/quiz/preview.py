"""Previews and keys: quiz.md / quiz.html (questions only), answer_key.md / answer_key.html (answers, tolerances,
feedback), quiz.json (everything: params, stem, choices, answer, feedback per variant), key.json (what
`lmcourse quiz grade` needs) and, with a roster, answer_key.csv plus one paper per student in students/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from autograder.course.outputs import write_csv

from .engine import item_title
from .mathml import math_html
from .model import Quiz, file_stem, num

KEY_FORMAT = "lmcourse.quiz-key/1"
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(title=item_title, num=num)
_ENV.filters["math"] = math_html  # HTML previews: scripted symbols as MathML (no JavaScript, works offline)

_MD = _ENV.from_string("""# {{ heading }}

{% for item, vs in groups %}
## {{ loop.index }}. {{ title(item) }}

{% for v in vs %}
### {{ v.code }}

{{ v.stem }}

{% if v.type == "numeric" %}
Answer: ______
{% else %}
{% for c in v.choices %}
- **{{ c.letter }}.** {{ c.text }}
{% endfor %}
{% endif %}
{% if key %}

> **Answer:** {% if v.type == "numeric" %}{{ num(v.answer) }} (± {{ num(v.tolerance) }}){% else %}\
{{ v.answer }}{% if v.type == "mcq" %} — {{ v.choices[ "ABCDEFGHIJ".index(v.answer) ].text }}{% endif %}{% endif %}

>
> {{ v.feedback }}
{% endif %}

{% endfor %}
{% endfor %}
""")

_HTML = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ heading | e }}</title>
<style>body{font-family:sans-serif;max-width:50em;margin:auto}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:2px 8px}.key{background:#eef;padding:4px 8px}.code{color:#777}
.blank{display:inline-block;width:8em;border-bottom:1px solid}</style>
</head><body>
<h1>{{ heading | e }}</h1>
{% for item, vs in groups %}
<h2>{{ loop.index }}. {{ title(item) | e }}</h2>
{% for v in vs %}
<section><h3 class="code">{{ v.code | e }}</h3>
{{ v.html | math }}
{% if v.type == "numeric" %}<p>Answer: <span class="blank"></span></p>{% else %}
<ol type="A">{% for c in v.choices %}<li>{{ c.html | math }}</li>{% endfor %}</ol>{% endif %}
{% if key %}<div class="key"><p><b>Answer:</b> {% if v.type == "numeric" %}{{ num(v.answer) }} (± \
{{ num(v.tolerance) }}){% else %}{{ v.answer }}{% endif %}</p><p>{{ v.feedback | e | math }}</p></div>{% endif %}
</section>
{% endfor %}
{% endfor %}
</body></html>
""")


def _groups(quiz: Quiz, student: str | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    if student is None:
        return [(i, quiz.variants[i]) for i in quiz.items]
    codes = quiz.by_code()
    return [(i, [codes[quiz.assigned[student][i]]]) for i in quiz.items]


def write_preview(quiz: Quiz, out: Path, ext: str) -> list[Path]:
    tpl = _MD if ext == "md" else _HTML
    written = []
    for name, key in (("quiz", False), ("answer_key", True)):
        heading = f"lmcourse quiz, seed {quiz.seed}" + (" — answer key" if key else "")
        path = out / f"{name}.{ext}"
        path.write_text(tpl.render(heading=heading, groups=_groups(quiz), key=key), encoding="utf-8")
        written.append(path)
    for s in quiz.students:
        sid = s["student_id"]
        for sub, key in (("students", False), ("keys", True)):
            (out / sub).mkdir(exist_ok=True)
            heading = f"Quiz for {s['name'] or sid} ({sid}), seed {quiz.seed}" + (" — answer key" if key else "")
            path = out / sub / f"{file_stem(sid)}.{ext}"
            path.write_text(tpl.render(heading=heading, groups=_groups(quiz, sid), key=key), encoding="utf-8")
            written.append(path)
    return written


def _plain(v: dict[str, Any]) -> dict[str, Any]:
    out = {k: val for k, val in v.items() if k != "html"}
    if "choices" in v:
        out["choices"] = [{k: val for k, val in c.items() if k != "html"} for c in v["choices"]]
    return out


def write_json(quiz: Quiz, out: Path) -> list[Path]:
    doc = {"format": "lmcourse.quiz/1", "seed": quiz.seed, "items": quiz.items,
           "variants": [_plain(v) for i in quiz.items for v in quiz.variants[i]],
           "students": quiz.students, "assigned": quiz.assigned}
    path = out / "quiz.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return [path]


def key_doc(quiz: Quiz) -> dict[str, Any]:
    """Everything grading needs, nothing else: per variant its type, answer, tolerance, choices and mistakes."""
    variants = {}
    for v in quiz.by_code().values():
        k = {"item": v["item"], "index": v["index"], "type": v["type"], "answer": v["answer"]}
        if v["type"] == "numeric":
            k.update(tolerance=v["tolerance"], mistakes=[{"value": m["value"], "mistake": m["mistake"]}
                                                         for m in v["mistakes"]])
        else:
            k["choices"] = [{"letter": c["letter"], "text": c["text"], "correct": c["correct"],
                             "mistake": c["mistake"]} for c in v["choices"]]
        variants[v["code"]] = k
    return {"format": KEY_FORMAT, "seed": quiz.seed, "items": quiz.items, "variants": variants,
            "students": {s["student_id"]: {**s, "variants": quiz.assigned[s["student_id"]]} for s in quiz.students}}


def write_key(quiz: Quiz, out: Path) -> list[Path]:
    path = out / "key.json"
    path.write_text(json.dumps(key_doc(quiz), ensure_ascii=False), encoding="utf-8")
    written = [path]
    if quiz.students:
        codes = quiz.by_code()
        path = out / "answer_key.csv"
        rows = []
        for s in quiz.students:
            for item in quiz.items:
                v = codes[quiz.assigned[s["student_id"]][item]]
                text = next((c["text"] for c in v.get("choices", []) if c["correct"]), "")
                ans = num(v["answer"]) if v["type"] == "numeric" else v["answer"]
                tol = num(v["tolerance"]) if v["type"] == "numeric" else ""
                rows.append([s["student_id"], s["name"], item, v["code"], v["type"], ans, text, tol])
        write_csv(path, ["student_id", "name", "item", "variant", "type", "answer", "answer_text", "tolerance"], rows)
        written.append(path)
    return written
