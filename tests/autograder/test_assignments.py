"""Assignment content: the course card's numbers in the default variant, the same questions for every variant,
different numbers per variant, known mistakes that can always be told apart from the right answer, probes that need
only the student edition of lmcore, data cells that give no answer away, and one pattern for student functions."""

from __future__ import annotations

import ast
import builtins
import re
import symtable

import pytest

from autograder.build import draw_mcqs, make_checks, variant_params
from autograder.course.content import ROOT, assignment_ids, load_assignment
from autograder.course.variants import variant_id
from autograder.runtime.checks import NONFINITE
from autograder.runtime.compare import _matches

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

VARIANTS = ["default", variant_id("x", "s001", 2026), variant_id("x", "s002", 2026)]
# what the student edition of lmcore keeps (the grading jail imports the same edition)
STUDENT_LMCORE = {"BigramLM", "GPT", "GPTConfig", "load_corpus", "Corpus", "ENTROPY_FLOOR", "BPETokenizer"}


@pytest.fixture(scope="module", params=assignment_ids())
def specs(request):
    a = load_assignment(request.param)
    out = {}
    for v in VARIANTS:
        p = variant_params(a, v)
        out[v] = (p, make_checks(a, p, draw_mcqs(a, v), v))
    return a, out


def _shape(c):
    return [(q.name, q.points, q.kind, q.forbidden, [(t.name, t.points, t.hidden, t.kind) for t in q.tests])
            for q in c.questions]


def test_assignments_every_variant_has_the_same_questions_tests_and_points(specs):
    a, by_variant = specs
    shapes = {v: _shape(c) for v, (_, c) in by_variant.items()}
    assert all(s == shapes["default"] for s in shapes.values()), a.id
    for _, c in by_variant.values():  # named as names.toml hands them out, shown in folder order
        assert [q.name for q in c.questions] == [q.name for q in a.questions], a.id
    assert len({q.name for q in a.questions}) == len(a.questions), a.id
    for _, c in by_variant.values():
        for q in c.questions:
            assert q.points == sum(t.points for t in q.tests), (a.id, q.name)  # question points = its tests' points


def test_assignments_variants_have_different_numbers(specs):
    a, by_variant = specs
    expects = {v: [t.expect for q in c.questions if q.kind == "code" for t in q.tests]
               for v, (_, c) in by_variant.items()}
    assert expects[VARIANTS[0]] != expects[VARIANTS[1]] != expects[VARIANTS[2]] != expects[VARIANTS[0]], a.id
    assert len({c.setup for _, c in by_variant.values()}) == len(VARIANTS), a.id


def test_assignments_mistake_values_never_match_the_right_answer(specs):
    a, by_variant = specs
    for v, (_, c) in by_variant.items():
        for q in c.questions:
            for t in q.tests:
                expected = _plain(t.expect)
                for m in t.mistakes:
                    if m.value != NONFINITE:
                        assert not _matches(t, m.value, expected), (a.id, v, t.name, m.name)
                keys = [(m.name, repr(m.value)) for m in t.mistakes]
                assert len(keys) == len(set(keys)), (a.id, t.name)


def test_assignments_every_mistake_id_is_catalogued(specs):
    from autograder.runtime.mistakes import MISTAKES

    a, by_variant = specs
    used = {m.name for _, c in by_variant.values() for q in c.questions for t in q.tests for m in t.mistakes}
    declared = {k for _, c in by_variant.values() for k in c.mistakes}  # content's own ids, with their words
    assert used and used <= set(MISTAKES) | declared, (a.id, used - set(MISTAKES) - declared)


def _plain(value):
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, (int, float)):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return {"type": "list", "value": [_plain(x) for x in value]}
    import numpy as np

    a = np.asarray(value)
    return {"type": "array", "shape": list(a.shape), "dtype": str(a.dtype), "value": a.tolist()}


def _lmcore_names(code: str) -> set[str]:
    """Every lmcore attribute a piece of code (setup, helper or probe) reaches: lmcore.X and from lmcore import X."""
    names = set(re.findall(r"\blmcore\.(\w+)", code))
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lmcore"):
            names |= {a.name for a in node.names} | {node.module}
    return names


