"""The student runtime: everything a student's environment and Otter's test files need, and nothing that computes
an answer. It holds the checks schema (`checks`: plain-data tests, conversion of a probe's result to plain values,
comparison with feedback), the entry point Otter's test cells call (`otter.check`) and the notebook finder of
the first cell and the export cell (`notebook.notebook_path`, `notebook.jupyter_can_save`).

Layering: lmcore <- autograder.runtime <- content (assignments/, solutions/) <- tools (build, grade, quiz, cli).
This package never imports the tools or the content; `tests/test_layers.py` asserts it.
"""

from autograder.runtime.notebook import jupyter_can_save, notebook_path
from autograder.runtime.otter import check

__all__ = ["check", "jupyter_can_save", "notebook_path"]
