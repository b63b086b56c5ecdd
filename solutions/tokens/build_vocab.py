from collections import Counter

SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]


def build_vocab(tokens):
    """[*SPECIALS, other tokens by falling frequency, ties alphabetical]; the position of a token is its id."""
    # BEGIN SOLUTION NO PROMPT
    counts = Counter(t for t in tokens if t not in SPECIALS)
    return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("specials first, then tokens by falling frequency")
    """ # END PROMPT
