"""one_hot_targets: p_i[k] = 1 if k == x_i else 0, for the targets x_1..x_m only (x_0 is context)."""

import lmcore
from autograder.runtime.checks import Mistake, Question, Test


def question(p: dict, name: str) -> Question:
    ids, V = p["test_ids"], len(p["vocab"])
    onehot = lmcore.one_hot(ids[1:], V)
    return Question(name, 3, [
        Test(f"{name} one-hot targets", f"one_hot_targets({ids!r}, {V})", onehot.tolist(), kind="array",
             shape=list(onehot.shape), dtype="float32", mistakes=[
                 Mistake("row-for-x0", lmcore.one_hot(ids, V).tolist(), "you made a row for x_0 too; the targets "
                         "are x_1..x_m, one row per prediction step (x_0 is context only)."),
             ]),
        # the distinct row sums, whatever the shape: a row for x_0 is a separate mistake, named by the test above
        Test(f"{name} one 1 per row", f"sorted(set(one_hot_targets({ids!r}, {V}).sum(-1).tolist()))", [1.0],
             kind="exact", failure_message="each row is a distribution with a single 1 (it sums to 1)."),
        Test(f"{name} another sequence", "one_hot_targets([4, 2, 0, 3], 6)", lmcore.one_hot([2, 0, 3], 6).tolist(),
             kind="array", shape=[3, 6], dtype="float32", hidden=True, mistakes=[
                 Mistake("row-for-x0", lmcore.one_hot([4, 2, 0, 3], 6).tolist(), "you made a row for x_0 too; "
                         "one row per target x_1..x_m.")]),
    ], forbidden=["lmcore.losses.one_hot", "lmcore.losses.next_token_targets"])
