"""Every export parsed by a real parser and checked against quiz.json, whose answers are recomputed here.

Moodle XML and QTI: lxml. GIFT: no sound GIFT parser is on PyPI (pygiftparser 1.1 rejects negative numbers and
exponents and is unmaintained), so `parse_gift` below is a strict parser of the GIFT subset Moodle documents:
it rejects any unescaped special character where the grammar does not allow one. Every GIFT file these tests write
is also parsed by gift-pegjs (npm), the PEG grammar other GIFT tools use, which rejects exponent notation: the
`gift_pegjs` fixture (tests/conftest.py) installs it once with `npm install --prefix` into a cache dir
($LMCOURSE_NPM_CACHE, default <tmp>/lmcourse-npm) and fails, never skips, when node or npm cannot.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from autograder.quiz import export
from autograder.quiz.engine import item_ids, item_module
from autograder.quiz.model import build_quiz

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

ITEMS = item_ids()

N = 4
SPECIAL = set("~=#{}:")


# ------------------------------------------------------------------ strict GIFT parser
def _lex(text: str) -> list[tuple[str, str]]:
    """("c", char) for literal characters (escaped specials included), ("s", char) for unescaped specials."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in SPECIAL | {"\\", "n"}:
                raise ValueError(f"bad escape at {text[i:i + 10]!r}")
            out.append(("c", "\n" if text[i + 1] == "n" else text[i + 1]))
            i += 2
            continue
        out.append(("s" if ch in SPECIAL else "c", ch))
        i += 1
    return out


def _literal(toks: list[tuple[str, str]], what: str) -> str:
    bad = [c for k, c in toks if k == "s"]
    if bad:
        raise ValueError(f"unescaped {bad[0]!r} in {what}: {''.join(c for _, c in toks)[:80]!r}")
    return "".join(c for _, c in toks)


def _split(toks: list[tuple[str, str]], ch: str) -> list[list[tuple[str, str]]]:
    parts: list[list[tuple[str, str]]] = [[]]
    for t in toks:
        if t == ("s", ch):
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _text_fb(toks: list[tuple[str, str]], what: str) -> tuple[str, str | None]:
    parts = _split(toks, "#")
    if len(parts) > 2:
        raise ValueError(f"more than one feedback in {what}")
    return _literal(parts[0], what).strip(), (_literal(parts[1], what + " feedback").strip() if len(parts) == 2
                                              else None)


def parse_question(block: str) -> dict:
    toks = _lex(block)
    if toks[:2] != [("s", ":"), ("s", ":")]:
        raise ValueError(f"question without ::title:: {block[:60]!r}")
    end = next(i for i in range(2, len(toks) - 1) if toks[i] == ("s", ":") and toks[i + 1] == ("s", ":"))
    title = _literal(toks[2:end], "title")
    rest = toks[end + 2:]
    opens = [i for i, t in enumerate(rest) if t == ("s", "{")]
    closes = [i for i, t in enumerate(rest) if t == ("s", "}")]
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0] or closes[0] != len(rest) - 1:
        raise ValueError(f"{title}: need exactly one answer block at the end")
    text = _literal(rest[: opens[0]], f"{title} text")
    m = re.match(r"\s*\[(html|markdown|plain|moodle)\](.*)", text, re.S)
    fmt, text = (m.group(1), m.group(2)) if m else ("moodle", text)
    body = rest[opens[0] + 1: closes[0]]
    general = None
    for i in range(len(body) - 3):
        if all(t == ("s", "#") for t in body[i:i + 4]):
            general = _literal(body[i + 4:], f"{title} general feedback").strip()
            body = body[:i]
            break
    q = {"title": title, "format": fmt, "text": text.strip(), "general": general}
    first = next((t for t in body if t[0] == "s" or t[1].strip()), ("c", ""))
    if first == ("s", "#"):
        lead = body.index(first)
        answers = []
        head, *entries = _split(body[lead + 1:], "=")
        if "".join(c for _, c in head).strip() or not entries:
            raise ValueError(f"{title}: numeric answers must each start with '='")
        for part in entries:
            value, *fbs = _split(part, "#")
            if len(fbs) > 1 or any(k == "s" and c != ":" for k, c in value):
                raise ValueError(f"{title}: bad numeric answer {''.join(c for _, c in part)!r}")
            raw = "".join(c for _, c in value).strip()
            fb = _literal(fbs[0], f"{title} numeric feedback").strip() if fbs else None
            fm = re.fullmatch(r"(?:%(-?\d+(?:\.\d+)?)%)?\s*(\S+?):(\S+)", raw)
            if not fm:
                raise ValueError(f"{title}: bad numeric answer {raw!r}")
            answers.append({"fraction": float(fm.group(1) or 100), "value": float(fm.group(2)),
                            "tolerance": float(fm.group(3)), "feedback": fb})
        q.update(type="numerical", answers=answers)
    elif first[0] == "c":
        parts = _split(body, "#")
        if not re.fullmatch(r"TRUE|FALSE|T|F", _literal(parts[0], f"{title} true/false").strip()):
            raise ValueError(f"{title}: answer block is neither numeric, choices nor true/false")
        q.update(type="truefalse", answer=_literal(parts[0], "tf").strip().startswith("T"),
                 feedback=[_literal(p, "tf feedback").strip() for p in parts[1:]])
    else:
        choices, cur = [], None
        for t in body:
            if t in (("s", "="), ("s", "~")):
                cur = {"correct": t[1] == "=", "toks": []}
                choices.append(cur)
            elif cur is None:
                if t[1].strip():
                    raise ValueError(f"{title}: text before the first choice")
            else:
                cur["toks"].append(t)
        for c in choices:
            c["text"], c["feedback"] = _text_fb(c.pop("toks"), f"{title} choice")
        q.update(type="multichoice", choices=choices)
    return q


