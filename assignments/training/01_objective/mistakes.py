from autograder.runtime.mistakes import Known

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
MISTAKES = {
    "float-instead-of-tensor": Known("a number instead of a tensor", "return the objective as a 0-d tensor: a "
                                     "Python number (.item(), float()) cannot be differentiated."),
    "wrong-device": Known("tensors on the wrong device", "make the tensors you create on the device of the "
                          "model's parameters, next(model.parameters()).device."),
    "not-differentiable": Known("no gradient", "compute the objective with gradients on: not under "
                                "torch.no_grad(), not detached."),
}
