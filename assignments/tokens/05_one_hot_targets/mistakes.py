from autograder.runtime.mistakes import Known

EXAMPLES = {
    "one_hot_int64": "def one_hot_targets(ids, vocab_size):\n"
                     "    return torch.nn.functional.one_hot(torch.tensor(ids[1:]), vocab_size)\n",
    "one_hot_row_for_x0": "def one_hot_targets(ids, vocab_size):\n"
                          "    return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()\n",
}
MISTAKES = {
    "row-for-x0": Known("row for x_0", "the targets are x_1..x_m, one row per prediction step."),
}