def parse_gift(source: str) -> list[dict]:
    questions, category = [], None
    for block in re.split(r"\n\s*\n", source):
        lines = [ln for ln in block.splitlines() if not ln.lstrip().startswith("//")]
        if not "".join(lines).strip():
            continue
        if lines[0].startswith("$CATEGORY:"):
            category = lines[0].split(":", 1)[1].strip()
            lines = lines[1:]
            if not "".join(lines).strip():
                continue
        q = parse_question("\n".join(lines).strip())
        q["category"] = category
        questions.append(q)
    return questions


# ------------------------------------------------------------------ gift-pegjs (npm): fixture in tests/conftest.py
def check_gift_both_parsers(path: Path, gift_pegjs: Callable[[Path], list[dict]]) -> list[dict]:
    """Parse a GIFT export with the strict parser and gift-pegjs; they must agree on every question and answer."""
    text = path.read_text(encoding="utf-8")
    strict = parse_gift(text)
    peg = [q for q in gift_pegjs(path) if q["type"] != "Category"]
    assert not re.search(r"[=~](?:%-?\d+%)?-?\d+(?:\.\d+)?[eE][-+]?\d", text), "exponent notation in a GIFT answer"
    assert [q["title"] for q in peg] == [q["title"] for q in strict]
    kinds = {"numerical": "Numerical", "multichoice": "MC", "truefalse": "TF"}
    for p, q in zip(peg, strict, strict=True):
        assert p["type"] == kinds[q["type"]], q["title"]
        if q["type"] == "numerical":
            got = [(c["text"]["number"], c["text"]["range"], c["weight"]) for c in p["choices"]]
            want = [(a["value"], a["tolerance"], None if a["fraction"] == 100 else 0) for a in q["answers"]]
            assert got == want, q["title"]  # both parse the same decimal string to the same double
        elif q["type"] == "multichoice":
            assert [c["isCorrect"] for c in p["choices"]] == [c["correct"] for c in q["choices"]], q["title"]
        else:
            assert p["isTrue"] == q["answer"], q["title"]
    return strict


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("quiz")
    export(build_quiz(list(ITEMS), N, 2026), ["moodle-xml", "gift", "qti", "md", "html", "json"], d)
    return d


@pytest.fixture(scope="module")
def variants(out):
    doc = json.loads((out / "quiz.json").read_text(encoding="utf-8"))
    assert doc["format"] == "lmcourse.quiz/1" and doc["items"] == ITEMS
    return {v["code"]: v for v in doc["variants"]}


