"""encode: token -> id, with the id of <unk> for a token outside the vocabulary (never dropped)."""

import lmcore
from autograder.runtime.checks import Mistake, Question, Test


def question(p: dict, name: str) -> Question:
    vocab = lmcore.Vocabulary(p["vocab"])
    tokens, itos = p["test_tokens"], p["vocab"]
    return Question(name, 2, [
        Test(f"{name} indexed sequence", f"encode({tokens!r}, {itos!r})", p["test_ids"], kind="exact", mistakes=[
            Mistake("dropped-unknown", [vocab.stoi[t] for t in tokens if t in vocab],
                    "you dropped the unknown token; map it to the id of <unk> instead."),
        ]),
        Test(f"{name} unknown words", f"encode(['zebra', 'quokka'], {itos!r})", [vocab.unk_id] * 2, kind="exact",
             hidden=True, failure_message="a token outside the vocabulary maps to the id of <unk>."),
    ], forbidden=["lmcore.tokenize.Vocabulary.encode", "lmcore.tokenize.Vocabulary.token_to_id"])
