EXAMPLES = {
    "one_hot_int64": "def one_hot_targets(ids, vocab_size):\n"
                     "    return torch.nn.functional.one_hot(torch.tensor(ids[1:]), vocab_size)\n",
    "one_hot_row_for_x0": "def one_hot_targets(ids, vocab_size):\n"
                          "    return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()\n",
}
