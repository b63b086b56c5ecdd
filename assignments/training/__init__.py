"""Assignment "training" (spec in spec.py, template master.ipynb.j2)."""
