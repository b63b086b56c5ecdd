"""What the warm worker does once before it forks its templates, so that no submission pays for it: import the
packages every submission uses, run the assignments' trusted setup code, and do what the probes' first calls import.

Part of the jail package (see edition.JAIL_MODULES): it runs in the worker, under `python -I -S`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

# Imported once here, so every forked submission starts with them (what a submission imports itself still works
# inside the jail, where the Python installation is mounted read-only, but every submission would pay for it).
PREIMPORT = """
abc argparse array ast base64 bisect calendar cmath codecs collections collections.abc colorsys contextlib
copy csv dataclasses datetime decimal difflib dis enum fnmatch fractions functools gc glob gzip hashlib heapq
hmac html inspect io itertools json keyword linecache locale logging math numbers operator os pathlib pickle
platform pprint queue random re reprlib secrets select shutil signal socket statistics string struct
subprocess sys tempfile textwrap threading time timeit tokenize traceback types typing unicodedata uuid
warnings weakref zipfile zlib encodings.ascii encodings.latin_1 encodings.utf_16 encodings.utf_32
encodings.cp1252 encodings.idna numpy numpy.linalg numpy.random numpy.fft torch torch.nn torch.nn.functional
torch.optim torch.utils.data
""".split()


def warm(optimizers: bool = True) -> list[str]:
    """Import what every submission uses (and, with `optimizers`, what a first optimizer step imports); returns the
    names that could not be imported. Anything else a submission imports still works (the jail sees the Python
    installation read-only), and is never imported here."""
    missing = []
    for name in PREIMPORT:
        try:
            importlib.import_module(name)
        except Exception:
            missing.append(name)
    import torch

    import lmcore

    for info in pkgutil.walk_packages(lmcore.__path__, "lmcore."):
        importlib.import_module(info.name)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x = torch.randn(8, 8)  # initialises cpuinfo and the kernels' dispatch now (it reads /proc/cpuinfo)
    torch.nn.functional.cross_entropy(x @ x, torch.zeros(8, dtype=torch.long)).item()
    try:
        if optimizers:
            exercise_torch(torch)
    except Exception:  # a torch without these: each submission pays for its first use instead
        missing.append("exercise_torch")
    return missing


def exercise_torch(torch) -> None:  # noqa: ANN001 - the module
    """What the probes and common answers do first, done once here: an optimizer's first step imports
    torch._dynamo (with sympy, ~800 modules, 1.0-1.3 s) that every forked sandbox would otherwise pay again.
    torch.compile then runs eagerly: the jail has no C compiler for inductor (and compiling per submission would
    cost seconds); TORCHDYNAMO_DISABLE is read once, at this import, so the attribute is what counts."""
    import torch._dynamo

    torch._dynamo.config.disable = True
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(8, 4), torch.nn.Linear(4, 8))
    ids = torch.tensor([[1, 2, 3]])
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        optimizer = make(model.parameters(), lr=0.01)
        logits = model(ids)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, 8), ids.view(-1))
        loss = loss + torch.log_softmax(logits, -1).gather(-1, ids.unsqueeze(-1)).sum()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    with torch.no_grad():
        model(ids)[0].softmax(-1).multinomial(1)
    torch.manual_seed(0)


_warm_setups: set[str] = set()


def warm_setup(code: str) -> None:
    """Run an assignment's trusted setup code once here, so the imports it needs are done before the jail."""
    if code and code not in _warm_setups:
        _warm_setups.add(code)
        try:
            exec(compile(code, "<setup warm-up>", "exec"), {"__name__": "__lmcourse_warm__"})
        except Exception as e:
            print(f"lmcourse worker: assignment setup failed to warm up: {e!r}", file=sys.stderr)


MADV_COLLAPSE = 25  # Linux >= 6.1


def collapse_heap() -> int:
    """Back the warm heap with transparent huge pages (madvise MADV_COLLAPSE on its anonymous writable mappings),
    just before the templates fork: a fork then copies one page-table entry per 2 MB instead of 512, and an exit
    frees them as fast (a fork and exit of the warm worker, twice per submission: ~17 ms of CPU before, ~3 ms after,
    measured on the 2-core box). A write after the fork still copies only the 4 KB page written. Returns the bytes
    collapsed (0 where the kernel cannot)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    huge, done = 1 << 21, 0
    try:
        with open("/proc/self/maps") as f:
            maps = [line.split() for line in f]
    except OSError:
        return 0
    for fields in maps:
        if not fields[1].startswith("rw") or (len(fields) > 5 and fields[5] != "[heap]"):
            continue  # file mappings, stacks and the like stay as they are
        start, end = (int(x, 16) for x in fields[0].split("-"))
        start, end = (start + huge - 1) & ~(huge - 1), end & ~(huge - 1)
        if end > start and libc.madvise(start, end - start, MADV_COLLAPSE) == 0:
            done += end - start
    return done
