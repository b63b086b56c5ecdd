from autograder.runtime.mistakes import Known

EXAMPLES = {  # GPT-2's pre-tokenizer (in the student edition, for BPETokenizer): splits "isn't", keeps "?!" whole
    "inner_word_split": "from lmcore.bpe import _CHUNK_RE\n\n\ndef tokenize(text):\n"
                        "    return [c.strip() for c in _CHUNK_RE.findall(text)]\n",
}
MISTAKES = {
    "punctuation-attached": Known("punctuation attached to words", "every punctuation mark is a token of its own."),
    "punctuation-dropped": Known("punctuation dropped", "punctuation marks are tokens too: keep them."),
    "inner-word-split": Known("word split at an inner apostrophe or hyphen", "\"isn't\" and \"well-known\" are "
                              "one token each."),
    "punctuation-run-merged": Known("run of marks kept as one token", "each mark of a run ('?!', '...') is a token "
                                    "of its own."),
    "whitespace-kept": Known("whitespace as tokens", "spaces, tabs and newlines separate tokens; they are never "
                             "tokens."),
}
