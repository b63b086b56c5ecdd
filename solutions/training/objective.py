import torch
import torch.nn.functional as F


def objective(model, sequences):
    """sum_{x in D} L_theta(x) = sum_x sum_{i=1..m} -log Pr_theta(x_i | x_<i), as a 0-d tensor."""
    # BEGIN SOLUTION NO PROMPT
    device = next(model.parameters()).device
    total = torch.zeros((), device=device)
    for seq in sequences:
        ids = torch.as_tensor(seq, device=device)
        logits = model(ids[:-1].unsqueeze(0))[0]  # row i-1 predicts x_i
        total = total + F.cross_entropy(logits, ids[1:], reduction="sum")
    return total
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("sum the sequence losses over the dataset")
    """ # END PROMPT
