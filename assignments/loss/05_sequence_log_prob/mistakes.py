from autograder.runtime.mistakes import Known

EXAMPLES = {
    "product_of_probabilities": "def sequence_log_prob(step_probs):\n    return math.log(math.prod(step_probs))\n",
}
MISTAKES = {
    "product-underflow": Known("product underflows", "the product of many probabilities underflows to 0 and its "
                               "log is −inf: sum the logs instead."),
}
