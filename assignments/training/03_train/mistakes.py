from autograder.runtime.mistakes import Known

MISTAKES = {
    "wrong-optimizer": Known("another optimizer", "train with torch.optim.SGD(model.parameters(), lr=lr)."),
    "wrong-step-count": Known("wrong number of steps", "make exactly `steps` steps and return one value per step."),
}
