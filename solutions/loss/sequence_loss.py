import torch


def sequence_loss_from_logits(logits, ids):
    """L_theta(x) = sum_{i=1..m} -log softmax(logits[i-1])[x_i], with a stable log-softmax."""
    # BEGIN SOLUTION NO PROMPT
    ids = torch.as_tensor(ids)
    logp = torch.log_softmax(logits[:-1].double(), dim=-1)  # row i-1 predicts x_i
    return float(-logp[torch.arange(len(ids) - 1), ids[1:]].sum())
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("log-softmax the rows that predict x_1..x_m and sum -log q_i[x_i]")
    """ # END PROMPT
