"""Quiz generation: 10,000 variants across all items, rendered once and exported in every format.

Prints JSON: wall seconds to render (generate + lmcore answers + Jinja2 stem + HTML) and to write each format, and the
total, which the issue wants under 10 s on the 2-core dev machine.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.quiz import FORMATS, _writers  # noqa: E402
from autograder.quiz.engine import item_ids  # noqa: E402
from autograder.quiz.model import build_quiz  # noqa: E402
from autograder.quiz.preview import write_key  # noqa: E402

ITEMS = item_ids()

TARGET = 10_000


def main() -> None:
    per_item = math.ceil(TARGET / len(ITEMS))
    c0 = time.process_time()
    t0 = time.perf_counter()
    quiz = build_quiz(list(ITEMS), per_item, seed=2026)
    times = {"render": time.perf_counter() - t0}
    cpu_times = {"render": time.process_time() - c0}
    sizes = {}
    writers = _writers()
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        for fmt in FORMATS:
            t, c = time.perf_counter(), time.process_time()
            paths = writers[fmt](quiz, out)
            times[fmt], cpu_times[fmt] = time.perf_counter() - t, time.process_time() - c
            sizes[fmt] = sum(p.stat().st_size for p in paths)
        t, c = time.perf_counter(), time.process_time()
        write_key(quiz, out)
        times["key.json"], cpu_times["key.json"] = time.perf_counter() - t, time.process_time() - c
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({
        "benchmark": "quiz",
        "variants": sum(len(v) for v in quiz.variants.values()),
        "items": len(ITEMS),
        "seconds": {k: round(v, 3) for k, v in times.items()},
        "total_seconds": round(total, 3),
        "under_10_s": total < 10,
        # this process's CPU time: what the wall time would be on an otherwise idle machine, give or take
        "process_cpu_seconds": round(cpu, 3),
        "cpu_seconds": {k: round(v, 3) for k, v in cpu_times.items()},
        "output_bytes": sizes,
        "cpu": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "python": platform.python_version(),
    }, indent=1))


if __name__ == "__main__":
    main()
