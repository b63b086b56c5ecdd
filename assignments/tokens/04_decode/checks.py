"""decode: id -> token (an unknown word comes back as <unk>)."""

import lmcore
from autograder.runtime.checks import Question, Test


def question(p: dict, name: str) -> Question:
    vocab = lmcore.Vocabulary(p["vocab"])
    return Question(name, 1, [
        Test(f"{name} decodes the ids", f"decode({p['test_ids']!r}, {p['vocab']!r})", vocab.decode(p["test_ids"]),
             kind="exact", failure_message="map each id back to its token (the unknown word comes back as <unk>)."),
    ], forbidden=["lmcore.tokenize.Vocabulary.decode", "lmcore.tokenize.Vocabulary.id_to_token"])
