EXAMPLES = {
    "log_base_2": "def step_losses_from_probs(probs, targets):\n"
                  "    return -torch.log2(probs[torch.arange(len(targets)), torch.as_tensor(targets)])\n",
}
