"""tokenize: words (inner apostrophes and hyphens kept) and punctuation marks, each mark a token of its own."""

import lmcore
from assignments.signatures import distinct
from assignments.tokens.common import wrong_tokenizations
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "import re\n\n\ndef tokenize(text):\n"
MESSAGES = {
    "punctuation-attached": "a punctuation mark stayed attached to a word ('mat.'): every mark is a token of its own.",
    "punctuation-dropped": "punctuation marks are missing: every mark is a token of its own (\\w+ alone drops them).",
    "inner-word-split": "a word with an inner apostrophe or hyphen was split: \"isn't\" and \"well-known\" are one "
                        "token each.",
    "punctuation-run-merged": "a run of marks stayed one token ('?!', '...'): each mark is a token of its own.",
    "case-folded": "the case changed: keep every letter as it is ('The' and 'the' are different tokens).",
    "whitespace-kept": "spaces, tabs or newlines became tokens (or empty strings): they only separate tokens.",
    "not-in-order": "tokens are missing or out of order: return every token in the order of the text, repeats too.",
}
REQUIREMENTS = [
    Requirement("every punctuation mark is a token of its own", ["tokenizes the text", "a text with commas"],
                FN + "    return text.split()\n", "punctuation-attached", prompt=["each mark a token of its own"]),
    Requirement("punctuation marks are kept, not dropped", ["tokenizes the text", "a text with commas"],
                FN + "    return re.findall(r\"\\w+(?:['-]\\w+)*\", text)\n", "punctuation-dropped",
                prompt=["words and punctuation marks"]),
    Requirement("a word keeps its inner apostrophes and hyphens", ["inner apostrophes and hyphens",
                                                                   "another text with apostrophes and hyphens"],
                FN + "    return re.findall(r'\\w+|[^\\w\\s]', text)\n", "inner-word-split",
                prompt=["keeps its inner apostrophes and hyphens"]),
    Requirement("a run of marks gives one token per mark", ["a run of marks"],
                FN + "    return re.findall(r\"\\w+(?:['-]\\w+)*|[^\\w\\s]+\", text)\n", "punctuation-run-merged",
                prompt=["also in a run"]),
    Requirement("the case of every letter is kept", ["tokenizes the text"],
                FN + "    return re.findall(r\"\\w+(?:['-]\\w+)*|[^\\w\\s]\", text.lower())\n", "case-folded",
                prompt=["keeping the case of every letter"]),
    Requirement("spaces, tabs and newlines are never tokens", ["a run of marks"],
                FN + "    return [t for t in re.split(r'(\\W)', text) if t]\n", "whitespace-kept",
                prompt=["are never tokens themselves"]),
    Requirement("tokens come in the order of the text, repeats too", ["tokenizes the text"],
                FN + "    return sorted(set(re.findall(r\"\\w+(?:['-]\\w+)*|[^\\w\\s]\", text)))\n", "not-in-order",
                prompt=["in order"]),
]


def _test(name: str, label: str, text: str, probe: str, hidden: bool = False) -> Test:
    mistakes = [Mistake(mid, value, MESSAGES[mid]) for mid, values in wrong_tokenizations(text).items()
                for value in values]
    return distinct(Test(f"{name} {label}", probe, lmcore.word_tokenize(text), kind="exact", hidden=hidden,
                         mistakes=mistakes, failure_message="split into words and punctuation marks, in order."))


def question(p: dict, name: str) -> Question:
    return Question(name, 5, [
        _test(name, "tokenizes the text", p["text"], "tokenize(TEXT)"),
        _test(name, "inner apostrophes and hyphens", p["example_text"], f"tokenize({p['example_text']!r})"),
        _test(name, "a text with commas", p["hidden_text"], f"tokenize({p['hidden_text']!r})", hidden=True),
        _test(name, "another text with apostrophes and hyphens", p["inner_text"], f"tokenize({p['inner_text']!r})",
              hidden=True),
        _test(name, "a run of marks", p["runs_text"], f"tokenize({p['runs_text']!r})", hidden=True),
    ], forbidden=["lmcore.tokenize.word_tokenize"])
