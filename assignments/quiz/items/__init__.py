"""One module per quiz item (PrairieLearn style), discovered by autograder.quiz.engine from this folder: ORDER, TYPE,
TITLE, ORIGINAL params, a Jinja2 STEM, `generate(rng) -> params` and `solve(params) -> answer, choices/mistakes,
feedback` computed with lmcore. Recipe: AUTHORING.md."""
