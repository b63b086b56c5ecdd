from autograder.runtime.mistakes import Known

MISTAKES = {
    "arguments-swapped": Known("arguments swapped", "p is the target and q the model's distribution: "
                               "H(p, q) = −Σ_k p_k log q_k."),
    "target-assumed-one-hot": Known("target assumed one-hot", "−log q[x] is H(p, q) only for a one-hot p; sum "
                                    "−p_k log q_k over every token k."),
    "kl-divergence": Known("KL divergence for cross-entropy", "cross-entropy is −Σ_k p_k log q_k; Σ p log(p/q) is "
                           "the KL divergence."),
}
