EXAMPLES = {  # a cell that cannot run: its function is never defined
    "does_not_run": "def dataset_total(step_losses_per_sequence)\n"
                    "    return sum(sum(s) for s in step_losses_per_sequence)\n",
}
