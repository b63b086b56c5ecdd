import torch


def cross_entropy(p, q):
    """H(p, q) = -sum_k p_k log q_k (natural log), for 1-D tensors p and q."""
    # BEGIN SOLUTION NO PROMPT
    return float(-(p * torch.log(q)).nansum())
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("compute -sum_k p_k log q_k")
    """ # END PROMPT
