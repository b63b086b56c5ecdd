import torch


def train(model, sequences, steps, lr):
    """`steps` SGD steps on the summed dataset loss; the objective values seen before each step."""
    # BEGIN SOLUTION NO PROMPT
    model.to(device)  # noqa: F821 (defined in the data cell)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return [train_step(model, optimizer, sequences) for _ in range(steps)]  # noqa: F821
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("q3: repeat train_step")
    """ # END PROMPT
