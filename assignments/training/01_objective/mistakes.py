EXAMPLES = {
    "mean_instead_of_sum": "def objective(model, sequences):\n"
                           "    device = next(model.parameters()).device\n"
                           "    losses = []\n"
                           "    for seq in sequences:\n"
                           "        ids = torch.as_tensor(seq, device=device)\n"
                           "        logits = model(ids[:-1].unsqueeze(0))[0]\n"
                           "        losses.append(F.cross_entropy(logits, ids[1:], reduction='sum'))\n"
                           "    return torch.stack(losses).mean()\n",
}
