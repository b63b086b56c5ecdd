"""One module per quiz item (PrairieLearn style): TYPE, TITLE, ORIGINAL params, a Jinja2 STEM,
`generate(rng) -> params` and `solve(params) -> answer, choices/mistakes, feedback` computed with lmcore."""
