import gc
import importlib.util
import inspect
import os
import sys
import threading
import types

import lmcore

tried = {}


def _attempt(name, fn, arg):
    try:
        tried[name] = fn(arg)
    except BaseException as e:
        tried[name] = f"failed: {type(e).__name__}"


def _thread_call(x):
    box = []
    t = threading.Thread(target=lambda: box.append(lmcore.total_loss(x)))
    t.start()
    t.join()
    return box[0]


def _reuse_code(x):  # the implementation, without calling the function object
    f = lmcore.losses.total_loss
    return types.FunctionType(f.__code__, f.__globals__, "copy", f.__defaults__, f.__closure__)(x)


def _source(x):
    ns = {}
    exec(inspect.getsource(lmcore.losses), ns)
    return ns["total_loss"](x)


def _full_lmcore_from_disk(x):  # any other copy of lmcore on this machine (the checkout, site-packages)
    for root in [*sys.path, "/work", "/root", "/usr", "__REPO__"]:
        for dirpath, _dirs, files in os.walk(root):
            if dirpath.endswith("/lmcore") and "losses.py" in files and dirpath not in lmcore.__path__:
                spec = importlib.util.spec_from_file_location("lm2", os.path.join(dirpath, "losses.py"))
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                return mod.total_loss(x)
    raise LookupError("no other lmcore")


def _spec(x):
    import assignments.loss.spec  # noqa: F401

    return 0.0


def sequence_total(step_losses):
    for name, fn in [("thread", _thread_call), ("code", _reuse_code), ("source", _source),
                     ("disk", _full_lmcore_from_disk), ("spec", _spec)]:
        _attempt(name, fn, step_losses)
        if not str(tried[name]).startswith("failed"):
            return tried[name]
    return None


import hashlib  # noqa: E402
import re  # noqa: E402

probe_hashes = set("__PROBE_HASHES__".split(","))  # sha256 of every probe the grader evaluates (not their text)


def _strings(obj, depth=0):
    if isinstance(obj, str):
        yield obj
    elif depth < 4 and isinstance(obj, dict):
        for v in list(obj.values()):
            yield from _strings(v, depth + 1)
    elif depth < 4 and isinstance(obj, (list, tuple)):
        for v in obj[:10000]:
            yield from _strings(v, depth + 1)


def _is_probe(text):
    candidates = [text, *re.findall(r"[A-Za-z_][\w.]*\(.*?\)(?:\[\d\])?", text[:200000])]
    return any(hashlib.sha256(c.encode()).hexdigest() in probe_hashes for c in candidates)


roots = [o for o in gc.get_objects() if isinstance(o, (dict, list, tuple))]
f = sys._getframe()
while f is not None:
    roots.append(dict(f.f_locals))
    f = f.f_back
print("probes seen while cells run:", sum(1 for r in roots for s in _strings(r) if _is_probe(s)))
sequence_total([1.0, 2.0])
print("capabilities:", sorted(tried.items()))
