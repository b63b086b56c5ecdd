EXAMPLES = {
    "product_of_probabilities": "def sequence_log_prob(step_probs):\n    return math.log(math.prod(step_probs))\n",
}
