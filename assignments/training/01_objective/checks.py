"""objective: sum over the dataset of the summed step losses, for one parameter set."""

import math

import lmcore
from assignments.training.common import dataset
from autograder.runtime.checks import Mistake, Question, Test


def question(p: dict, name: str) -> Question:
    seqs, V, fitted = dataset(p["corpus_seed"])
    models = {"UNIFORM": lmcore.BigramLM(V), "FITTED": fitted}
    n_tok = sum(len(s) - 1 for s in seqs)

    def test(label: str, model: str, hidden: bool) -> Test:
        value = lmcore.dataset_loss(models[model], seqs)
        return Test(f"{name} {label}", f"float(objective({model}, SEQS))", value, hidden=hidden, rtol=1e-4,
                    mistakes=[
                        Mistake("mean-instead-of-sum", value / len(seqs), "this is the mean sequence loss; the "
                                "objective is the sum Σ_{x∈D} L_θ(x)."),
                        Mistake("mean-per-token", value / n_tok, "this is the mean loss per token; the objective "
                                "sums every step loss of every sequence."),
                        Mistake("log-base-2", value / math.log(2), "you used log base 2; use the natural log."),
                        Mistake("missing-minus", -value, "the sign is wrong: each L_i = −log q_i[x_i] is positive."),
                    ])

    return Question(name, 2, [
        test("objective of the uniform model", "UNIFORM", False),
        test("objective of the fitted model", "FITTED", True),
    ], forbidden=["lmcore.losses.dataset_loss", "lmcore.losses.sequence_loss", "lmcore.losses.step_losses",
                  "lmcore.losses.mean_token_loss", "lmcore.losses.sequence_log_prob"])
