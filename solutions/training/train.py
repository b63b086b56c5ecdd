import torch


def train(model, sequences, steps, lr, objective):
    """`steps` SGD steps on objective(model, sequences); the objective values seen before each step."""
    # BEGIN SOLUTION NO PROMPT
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    values = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = objective(model, sequences)
        loss.backward()
        optimizer.step()
        values.append(float(loss))
    return values
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("repeat one training step `steps` times")
    """ # END PROMPT
