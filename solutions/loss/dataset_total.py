import math


def dataset_total(step_losses_per_sequence):
    """sum_{x in D} L_theta(x), where each L_theta(x) = sum_i L_i."""
    # BEGIN SOLUTION NO PROMPT
    return math.fsum(math.fsum(steps) for steps in step_losses_per_sequence)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("sum every sequence's loss")
    """ # END PROMPT
