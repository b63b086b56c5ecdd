"""The teacher's view on a generated 30-student roster class (tests/support/classroom.py): honest students writing
the same short natural answers in their own styles, nine with the course's known mistakes, a blank notebook, a syntax
error, an infinite loop, a student who submits nothing, a whole-notebook copy and a renamed-and-edited copy of four
answers. Issue 19's "done when": the two copies rank first and second, no honest pair reaches the threshold, and the
report's first screen (1400×900, headless Chromium) names who needs help and the most common mistake."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import class_plan as cp  # tests/support
import classroom as cr  # tests/support
import grade_fixtures as gf
import numpy as np
import pytest
import torch

import lmcore
from autograder.grade import report, similarity
from autograder.grade.bundle import Bundle
from autograder.grade.submissions import collect
from autograder.runtime.mistakes import label

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium, installed by the project's setup
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREEN = {"width": 1400, "height": 900}


def first_screen(page_path: Path, texts: list[str], shot: Path | None = None) -> dict[str, float | None]:
    """Open the page at 1400×900 in headless Chromium; for each text, the top (px) of the first element whose own
    text holds it, or None. Optionally a screenshot of that first screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=SCREEN)
        page.goto(page_path.resolve().as_uri())
        tops = page.evaluate("""(texts) => texts.map(t => {
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            let best = null;
            while (walk.nextNode()) {
                if (!walk.currentNode.textContent.includes(t)) continue;
                const r = walk.currentNode.parentElement.getBoundingClientRect();
                if (r.width > 0 && (best === null || r.top < best)) best = r.top;
            }
            return best; })""", texts)
        if shot is not None:
            page.screenshot(path=str(shot))
        browser.close()
    return dict(zip(texts, tops, strict=True))


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("teacher")
    built = cp.build_roster_class(tmp)
    out = tmp / "grades"
    gf.grade(built["zip"], [built["subs"]], out, "--timeout", "5")
    bundle = Bundle.load(built["zip"])
    summaries = [json.loads(p.read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
                 for p in sorted((out / "results").glob("*.json"))]
    pairs = similarity.flag(built["zip"], None, [built["subs"]], out, similarity.THRESHOLD, None)
    rows = cp.class_rows(built["roster"], summaries, built["plan"])
    report.write_report(out, summaries, bundle.questions, "Grades: loss", bundle.checks, pairs,
                        similarity.THRESHOLD, students=rows)
    return {**built, "out": out, "rows": rows, "pairs": pairs, "summaries": summaries}


def test_generated_honest_answers_are_right_and_planted_mistakes_are_theirs() -> None:
    """The class is honest where it says so: every style of every question, with any student's habits, computes the
    right value; each planted mistake gives its mistake's value."""
    logits, ids = torch.randn(5, 8, generator=torch.Generator().manual_seed(0)), [4, 5, 7, 6, 1]
    p, q = torch.softmax(logits[1].double() / 2, -1), torch.softmax(logits[0].double(), -1)
    probs = torch.softmax(logits[:-1].double(), -1)
    cases = {"q1": ("sequence_total(step_losses)", ([1.2, 0.5, 2.3],), 4.0, {"mean-instead-of-sum": 4 / 3}),
             "q2": ("cross_entropy(p, q)", (p, q), float(lmcore.cross_entropy(p, q)), {}),
             "q3": ("step_losses_from_probs(probs, targets)", (probs, ids[1:]),
                    [-math.log(probs[i, t]) for i, t in enumerate(ids[1:])],
                    {"log-base-2": [-math.log2(probs[i, t]) for i, t in enumerate(ids[1:])]}),
             "q4": ("sequence_loss_from_logits(logits, ids)", (logits * 1000, ids),
                    float(lmcore.sequence_loss(logits[:-1].double() * 1000, ids[1:])), {}),
             "q5": ("sequence_log_prob(step_probs)", ([0.5] * 400,), 400 * math.log(0.5), {}),
             "q6": ("dataset_total(step_losses_per_sequence)", ([[1.2, 0.5], [3.1]],), 4.8,
                    {"mean-instead-of-sum": 2.4})}
    for question, (signature, args, want, wrong) in cases.items():
        template = f"def {signature}:\n    raise NotImplementedError()"
        for k in range(120):
            rng = random.Random(k)
            mistake = rng.choice([None, *wrong]) if wrong and k % 3 == 0 else None
            ns = {"math": math, "torch": torch, "np": np, "sequence_total": sum}
            exec(cr.fill(template, cr.honest_body(question, template, rng, mistake, cr.traits(rng)), False), ns)
            got = ns[signature.split("(")[0]](*args)
            got = [float(x) for x in got] if question == "q3" else float(got)
            assert np.allclose(got, wrong.get(mistake, want), rtol=1e-4), (question, mistake, k)


@pytest.mark.slow
def test_the_planted_copies_rank_first_and_no_honest_pair_is_flagged(term: dict) -> None:
    plan = term["plan"]
    copies = {frozenset(f"{s}.ipynb" for s in pair) for pair in (plan.whole_copy, plan.edited_copy)}
    subs, bundle, template = collect([term["subs"]]), Bundle.load(term["zip"]), term["starters"]["s001"].parent.parent
    starter = template / "loss.ipynb"
    pairs = [p for p in similarity.run(subs, bundle.checks["default"], starter,
                                       similarity.graded_variants(term["out"], subs),
                                       similarity.variant_notebooks(starter, bundle.mapping)) if not p.reference]
    assert {frozenset((p.a.name, p.b.name)) for p in pairs[:2]} == copies
    assert all(p.score < similarity.THRESHOLD for p in pairs[2:]), [(p.a.name, p.b.name, p.score) for p in pairs[2:4]]
    whole = next(p for p in pairs if {p.a.name, p.b.name} == {f"{s}.ipynb" for s in plan.whole_copy})
    assert whole.score >= similarity.THRESHOLD and {e[0] for e in whole.evidence()} >= set(cr.CODE_QUESTIONS)
    assert [(p.a.name, p.b.name) for p in term["pairs"]] == [(p.a.name, p.b.name) for p in pairs
                                                              if p.score >= similarity.THRESHOLD]


@pytest.mark.slow
def test_the_first_screen_names_who_needs_help_and_what_to_reteach(term: dict, tmp_path: Path) -> None:
    plan, rows = term["plan"], {r["student_id"]: r for r in term["rows"]}
    flagged = {Path(n).stem for p in term["pairs"] for n in (p.a.name, p.b.name)}
    assert set(plan.whole_copy) <= flagged
    needy = [*plan.missing, *plan.blank, *plan.broken, *sorted(flagged)]
    names = {sid: f"{rows[sid]['name']} ({sid})" for sid in needy}
    common = label("mean-instead-of-sum")  # planted in 4 students, more than any other mistake
    tops = first_screen(term["out"] / "report.html", [*names.values(), common], tmp_path / "first.png")
    assert all(top is not None and top < SCREEN["height"] for top in tops.values()), tops
    html = (term["out"] / "report.html").read_text(encoding="utf-8")
    first = html.index(names[plan.missing[0]])
    assert html.index("did not submit") <= first < html.index(names[plan.whole_copy[1]])  # sorted by need
    assert f"<b>{common}</b> — 4 students" in html  # counted once per student, q1 and q6 together
    assert (tmp_path / "first.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_non_gradable_rows_count_once_as_their_status(term: dict) -> None:
    plan = term["plan"]
    loop = next(s for s, how in plan.broken.items() if how == "infinite-loop")
    row = next(r for r in term["rows"] if r["student_id"] == loop)
    assert row["status"] == "timeout" and report.categories(row["summary"]) == {}
    html = (term["out"] / "report.html").read_text(encoding="utf-8")
    assert "timeout" in html and "failed, no known mistake diagnosed</b>" not in html
    students = (term["out"] / "students.html").read_text(encoding="utf-8")
    assert all(f"({r['student_id']})" in students for r in term["rows"])  # every roster student, missing included
