"""tokenize: words and punctuation marks, in order, each mark a token of its own."""

import lmcore
from autograder.runtime.checks import Question, Test


def question(p: dict, name: str) -> Question:
    return Question(name, 2, [
        Test(f"{name} tokenizes the text", "tokenize(TEXT)", p["train_tokens"], kind="exact",
             failure_message="split into words and punctuation marks, each mark a token of its own."),
        Test(f"{name} on a text with commas", f"tokenize({p['hidden_text']!r})", lmcore.word_tokenize(p["hidden_text"]),
             kind="exact", hidden=True, failure_message="every punctuation mark is a token of its own."),
    ], forbidden=["lmcore.tokenize.word_tokenize"])
