import torch


def one_hot_targets(ids, vocab_size):
    """p_i[k] = 1 if k == x_i else 0 for the targets x_1..x_m: float32, shape (m, vocab_size)."""
    # BEGIN SOLUTION NO PROMPT
    targets = torch.as_tensor(ids[1:], dtype=torch.long)
    p = torch.zeros(len(targets), vocab_size, dtype=torch.float32)
    p[torch.arange(len(targets)), targets] = 1.0
    return p
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("one row per target x_1..x_m with a single 1")
    """ # END PROMPT
