from autograder.runtime.mistakes import Known

EXAMPLES = {
    "missing_minus": "def sequence_loss_from_logits(logits, ids):\n"
                     "    logp = torch.log_softmax(logits[:-1], -1)\n"
                     "    return float(logp[torch.arange(len(ids) - 1), torch.as_tensor(ids[1:])].sum())\n",
    "loss_term_for_x0": "def sequence_loss_from_logits(logits, ids):\n"
                        "    logp = torch.log_softmax(logits, -1)  # every row, paired with x_0..x_m\n"
                        "    return float(-logp[torch.arange(len(ids)), torch.as_tensor(ids)].sum())\n",
    "log_softmax_overflow": "def sequence_loss_from_logits(logits, ids):\n"
                            "    logp = torch.log(torch.softmax(logits[:-1], -1))\n"
                            "    rows = torch.arange(len(ids) - 1)\n"
                            "    return float(-logp[rows, torch.as_tensor(ids[1:])].sum())\n",
}
MISTAKES = {
    "log-softmax-overflow": Known("log(softmax) overflow", "log(softmax(z)) overflows for large logits: use a "
                                  "log-softmax, z_k − logsumexp(z)."),
}
