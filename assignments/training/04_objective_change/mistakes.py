from autograder.runtime.mistakes import Known

MISTAKES = {
    "relative-change": Known("relative change", "report the change of the objective itself, Σ after − Σ before."),
}
