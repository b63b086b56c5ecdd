import math


def sequence_total(step_losses):
    """L_theta(x) = sum_i L_i: a sum, not a mean."""
    # BEGIN SOLUTION NO PROMPT
    return float(math.fsum(step_losses))
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("sum the step losses")
    """ # END PROMPT
