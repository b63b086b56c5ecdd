"""README's "What students are told" examples are the grader's real output: regenerated from the current content and
grader, they must equal what README.md shows (`python tests/support/feedback_section.py --update` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import feedback_section

ROOT = Path(__file__).resolve().parent.parent


def test_readme_feedback_section_is_the_graders_real_output():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(feedback_section.BEGIN), text.index(feedback_section.END) + len(feedback_section.END)
    assert text[start:end] == feedback_section.section(), "run: python tests/support/feedback_section.py --update"


def test_readme_feedback_section_shows_every_kind_of_feedback():
    section = feedback_section.section()
    for words in ("this is the mean of the step losses", "hidden tests check it again", "overflows",
                  "does not run", "not attempted yet", "your answer is recorded", "option ", "Python number",
                  "zero_grad", "inner apostrophe"):
        assert words in section, words
