EXAMPLES = {
    "mean_instead_of_sum": "def sequence_total(step_losses):\n    return sum(step_losses) / len(step_losses)\n",
}
