"""The build: content (found by folder, autograder/course) → Otter master notebook → Otter Assign → per-student
notebooks, checks documents, the student kit and the Gradescope-ready autograder zip (`lmcourse build`,
autograder/cli/build.py).

    assignment.py  build_assignment: one assignment's variants, checks, Otter Assign run and student notebooks
    notebook.py    the base notebook template (templates/notebook.ipynb.j2) rendered with a variant's content
    mcq.py         an MCQ question drawn from the quiz item bank for a variant
    examples.py    examples/submissions/<id>/ and their expected totals (`python -m autograder.build.examples`)
"""

from autograder.build.assignment import build_assignment, describe, draw_mcqs, make_checks, variant_params

__all__ = ["build_assignment", "describe", "draw_mcqs", "make_checks", "variant_params"]
