"""Assignment "tokens" (spec in spec.py, template master.ipynb.j2)."""