def test_assignments_setup_and_probes_use_only_the_student_edition_of_lmcore(specs):
    """Nothing the grader runs next to student code needs a function a question forbids (the jail lacks them)."""
    a, by_variant = specs
    for v, (_, c) in by_variant.items():
        code = [c.setup] + [t.probe for q in c.questions for t in q.tests]
        used = set().union(*(_lmcore_names(x) for x in code))
        assert used <= STUDENT_LMCORE, (a.id, v, used - STUDENT_LMCORE)
        imports = {n.split(".")[0] for x in code for node in ast.walk(ast.parse(x))
                   if isinstance(node, (ast.Import, ast.ImportFrom))
                   for n in ([al.name for al in node.names] if isinstance(node, ast.Import) else [node.module or ""])}
        assert imports <= {"torch", "numpy", "math", "lmcore", "json"}, (a.id, imports)


def test_assignments_data_cell_gives_no_answer_away(specs):
    """The data cell holds no code question's expected value (e.g. tokens: no TRAIN_TOKENS = tokenize(TEXT))."""
    a, by_variant = specs
    for v, (p, c) in by_variant.items():
        cell = a.module.data_cell(p)
        for q in c.questions:
            for t in q.tests:
                if q.kind == "code" and isinstance(t.expect, list) and len(repr(t.expect)) >= 12:
                    assert repr(t.expect) not in cell, (a.id, v, t.name)


def test_assignments_loss_prompts_allow_torch_functions():
    a = load_assignment("loss")
    for q in a.questions[1:4]:
        text = (q.path / "prompt.md.j2").read_text()
        assert "F.cross_entropy" in text and "allowed" in text and "lmcore" in text, q.path.name


def _solution_functions(a) -> list[tuple[str, ast.FunctionDef, str]]:
    out = []
    for q in a.questions:
        if q.kind == "code":
            src = a.solution_path(q).read_text()
            fns = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)]
            out.append((q.path.name, fns, src))
    return out


@pytest.mark.parametrize("assignment", assignment_ids())
def test_assignments_student_functions_follow_one_pattern(assignment):
    """One function per answer cell, with a docstring, a stub raising NotImplementedError without a question
    number (folders renumber), and no name from other cells: all it uses is an argument or defined in its cell."""
    a = load_assignment(assignment)
    allowed = set(dir(builtins))
    for folder, fns, src in _solution_functions(a):
        assert len(fns) == 1 and ast.get_docstring(fns[0]), folder
        stub = re.search(r'raise NotImplementedError\("([^"]+)"\)', src)
        assert stub and not re.match(r"q\d+:", stub.group(1)), folder
        table = symtable.symtable(src, folder, "exec")
        same_cell = {s.get_name() for s in table.get_symbols() if s.is_imported() or s.is_assigned()}
        fn = next(t for t in table.get_children() if t.get_name() == fns[0].name)
        free = set(fn.get_globals()) - allowed - same_cell
        assert not free, (folder, free)


def test_assignments_default_variant_is_the_course_card():
    loss = load_assignment("loss")
    p = variant_params(loss, "default")
    assert p["steps"] == [1.2, 0.5, 2.3] and p["tokens"] == ["The", "cat", "sat", "on"]
    mcqs = draw_mcqs(loss, "default")
    c = make_checks(loss, p, mcqs, "default")
    q1 = c.questions[0].tests[0]
    assert q1.expect == 4.0 and q1.mistakes[0].name == "mean-instead-of-sum"
    assert "('The', 'cat', 'sat', 'on')" in mcqs["q7"].stem
    training = load_assignment("training")
    assert variant_params(training, "default")["before"] == [8.4, 2.1, 5.5]
    tmcqs = draw_mcqs(training, "default")
    assert "8.4" in tmcqs["q5"].stem
    tf = tmcqs["q7"]  # "the objective finds a unique optimal parameter set for each sequence": false
    assert "unique" in tf.stem and tf.options == ["True", "False"] and tf.key == ["B"]


