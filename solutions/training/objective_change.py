def objective_change(losses_before, losses_after):
    """sum(after) - sum(before): the change of the training objective between two iterations."""
    # BEGIN SOLUTION NO PROMPT
    return sum(losses_after) - sum(losses_before)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("compare the objectives of the two iterations")
    """ # END PROMPT
