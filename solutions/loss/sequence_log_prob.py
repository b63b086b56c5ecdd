import math


def sequence_log_prob(step_probs):
    """log Pr(x_1..x_m | x_0) = sum_i log Pr(x_i | x_<i) (chain rule), as a sum of logs."""
    # BEGIN SOLUTION NO PROMPT
    return math.fsum(math.log(p) for p in step_probs)
    # END SOLUTION
    """ # BEGIN PROMPT
    raise NotImplementedError("apply the chain rule in log space")
    """ # END PROMPT
