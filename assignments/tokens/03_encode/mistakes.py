from autograder.runtime.mistakes import Known

EXAMPLES = {
    "unknown_dropped": "def encode(tokens, vocab):\n    return [vocab.index(t) for t in tokens if t in vocab]\n",
}
MISTAKES = {
    "wrong-unk-id": Known("wrong id for an unknown token", "a token outside the vocabulary gets the id of <unk>."),
    "unknown-raises": Known("fails on an unknown token", "a token outside the vocabulary gets the id of <unk>; "
                            "looking it up must not fail."),
}
