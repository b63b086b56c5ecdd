def train_step(model, optimizer, sequences, objective):
    """One step of `optimizer` on objective(model, sequences); returns the objective's value before the step."""
    # BEGIN SOLUTION NO PROMPT
    optimizer.zero_grad()
    loss = objective(model, sequences)
    loss.backward()
    optimizer.step()
    return float(loss)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("zero the gradients, compute the objective, backpropagate, step")
    """ # END PROMPT
