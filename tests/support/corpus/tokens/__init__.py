"""Assignment "tokens": correct answers in many styles and realistic wrong ones, per question (see __init__.py)."""

from __future__ import annotations

from dataclasses import replace

from corpus import Mutant, fn

TK = "tokenize(text)"
BV = "build_vocab(tokens)"
EN = "encode(tokens, vocab)"
DE = "decode(ids, vocab)"
OH = "one_hot_targets(ids, vocab_size)"
RE = "import re"
WORD = r"\w+(?:['\u2019-]\w+)*"
SPEC = "from collections import Counter\n\nSPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>']"
COUNT = "counts = Counter(t for t in tokens if t not in SPECIALS)\n"
T = "import torch"

CORRECT = {
    "tokenize": [
        ("findall", fn(TK, f"return re.findall(r\"{WORD}|[^\\w\\s]\", text)", RE)),
        ("apostrophe class", fn(TK, "return re.findall(r\"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*|[^\\sA-Za-z0-9]\", text)",
                                RE)),
        ("compiled pattern", fn(TK, "return PATTERN.findall(text)",
                                "import re\n\nPATTERN = re.compile(r\"\\w+(?:[-']\\w+)*|[^\\w\\s]\")")),
        ("loop", fn(TK, """
            tokens, word = [], ""
            for i, ch in enumerate(text):
                inner = ch in "'-" and word and i + 1 < len(text) and text[i + 1].isalnum()
                if ch.isalnum() or inner:
                    word += ch
                    continue
                if word:
                    tokens.append(word)
                    word = ""
                if not ch.isspace():
                    tokens.append(ch)
            if word:
                tokens.append(word)
            return tokens
            """)),
        ("split then findall", fn(TK, "out = []\nfor chunk in text.split():\n"
                                      "    out += re.findall(r\"\\w+(?:['-]\\w+)*|[^\\w\\s]\", chunk)\n"
                                      "return out", RE)),
    ],
    "build_vocab": [
        ("counter sorted", fn(BV, COUNT + "return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))", SPEC)),
        ("sort twice", fn(BV, COUNT + "words = sorted(counts)\nwords.sort(key=lambda t: counts[t], reverse=True)\n"
                              "return SPECIALS + words", SPEC)),
        ("dict count", fn(BV, """
            counts = {}
            for t in tokens:
                if t not in SPECIALS:
                    counts[t] = counts.get(t, 0) + 1
            return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))
            """, "SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>']")),
        ("most_common then ties", fn(BV, COUNT + "pairs = sorted(counts.most_common(), key=lambda p: (-p[1], p[0]))\n"
                                         "return SPECIALS + [t for t, _ in pairs]", SPEC)),
    ],
    "encode": [
        ("dict get", fn(EN, "ids = {t: i for i, t in enumerate(vocab)}\n"
                            "return [ids.get(t, ids['<unk>']) for t in tokens]")),
        ("index", fn(EN, "return [vocab.index(t) if t in vocab else vocab.index('<unk>') for t in tokens]")),
        ("loop", fn(EN, "unk = vocab.index('<unk>')\nout = []\nfor t in tokens:\n"
                        "    out.append(vocab.index(t) if t in vocab else unk)\nreturn out")),
        ("try except", fn(EN, "out = []\nfor t in tokens:\n    try:\n        out.append(vocab.index(t))\n"
                              "    except ValueError:\n        out.append(vocab.index('<unk>'))\nreturn out")),
    ],
    "decode": [
        ("comprehension", fn(DE, "return [vocab[i] for i in ids]")),
        ("int ids", fn(DE, "return [vocab[int(i)] for i in list(ids)]")),
        ("dict", fn(DE, "itos = dict(enumerate(vocab))\nreturn [itos[i] for i in ids]")),
        ("map", fn(DE, "return list(map(vocab.__getitem__, ids))")),
    ],
    "one_hot_targets": [
        ("zeros and index", fn(OH, "t = torch.as_tensor(ids[1:])\np = torch.zeros(len(t), vocab_size)\n"
                                   "p[torch.arange(len(t)), t] = 1\nreturn p", T)),
        ("F.one_hot float", fn(OH, "return F.one_hot(torch.tensor(ids[1:]), num_classes=vocab_size).float()",
                               "import torch\nimport torch.nn.functional as F")),
        ("eye rows", fn(OH, "return torch.eye(vocab_size)[ids[1:]]", T)),
        ("loop", fn(OH, "rows = []\nfor x in ids[1:]:\n    row = torch.zeros(vocab_size, dtype=torch.float32)\n"
                        "    row[x] = 1.0\n    rows.append(row)\nreturn torch.stack(rows)", T)),
        ("scatter", fn(OH, "t = torch.tensor(ids[1:]).unsqueeze(1)\n"
                           "return torch.zeros(len(ids) - 1, vocab_size).scatter_(1, t, 1.0)", T)),
    ],
}


def _m(name: str, mistake: str, source: str, *also: str) -> Mutant:
    return Mutant("", name, mistake, source, also)  # the question is set below, from the dict key