def _recompute(v: dict) -> float | None:
    """A numeric answer recomputed here from the params, or (an item not listed here) by the item's own
    key_from_stem from the printed stem, which tests/assignments/test_quiz_exact_keys.py checks exactly."""
    p = v["params"]
    here = {"total_loss": lambda: math.fsum(p["losses"]),
            "dataset_loss": lambda: math.fsum(x for r in p["losses"] for x in r),
            "sequence_probability": lambda: math.exp(-p["loss"]) if p["mode"] == "loss" else math.prod(p["probs"])}
    if v["item"] in here:
        return here[v["item"]]()
    key_from_stem = getattr(item_module(v["item"]), "key_from_stem", None)
    if v["type"] != "numeric" or key_from_stem is None:
        return None
    return float(key_from_stem({"stem": v["stem"], "choices": []}))


def test_json_answers_recomputed_from_params(variants):
    assert len(variants) == N * len(ITEMS)
    for v in variants.values():
        want = _recompute(v)
        if v["type"] == "numeric":
            assert want is not None, f"{v['item']}: no way to recompute its answer (define key_from_stem)"
            assert math.isclose(v["answer"], want, rel_tol=1e-12), v["code"]
        else:
            assert sum(c["correct"] for c in v["choices"]) == 1
    assert variants["total_loss/2026/0"]["answer"] == 4.0 and variants["dataset_loss/2026/0"]["answer"] == 16.0


def test_moodle_xml_structure(out, variants):
    root = etree.parse(str(out / "quiz.moodle.xml"), etree.XMLParser(no_network=True)).getroot()
    assert root.tag == "quiz"
    qs = root.findall("question")
    cats = [i for i, q in enumerate(qs) if q.get("type") == "category"]
    assert len(cats) == len(ITEMS)
    for n, (start, item) in enumerate(zip(cats, ITEMS, strict=True)):
        assert qs[start].findtext("category/text") == f"$course$/top/lmcourse/{item}"
        stop = cats[n + 1] if n + 1 < len(cats) else len(qs)
        members = qs[start + 1: stop]
        assert len(members) == N  # the category holds exactly this item's variants
        for q in members:
            v = variants[q.findtext("name/text")]
            assert v["item"] == item
            assert q.get("type") == {"numeric": "numerical", "mcq": "multichoice", "truefalse": "truefalse"}[v["type"]]
            html = q.findtext("questiontext/text")
            assert lxml.html.fromstring(html) is not None and v["code"] in html
            answers = q.findall("answer")
            full = [a for a in answers if a.get("fraction") == "100"]
            assert len(full) == 1 and all(a.get("fraction") in ("0", "100") for a in answers)
            assert all(a.findtext("feedback/text").strip() for a in answers)
            if v["type"] == "numeric":
                assert math.isclose(float(full[0].findtext("text")), _recompute(v), rel_tol=1e-9)
                assert float(full[0].findtext("tolerance")) == pytest.approx(v["tolerance"], rel=1e-9)
                assert len(answers) == len(v["mistakes"]) + 2 and answers[-1].findtext("text") == "*"
            elif v["type"] == "mcq":
                assert q.findtext("single") == "true" and q.findtext("answernumbering") == "ABCD"
                right = next(c for c in v["choices"] if c["correct"])
                assert lxml.html.fromstring(full[0].findtext("text")).text_content() == right["text"]
                assert len(answers) == len(v["choices"])
            else:
                assert full[0].findtext("text") == v["answer"].lower()


def test_gift_parses_strictly_and_matches(out, variants, gift_pegjs):
    qs = check_gift_both_parsers(out / "quiz.gift", gift_pegjs)
    assert len(qs) == len(variants)
    assert [q["category"] for q in qs] == [f"$course$/top/lmcourse/{i}" for i in ITEMS for _ in range(N)]
    for q in qs:
        v = variants[q["title"]]
        assert q["format"] == "html" and v["code"] in q["text"] and q["general"]
        if v["type"] == "numeric":
            assert q["type"] == "numerical"
            right = [a for a in q["answers"] if a["fraction"] == 100]
            assert len(right) == 1 and math.isclose(right[0]["value"], _recompute(v), rel_tol=1e-9)
            assert right[0]["tolerance"] == pytest.approx(v["tolerance"], rel=1e-9)
            assert len(q["answers"]) == 1 + len(v["mistakes"]) and all(a["feedback"] for a in q["answers"])
        elif v["type"] == "truefalse":
            assert q["type"] == "truefalse" and q["answer"] == (v["answer"] == "True") and len(q["feedback"]) == 2
        else:
            assert q["type"] == "multichoice" and sum(c["correct"] for c in q["choices"]) == 1
            right = next(c for c in q["choices"] if c["correct"])
            assert lxml.html.fromstring(right["text"]).text_content() == \
                next(c["text"] for c in v["choices"] if c["correct"])
            assert all(c["feedback"] for c in q["choices"])


