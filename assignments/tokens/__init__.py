"""Assignment "tokens": assignment.py (title, params, data cell), intro.md.j2 and one folder per question."""
