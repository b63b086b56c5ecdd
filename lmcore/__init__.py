"""lmcore: the reference implementation of the pre-training objective for language models.

Every number a student or instructor sees in lmcourse is computed here.
"""

from .bigram import BigramLM
from .bpe import BPETokenizer
from .corpus import ENTROPY_FLOOR, Corpus, entropy_rate, load_corpus
from .losses import (
    cross_entropy,
    dataset_loss,
    mean_token_loss,
    next_token_targets,
    one_hot,
    sequence_log_prob,
    sequence_loss,
    sequence_prob,
    softmax,
    step_losses,
    total_loss,
)
from .model import GPT, GPTConfig
from .tokenize import DEFAULT_SPECIALS, Vocabulary, word_tokenize
from .train import train  # lmcore.train is this function; its loop lives in lmcore/train.py
from .train_config import TrainConfig

__all__ = [
    "BPETokenizer",

    "BigramLM",
    "Corpus",
    "DEFAULT_SPECIALS",
    "ENTROPY_FLOOR",
    "GPT",
    "GPTConfig",
    "TrainConfig",
    "Vocabulary",
    "cross_entropy",
    "dataset_loss",
    "entropy_rate",
    "load_corpus",
    "mean_token_loss",
    "next_token_targets",
    "one_hot",
    "sequence_log_prob",
    "sequence_loss",
    "sequence_prob",
    "softmax",
    "step_losses",
    "total_loss",
    "train",
    "word_tokenize",
]
