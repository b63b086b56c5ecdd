def encode(tokens, vocab):
    """[id(x_0), ..., id(x_m)], with id(<unk>) for a token outside the vocabulary."""
    # BEGIN SOLUTION NO PROMPT
    ids = {token: i for i, token in enumerate(vocab)}
    return [ids.get(token, ids["<unk>"]) for token in tokens]
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("map each token to its id")
    """ # END PROMPT
