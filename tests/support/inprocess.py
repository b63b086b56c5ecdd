"""Grade answers in this process, the way a test cell does it (autograder.runtime.otter.check), from the checks data.

A "notebook" here is the assignment's data cell followed by each code question's answer cell: the reference solution
(solutions/<id>/<slug>.py) unless `answers` replaces it with other source (a wrong answer, another style, a cell
that does not compile). Every test then runs as Otter's test cell runs it: the setup (data cell and probe helpers)
in a copy of the namespace, the probe evaluated there, the result compared with `compare`. Fast enough to grade
hundreds of answers in `make test`; `tests/assignments/test_mutants.py` checks a sample against `lmcourse grade`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings
from dataclasses import dataclass, field

from autograder.build import draw_mcqs, make_checks, variant_params
from autograder.course.content import Assignment, QuestionDir, load_assignment
from autograder.runtime.checks import Checks, Outcome, Question, compare, to_plain

DEFAULT = "default"


@functools.cache
def assignment(assignment_id: str) -> Assignment:
    return load_assignment(assignment_id)


@functools.cache
def checks(assignment_id: str, variant: str = DEFAULT) -> Checks:
    a = assignment(assignment_id)
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return make_checks(a, variant_params(a, variant), draw_mcqs(a, variant), variant)
    finally:
        torch.set_num_threads(threads)


def code_questions(assignment_id: str) -> list[QuestionDir]:
    return [q for q in assignment(assignment_id).questions if q.kind == "code"]


def question_dir(assignment_id: str, slug: str) -> QuestionDir:
    (q,) = [q for q in assignment(assignment_id).questions if q.slug == slug]
    return q


def solution(assignment_id: str, slug: str) -> str:
    a = assignment(assignment_id)
    return a.solution_path(question_dir(assignment_id, slug)).read_text(encoding="utf-8")


@dataclass
class Graded:
    outcomes: dict[str, list[Outcome]]  # question name -> one outcome per test
    questions: dict[str, Question] = field(repr=False, default_factory=dict)

    def score(self, q: str) -> float:
        tests = self.questions[q].tests
        weight = sum(t.points for t in tests)
        got = sum(t.points for t, o in zip(tests, self.outcomes[q], strict=True) if o.passed)
        return self.questions[q].points * got / weight if weight else 0.0

    def full(self, q: str) -> bool:
        return all(o.passed for t, o in zip(self.questions[q].tests, self.outcomes[q], strict=True) if t.points)

    def mistakes(self, q: str) -> set[str]:
        return {o.mistake for o in self.outcomes[q] if o.mistake}

    def messages(self, q: str) -> list[str]:
        return [o.message for o in self.outcomes[q] if not o.passed]


def _quiet():
    """No warnings or output from the answers, and one torch thread (tiny tensors: a thread pool only adds
    overhead, 10x on a busy 2-core machine)."""
    import torch

    stack = contextlib.ExitStack()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    stack.callback(torch.set_num_threads, threads)
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def _notebook(assignment_id: str, answers: dict[str, str], variant: str, mcq: dict[str, str]) -> dict:
    """The namespace after the notebook's cells ran (data cell, answer cells, MCQ answers), with the setup run once
    in a copy (Otter's cells run it per test: only the fixtures' identity differs)."""
    c = checks(assignment_id, variant)
    a = assignment(assignment_id)
    env: dict = {"__name__": "__main__"}
    exec(compile(a.module.data_cell(variant_params(a, variant)), "<data cell>", "exec"), env)
    for q in code_questions(assignment_id):
        source = answers.get(q.slug, solution(assignment_id, q.slug))
        try:
            exec(compile(source, f"<cell {q.slug}>", "exec"), env)
        except Exception:  # a cell that fails stops there, as in a kernel; later cells still run
            pass
    env.update(mcq)
    env["LMCOURSE_VARIANT"] = variant
    base = dict(env)
    exec(c.setup, base)
    return base


def grade(assignment_id: str, answers: dict[str, str] | None = None, variant: str = DEFAULT,
          only: list[str] | None = None) -> Graded:
    """Grade a notebook whose answer cells are the reference solutions, except `answers` (slug -> cell source).
    `only`: the question names to run the tests of (default: every code question)."""
    c = checks(assignment_id, variant)
    with _quiet():
        base = _notebook(assignment_id, answers or {}, variant, {})
        outcomes, questions = {}, {}
        for q in c.questions:
            if q.kind != "code" or (only is not None and q.name not in only):
                continue
            questions[q.name] = q
            outcomes[q.name] = [compare(t, _plain(t, base)) for t in q.tests]
    return Graded(outcomes, questions)


def plains(assignment_id: str, answers: dict[str, str] | None = None, mcq: dict[str, str] | None = None,
           variant: str = DEFAULT) -> dict[str, dict]:
    """{test name: plain value} for every test, MCQs too (`mcq`: e.g. {"q7_answer": "B"}): the answers the sandbox
    would send `lmcourse grade` for this notebook."""
    c = checks(assignment_id, variant)
    with _quiet():
        base = _notebook(assignment_id, answers or {}, variant, mcq or {})
        return {t.name: _plain(t, base) for q in c.questions for t in q.tests}


def _plain(test, base: dict) -> dict:
    ns = dict(base)
    try:
        return to_plain(eval(test.probe, ns))
    except Exception as e:
        return {"type": "error", "error": f"{type(e).__name__}: {e}"}


def function_name(source: str) -> str | None:
    m = re.search(r"^def (\w+)\(", source, flags=re.M)
    return m.group(1) if m else None
