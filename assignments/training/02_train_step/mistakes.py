EXAMPLES = {
    "stale_gradients": "def train_step(model, optimizer, sequences, objective):\n"
                       "    loss = objective(model, sequences)\n"
                       "    loss.backward()\n"
                       "    optimizer.step()\n"
                       "    return loss.item()\n",
}
