def decode(ids, vocab):
    """[x_0, ..., x_m] from their ids (an unknown word comes back as <unk>)."""
    # BEGIN SOLUTION NO PROMPT
    return [vocab[int(i)] for i in ids]
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("map each id back to its token")
    """ # END PROMPT