WRONG = {
    "tokenize": [
        _m("letters and a few marks", "inner-word-split",
           fn(TK, "return re.findall(r\"[A-Za-z]+|[.,!?;']\", text)", RE)),
        _m("split on spaces", "punctuation-attached", fn(TK, "return text.split()")),
        _m("words only", "punctuation-dropped", fn(TK, "return re.findall(r'\\w+', text)", RE)),
        _m("strip marks", "punctuation-dropped",
           fn(TK, "words = [w.strip('.,;:!?') for w in text.split()]\nreturn [w for w in words if w]"),
           "punctuation-attached"),
        _m("word or mark", "inner-word-split", fn(TK, "return re.findall(r'\\w+|[^\\w\\s]', text)", RE)),
        _m("apostrophes only", "inner-word-split",
           fn(TK, "return re.findall(r\"[\\w']+|[^\\w\\s]\", text)", RE)),
        _m("GPT-2 pre-tokenizer", "inner-word-split",
           fn(TK, "return [c.strip() for c in _CHUNK_RE.findall(text)]", "from lmcore.bpe import _CHUNK_RE"),
           "punctuation-run-merged"),
        _m("runs of marks", "punctuation-run-merged", fn(TK, f"return re.findall(r\"{WORD}|[^\\w\\s]+\", "
                                                                       "text)", RE)),
        _m("lower case", "case-folded", fn(TK, f"return re.findall(r\"{WORD}|[^\\w\\s]\", text.lower())",
                                                       RE)),
        _m("split keeping separators", "whitespace-kept",
           fn(TK, "return [t for t in re.split(r'(\\W)', text) if t]", RE)),
        _m("set of tokens", "not-in-order", fn(TK, f"return sorted(set(re.findall(r\"{WORD}|[^\\w\\s]\", "
                                                               "text)))", RE)),
        _m("unique tokens", "not-in-order",
           fn(TK, f"return list(dict.fromkeys(re.findall(r\"{WORD}|[^\\w\\s]\", text)))", RE)),
        _m("missing parenthesis", "does-not-run", "import re\n\n\ndef tokenize(text):\n"
           "    return re.findall(r'\\w+|[^\\w\\s]', text\n"),
    ],
    "build_vocab": [
        _m("sorted by count only", "ties-not-alphabetical",
           fn(BV, COUNT + "return SPECIALS + sorted(counts, key=counts.get, reverse=True)", SPEC)),
        _m("no specials", "no-specials", fn(BV, COUNT + "return sorted(counts, key=lambda t: "
                                                               "(-counts[t], t))", SPEC)),
        _m("first seen", "first-seen-order", fn(BV, "return SPECIALS + list(dict.fromkeys(t for t in "
                                                                   "tokens if t not in SPECIALS))", SPEC)),
        _m("alphabetical", "frequency-ignored", fn(BV, COUNT + "return SPECIALS + sorted(counts)",
                                                                    SPEC)),
        _m("most_common", "ties-not-alphabetical",
           fn(BV, COUNT + "return SPECIALS + [t for t, _ in counts.most_common()]", SPEC)),
        _m("ties ignoring case", "ties-not-alphabetical",
           fn(BV, COUNT + "return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t.lower()))", SPEC)),
        _m("rising frequency", "rising-frequency",
           fn(BV, COUNT + "return SPECIALS + sorted(counts, key=lambda t: (counts[t], t))", SPEC)),
        _m("specials last", "specials-last",
           fn(BV, COUNT + "return sorted(counts, key=lambda t: (-counts[t], t)) + SPECIALS", SPEC)),
        _m("specials sorted", "specials-order",
           fn(BV, COUNT + "return sorted(SPECIALS) + sorted(counts, key=lambda t: (-counts[t], t))", SPEC)),
        _m("repeats kept", "repeats-kept",
           fn(BV, COUNT + "return SPECIALS + sorted((t for t in tokens if t not in SPECIALS), "
                          "key=lambda t: (-counts[t], t))", SPEC)),
        _m("specials counted", "special-duplicated",
           fn(BV, "counts = Counter(tokens)\nreturn SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))", SPEC)),
        _m("lower case", "case-folded",
           fn(BV, "counts = Counter(t.lower() for t in tokens if t not in SPECIALS)\n"
                  "return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))", SPEC)),
        _m("a set", "wrong-type", fn(BV, "return set(SPECIALS) | set(tokens)", SPEC)),
    ],
    "encode": [
        _m("enumerate search", "dropped-unknown",
           fn(EN, "out = []\nfor t in tokens:\n    for i, v in enumerate(vocab):\n        if v == t:\n"
                  "            out.append(i)\nreturn out")),
        _m("unknown dropped", "dropped-unknown", fn(EN, "return [vocab.index(t) for t in tokens if t in vocab]")),
        _m("unknown as pad", "wrong-unk-id", fn(EN, "return [vocab.index(t) if t in vocab else 0 for t in tokens]")),
        _m("unknown as -1", "wrong-unk-id", fn(EN, "return [vocab.index(t) if t in vocab else -1 for t in tokens]")),
        _m("unknown as len", "wrong-unk-id",
           fn(EN, "return [vocab.index(t) if t in vocab else len(vocab) for t in tokens]")),
        _m("dict get without default", "wrong-unk-id",
           fn(EN, "ids = {t: i for i, t in enumerate(vocab)}\nreturn [ids.get(t) for t in tokens]")),
        _m("ids from 1", "one-based-ids",
           fn(EN, "ids = {t: i + 1 for i, t in enumerate(vocab)}\nreturn [ids.get(t, ids['<unk>']) for t in tokens]")),
        _m("index raises", "unknown-raises", fn(EN, "return [vocab.index(t) for t in tokens]")),
        _m("dict raises", "unknown-raises",
           fn(EN, "ids = {t: i for i, t in enumerate(vocab)}\nreturn [ids[t] for t in tokens]")),
        _m("lower case lookup", "case-folded",
           fn(EN, "return [vocab.index(t.lower()) if t.lower() in vocab else 1 for t in tokens]")),
        _m("sorted ids", "not-in-order",
           fn(EN, "return sorted(vocab.index(t) if t in vocab else 1 for t in tokens)")),
        _m("own vocabulary", "ignored-argument",
           fn(EN, "mine = build_vocab(tokenize(TEXT))\nreturn [mine.index(t) if t in mine else 1 for t in tokens]")),
    ],
    "decode": [
        _m("tokens as one string list", "wrong-type", fn(DE, "return [' '.join(vocab[i] for i in ids)]")),
        _m("ids from 1", "one-based-ids", fn(DE, "return [vocab[i - 1] for i in ids]")),
        _m("joined with spaces", "wrong-type", fn(DE, "return ' '.join(vocab[i] for i in ids)")),
        _m("joined", "wrong-type", fn(DE, "return ''.join(vocab[i] for i in ids)")),
        _m("specials skipped", "dropped-unknown",
           fn(DE, "specials = {'<pad>', '<unk>', '<bos>', '<eos>'}\nreturn [vocab[i] for i in ids if vocab[i] not in "
                  "specials]")),
        _m("unknown skipped", "dropped-unknown", fn(DE, "return [vocab[i] for i in ids if i != 1]")),
        _m("lower case", "case-folded", fn(DE, "return [vocab[i].lower() for i in ids]")),
        _m("sorted", "not-in-order", fn(DE, "return sorted(vocab[i] for i in ids)")),
        _m("set", "not-in-order", fn(DE, "return sorted(set(vocab[i] for i in ids))")),
        _m("own vocabulary", "ignored-argument",
           fn(DE, "mine = build_vocab(tokenize(TEXT))\nreturn [mine[i] for i in ids]")),
        _m("reversed", "not-in-order", fn(DE, "return [vocab[i] for i in reversed(ids)]")),
        _m("indentation error", "does-not-run", "def decode(ids, vocab):\nreturn [vocab[i] for i in ids]\n"),
    ],
    "one_hot_targets": [
        _m("index put with the wrong rows", "off-by-one",
           fn(OH, "p = torch.zeros(len(ids) - 1, vocab_size)\n"
                  "p[torch.arange(len(ids) - 1), torch.tensor(ids[:-1])] = 1\nreturn p", T)),
        _m("int64", "wrong-dtype", fn(OH, "return torch.nn.functional.one_hot(torch.tensor(ids[1:]), "
                                                            "vocab_size)", T)),
        _m("float64", "wrong-dtype", fn(OH, "return torch.eye(vocab_size, dtype=torch.float64)"
                                                              "[ids[1:]]", T)),
        _m("row for x_0", "row-for-x0",
           fn(OH, "return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()", T)),
        _m("context rows", "off-by-one", fn(OH, "return torch.eye(vocab_size)[ids[:-1]]", T)),
        _m("uniform", "uniform",
           fn(OH, "return torch.full((len(ids) - 1, vocab_size), 1.0 / vocab_size)", T)),
        _m("transposed", "wrong-axis", fn(OH, "return torch.eye(vocab_size)[ids[1:]].T", T)),
        _m("size from ids", "ignored-argument",
           fn(OH, "return torch.nn.functional.one_hot(torch.tensor(ids[1:])).float()", T)),
        _m("list of lists", "wrong-type",
           fn(OH, "return [[1.0 if k == x else 0.0 for k in range(vocab_size)] for x in ids[1:]]")),
        _m("numpy", "wrong-type", fn(OH, "return np.eye(vocab_size, dtype=np.float32)[ids[1:]]",
                                                       "import numpy as np")),
        _m("float64 numpy", "wrong-type", fn(OH, "return np.eye(vocab_size)[ids[1:]]",
                                                                "import numpy as np"), "wrong-dtype"),
        _m("size from the notebook", "ignored-argument",
           fn(OH, "V = len(build_vocab(tokenize(TEXT)))\nreturn torch.eye(V)[ids[1:]]", T)),
    ],
}
WRONG = {q: [replace(m, question=q) for m in ms] for q, ms in WRONG.items()}
