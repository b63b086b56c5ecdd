def train_step(model, optimizer, sequences):
    """One step of `optimizer` on the summed dataset loss; returns the objective before the step."""
    # BEGIN SOLUTION NO PROMPT
    optimizer.zero_grad()
    loss = objective(model, sequences)  # noqa: F821 (defined in question 1)
    loss.backward()
    optimizer.step()
    return float(loss)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("q2: zero the gradients, compute the objective, backpropagate, step")
    """ # END PROMPT
