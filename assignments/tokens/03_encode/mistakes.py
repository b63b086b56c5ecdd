EXAMPLES = {
    "unknown_dropped": "def encode(tokens, vocab):\n    return [vocab.index(t) for t in tokens if t in vocab]\n",
}
