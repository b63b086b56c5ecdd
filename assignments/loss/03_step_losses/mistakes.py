from autograder.runtime.mistakes import Known

EXAMPLES = {
    "log_base_2": "def step_losses_from_probs(probs, targets):\n"
                  "    return -torch.log2(probs[torch.arange(len(targets)), torch.as_tensor(targets)])\n",
}
MISTAKES = {
    "not-per-step": Known("one number instead of per-step losses", "return the m per-step losses L_1..L_m, not "
                          "their sum or mean."),
    "missing-row-index": Known("every target picked in every row", "take q_i[x_i] from row i−1 only: "
                               "probs[torch.arange(m), targets]."),
}
