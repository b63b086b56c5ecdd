from autograder.runtime.mistakes import Known

MISTAKES = {
    "wrong-optimizer": Known("optimizer other than SGD", "train with torch.optim.SGD(model.parameters(), lr=lr)."),
    "wrong-step-count": Known("wrong number of steps", "make exactly `steps` steps and return one value per step."),
}