def test_assignments_content_imports_no_tool():
    """Content imports lmcore, autograder.runtime and other content only (the tools find it by folder)."""
    for path in list((ROOT / "assignments").rglob("*.py")) + list((ROOT / "solutions").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            mods = [al.name for al in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for m in mods:
                assert not m.startswith("autograder") or m.startswith("autograder.runtime"), (path, m)


def _default_checks(assignment: str):
    a = load_assignment(assignment)
    p = variant_params(a, "default")
    return a, make_checks(a, p, draw_mcqs(a, "default"), "default")


def _outcomes(checks, question: str, ns: dict) -> list:
    from autograder.runtime.checks import evaluate

    q = next(q for q in checks.questions if q.name == question)
    out = []
    for t in q.tests:
        try:
            value = eval(t.probe, ns)
        except Exception as e:
            out.append(compare_error(t, e))
            continue
        out.append(evaluate(t, value))
    return out


def compare_error(t, e):
    from autograder.runtime.checks import compare

    return compare(t, {"type": "error", "error": f"{type(e).__name__}: {e}"})


def test_assignments_tokens_row_for_x0_is_named_once_and_the_row_sums_pass():
    """Issue 10 #5: after "row for x_0" the next test said "each row is a distribution with a single 1"."""
    import torch

    _, checks = _default_checks("tokens")
    ns = {"torch": torch, "one_hot_targets": lambda ids, V: torch.nn.functional.one_hot(torch.tensor(ids), V).float()}
    outcomes = _outcomes(checks, "q5", ns)
    failed = [o.mistake for o in outcomes if not o.passed]
    assert outcomes[0].mistake == "row-for-x0" and any(o.passed for o in outcomes), [o.message for o in outcomes]
    assert len(failed) >= 2 and set(failed) == {"row-for-x0"}, [o.message for o in outcomes]


def test_assignments_training_mean_objective_costs_question_1_only():
    """Issue 10 #4: a per-token/sequence mean in q1 failed q2 and q3 too, with messages not naming the cause."""
    import warnings

    a, checks = _default_checks("training")
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(checks.setup, ns)
        for q in a.questions:
            if q.kind == "code":
                exec(a.solution_path(q).read_text(), ns)
        correct = {q: _outcomes(checks, q, ns) for q in ("q1", "q2", "q3")}
        base = ns["objective"]
        ns["objective"] = lambda model, seqs: base(model, seqs) / len(seqs)  # the mean-instead-of-sum mistake
        mean = {q: _outcomes(checks, q, ns) for q in ("q1", "q2", "q3")}
    assert all(o.passed for os in correct.values() for o in os), {q: [o.message for o in os]
                                                                   for q, os in correct.items()}
    assert {o.mistake for o in mean["q1"] if not o.passed} == {"mean-instead-of-sum"}
    assert sum(not o.passed for o in mean["q1"]) >= 2
    assert all(o.passed for q in ("q2", "q3") for o in mean[q])


def test_assignments_loss_400_token_test_names_underflow_only_for_its_signature():
    """Issue 10 #3: "a product of 400 probabilities underflows" was said for NameError, NotImplementedError and a
    missing minus."""
    import math

    _, checks = _default_checks("loss")
    tests = next(q for q in checks.questions if q.name == "q5").tests
    at = next(i for i, t in enumerate(tests) if "400" in t.name)
    long_test = tests[at]

    def outcome(fn):
        return _outcomes(checks, "q5", {"sequence_log_prob": fn, "math": math})[at]

    def stub(ps):
        raise NotImplementedError("apply the chain rule in log space")

    assert outcome(lambda ps: math.log(math.prod(ps))).mistake == "product-underflow"
    assert outcome(lambda ps: -math.fsum(map(math.log, ps))).mistake == "missing-minus"
    assert outcome(stub).mistake == "unattempted"
    named = outcome(lambda ps: undefined_name)  # noqa: F821
    assert named.mistake is None and "underflow" not in named.message  # a name undefined inside the answer
    assert long_test.hidden


def test_assignments_objective_change_is_decided_on_exact_decimals():
    """A float sum makes 4.6 + 3.5 - (4.9 + 3.2) = -1.8e-15, a tie that flips a sign; the change is exact."""
    from fractions import Fraction

    a = load_assignment("training")
    q4 = next(q for q in a.questions if q.slug == "objective_change").checks_module()
    p = {"before": [4.9, 3.2, 1.0], "after": [4.6, 3.5, 1.1], "hidden_before": [2.0], "hidden_after": [1.0]}
    test = q4.question(p, "q4").tests[0]
    assert test.expect == float(Fraction("0.1")) and (4.6 + 3.5 + 1.1) - (4.9 + 3.2 + 1.0) != test.expect
    with pytest.raises(ValueError, match="exactly 0"):
        q4.question({**p, "before": [4.9, 3.2], "after": [4.6, 3.5]}, "q4")
    for v in VARIANTS:
        p = variant_params(a, v)
        assert sum(map(Fraction, map(str, p["after"]))) != sum(map(Fraction, map(str, p["before"])))