def test_gift_parser_is_strict():
    with pytest.raises(ValueError, match="unescaped"):
        parse_question("::t::[html]a = b{=x#ok ~y#no}")
    q = parse_question(r"::t::[html]a \= b\: c{#=4:0.01#ok =%0%1.5:0.01#mean}")
    assert q["text"] == "a = b: c" and [a["value"] for a in q["answers"]] == [4.0, 1.5]


def test_qti_zip_structure(out, variants):
    with zipfile.ZipFile(out / "quiz.qti.zip") as zf:
        names = set(zf.namelist())
        manifest = etree.fromstring(zf.read("imsmanifest.xml"))
        cp = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
        hrefs = [f.get("href") for f in manifest.iterfind(".//cp:resource/cp:file", cp)]
        assert hrefs and all(h in names for h in hrefs)
        qti_res = manifest.find(".//cp:resource[@type='imsqti_xmlv1p2']", cp)
        doc = etree.fromstring(zf.read(qti_res.find("cp:file", cp).get("href")))
        etree.fromstring(zf.read(next(h for h in hrefs if h.endswith("assessment_meta.xml"))))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    groups = doc.findall("q:assessment/q:section/q:section", ns)
    assert [g.get("ident") for g in groups] == [f"g_{i}" for i in ITEMS]
    for g in groups:
        assert g.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=ns) == "1"
        items = g.findall("q:item", ns)
        assert len(items) == N
        for it in items:
            v = variants[it.get("title")]
            qtype = it.findtext(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", namespaces=ns)
            assert qtype == {"numeric": "numerical_question", "mcq": "multiple_choice_question",
                             "truefalse": "true_false_question"}[v["type"]]
            lxml.html.fromstring(it.findtext("q:presentation/q:material/q:mattext", namespaces=ns))
            scoring = [rc for rc in it.iterfind(".//q:respcondition", ns)
                       if rc.find("q:setvar", ns) is not None]
            assert len(scoring) == 1 and scoring[0].findtext("q:setvar", namespaces=ns) == "100"
            if v["type"] == "numeric":
                lo = float(scoring[0].findtext(".//q:vargte", namespaces=ns))
                hi = float(scoring[0].findtext(".//q:varlte", namespaces=ns))
                assert lo < _recompute(v) < hi and hi - lo == pytest.approx(2 * v["tolerance"], rel=1e-6)
            else:
                labels = {lab.get("ident"): lab.findtext(".//q:mattext", namespaces=ns)
                          for lab in it.iterfind(".//q:response_label", ns)}
                right = scoring[0].findtext(".//q:varequal", namespaces=ns)
                want = next(c for c in v["choices"] if c["correct"])
                assert lxml.html.fromstring(labels[right]).text_content() == want["text"]
                fb = {f.get("ident") for f in it.iterfind("q:itemfeedback", ns)}
                assert {f"{k}_fb" for k in labels} <= fb


def test_previews_keep_answers_in_a_separate_file(out, variants):
    quiz_md = (out / "quiz.md").read_text(encoding="utf-8")
    key_md = (out / "answer_key.md").read_text(encoding="utf-8")
    assert "**Answer:**" not in quiz_md and key_md.count("**Answer:**") == len(variants)
    assert all(code in quiz_md for code in variants)
    page = lxml.html.fromstring((out / "quiz.html").read_text(encoding="utf-8"))
    key = lxml.html.fromstring((out / "answer_key.html").read_text(encoding="utf-8"))
    assert len(page.xpath("//section")) == len(variants) and not page.xpath("//div[@class='key']")
    assert len(key.xpath("//div[@class='key']")) == len(variants)
    assert not page.xpath("//em")  # no markdown emphasis accidents from x_0 / L_θ subscripts


HOSTILE = "a ]]> <b>x</b> & \"q\" 'r' {y} ~z =w #v :u \\ back\nnew line"


def test_exports_escape_hostile_text(tmp_path, gift_pegjs):
    """Texts full of XML and GIFT specials survive every writer and parse back unchanged."""
    from autograder.quiz.model import Quiz, _finish

    v = _finish({"item": "training_goal", "seed": 1, "index": 1, "type": "mcq", "title": "t", "params": {},
                 "stem": HOSTILE, "answer": "A", "feedback": HOSTILE,
                 "choices": [{"text": HOSTILE, "correct": True, "feedback": HOSTILE, "mistake": None},
                             {"text": "other " + HOSTILE, "correct": False, "feedback": HOSTILE, "mistake": "m"}]})
    n = _finish({"item": "total_loss", "seed": 1, "index": 1, "type": "numeric", "title": "t", "params": {},
                 "stem": HOSTILE, "answer": -3.5e-07, "tolerance": 1e-9, "feedback": HOSTILE,
                 "mistakes": [{"value": 2.0, "mistake": "m", "feedback": HOSTILE}]})
    quiz = Quiz(1, ["total_loss", "training_goal"], {"total_loss": [n], "training_goal": [v]})
    export(quiz, ["moodle-xml", "gift", "qti", "html", "json"], tmp_path)
    flat = " ".join(HOSTILE.split())
    root = etree.parse(str(tmp_path / "quiz.moodle.xml")).getroot()
    mc = root.find("question[@type='multichoice']")
    assert lxml.html.fromstring(mc.findtext("answer/text")).text_content() == HOSTILE
    assert lxml.html.fromstring(mc.findtext("generalfeedback/text")).text_content() == HOSTILE
    assert float(root.find("question[@type='numerical']/answer/text").text) == -3.5e-07
    gift = check_gift_both_parsers(tmp_path / "quiz.gift", gift_pegjs)
    assert [q["type"] for q in gift] == ["numerical", "multichoice"]
    assert gift[0]["answers"][0]["value"] == -3.5e-07 and "=-0.00000035:0.000000001#" in \
        (tmp_path / "quiz.gift").read_text(encoding="utf-8")
    assert " ".join(lxml.html.fromstring(gift[1]["choices"][0]["text"]).text_content().split()) == flat
    with zipfile.ZipFile(tmp_path / "quiz.qti.zip") as zf:
        doc = etree.fromstring(zf.read("lmcourse_quiz_1/lmcourse_quiz_1.xml"))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    label = doc.find(".//q:response_label[@ident='A']//q:mattext", ns).text
    assert lxml.html.fromstring(label).text_content() == HOSTILE
    assert json.loads((tmp_path / "quiz.json").read_text(encoding="utf-8"))["variants"][1]["stem"] == HOSTILE


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_gift_escape_round_trips(text):
    from autograder.quiz.gift import gift_escape

    assert _literal(_lex(gift_escape(text)), "text") == " ".join(text.split())


@pytest.mark.parametrize(("seed", "n", "roster"), [(7, 60, False), (2026, 1, True)])
def test_gift_every_export_parses_with_gift_pegjs_and_xml_validates(tmp_path, gift_pegjs, seed, n, roster):
    """Larger and roster exports: tiny probabilities (exp(-9) ~ 0.0001) are plain decimals that gift-pegjs
    accepts; Moodle XML of the same quiz is well-formed for lxml and its numbers parse."""
    from autograder.quiz.model import read_roster

    students = read_roster(Path(__file__).parents[2] / "examples" / "roster.csv") if roster else None
    quiz = build_quiz(list(ITEMS), n, seed, students)
    export(quiz, ["gift", "moodle-xml"], tmp_path)
    qs = check_gift_both_parsers(tmp_path / "quiz.gift", gift_pegjs)
    assert len(qs) == sum(len(v) for v in quiz.variants.values())
    root = etree.parse(str(tmp_path / "quiz.moodle.xml"), etree.XMLParser(no_network=True)).getroot()
    numbers = [t.text for t in root.iterfind("question[@type='numerical']/answer/text") if t.text != "*"]
    numbers += [t.text for t in root.iterfind("question[@type='numerical']/answer/tolerance")]
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", x) for x in numbers), numbers[:5]


def test_gift_numbers_never_use_exponents():
    from autograder.quiz.model import num

    assert [num(x) for x in (6.173959535e-06, 4.0, 16.0, 1e12, -3.5e-07, 0.1 + 0.2)] == \
        ["0.000006173959535", "4", "16", "1000000000000", "-0.00000035", "0.3"]
    with pytest.raises(ValueError, match="cannot write"):
        num(float("nan"))
