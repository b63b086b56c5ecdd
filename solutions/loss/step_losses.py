import torch


def step_losses_from_probs(probs, targets):
    """L_i = -log probs[i-1, x_i] for i = 1..m; probs is (m, V), targets holds x_1..x_m."""
    # BEGIN SOLUTION NO PROMPT
    targets = torch.as_tensor(targets)
    return -torch.log(probs[torch.arange(len(targets)), targets])
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("pick q_i[x_i] in each row and take -log")
    """ # END PROMPT
