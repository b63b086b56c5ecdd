"""One batch: find submissions, skip the ones already graded, grade the rest in the warm pool, write the outputs.

Resumable and atomic: each submission's result is `results/<name>.json`, written to a temporary file and renamed,
and carries `key = sha256(grader format, autograder zip, submission bytes)`; a rerun skips every submission whose
result has the same key (unless `force`). `shard=(k, n)` grades only the submissions with
int(sha256(name)) mod n == k − 1, so n array jobs split a class deterministically; a run without a shard over the same
DIR grades whatever is missing and writes the combined final_grades.csv and report.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.course.outputs import for_terminal, remove_stale_temporaries, write_atomic
from autograder.grade import answers, pool, sandbox, scoring
from autograder.grade.bundle import Bundle
from autograder.grade.files import result_path
from autograder.grade.jail import Jail
from autograder.grade.submissions import Submission, Ungradable, collect, parse

FORMAT = "lmcourse.grade/3"  # bump when scoring changes: old results then get regraded
RETRIED = {"grader-error"}  # statuses the grader caused: a rerun grades these submissions again


@dataclass
class Options:
    workers: int = 0  # 0: one per CPU core
    timeout: float = 60.0
    memory_mb: int = 2048
    force: bool = False
    shard: tuple[int, int] | None = None
    variants_csv: Path | None = None
    progress: bool = True
    # the collector's identity (autograder/term/collect.py): submission name -> student id, which outranks the file
    # and folder names and the notebook's metadata; and names refused because their collector identities disagree
    identities: dict[str, str] | None = None
    refused: dict[str, str] | None = None
    # the grader's own work to do while the templates warm up and the submissions run (e.g. warming what similarity
    # needs): called once in a thread of its own, started after the workers; never given a submission's data
    alongside: Callable[[], object] | None = None


def in_shard(name: str, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(name.encode()).hexdigest()[:16], 16) % n == k - 1


def _key(bundle: Bundle, data: bytes) -> str:
    h = hashlib.sha256(FORMAT.encode())
    h.update(bytes.fromhex(bundle.sha256))
    h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _finished(path: Path, key: str) -> bool:
    """A result with this key is there, whole and not one the grader caused (anything else is graded again)."""
    try:
        lm = json.loads(path.read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
        return lm["key"] == key and lm["status"] not in RETRIED and _well_formed(lm)
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return False


def _well_formed(lm: dict) -> bool:
    """The fields the reports read, with their types (a result file edited or cut short by hand is regraded)."""
    number = (int, float)
    return isinstance(lm.get("file"), str) and isinstance(lm.get("status"), str) \
        and isinstance(lm.get("total"), number) and isinstance(lm.get("percent"), number) \
        and isinstance(lm.get("questions"), dict) and all(isinstance(v, number) for v in lm["questions"].values()) \
        and isinstance(lm.get("mistakes", []), list)


def _job(bundle: Bundle, sub: Submission, data: bytes, opts: Options) -> tuple[dict | None, dict | None]:
    """(job for a worker, None) or (None, final result) when the submission cannot be run at all."""
    try:
        parsed = parse(sub.name, data)
    except Ungradable as e:
        return None, scoring.ungradable(bundle.questions, e.status, str(e))
    own = bundle.checks[sorted(bundle.checks)[0]].assignment
    if parsed.assignment is not None and parsed.assignment != own:
        return None, scoring.ungradable(bundle.questions, "wrong-assignment", f"{sub.name}: this notebook is "
                                        f"assignment {parsed.assignment[:100]!r} (its metadata says so), but this "
                                        f"autograder grades {own!r}; submit the {own} notebook", own)
    if opts.refused and sub.name in opts.refused:
        return None, scoring.ungradable(bundle.questions, "identity-conflict", f"{sub.name}: "
                                        f"{opts.refused[sub.name]}; fix the roster or the file's place", own)
    parts = Path(sub.name).parts
    ids = [Path(sub.name).stem, *reversed(parts[:-1]), *([parsed.student_id] if parsed.student_id else [])]
    if opts.identities and sub.name in opts.identities:
        ids = [opts.identities[sub.name]]
    variant, source = bundle.resolve(ids, parsed.variant)
    if variant is None:
        return None, scoring.ungradable(bundle.questions, "unknown-variant", f"{sub.name}: no roster entry for "
                                        f"{ids} and no default variant; pass the roster's variants.csv")
    checks = bundle.checks[variant]
    limits = sandbox.Limits(timeout=opts.timeout, memory_mb=opts.memory_mb)
    tests = [t for q in checks.questions for t in q.tests]
    probes = [{"name": t.name, "probe": t.probe, "hidden": t.hidden}  # public first: see harness.py
              for t in [t for t in tests if not t.hidden] + [t for t in tests if t.hidden]]
    job = {"id": sub.name, "variant": variant, "variant_source": source, "notes": parsed.notes,
           "cells": parsed.cells, "setup": checks.setup, "limits": vars(limits), "probes": probes}
    return job, None


def run(autograder: Path, inputs: list[Path], out: Path, opts: Options) -> list[dict]:
    """Grade a batch; returns the summary (`extra_data.lmcourse`) of every submission in the batch (or shard).

    No submission can stop the batch: whatever fails while reading, parsing, scoring, annotating or saving one
    submission becomes that submission's own row (status grader-error, graded again by the next run), its details
    printed to the instructor's terminal."""
    from tqdm import tqdm

    bundle = Bundle.load(autograder, opts.variants_csv)
    subs = collect(inputs)
    if len({result_path(out, s.name) for s in subs}) != len(subs):  # result_path is injective: a SHA-256 collision
        raise ValueError("two submissions map to the same results/ file name")
    subs = [s for s in subs if in_shard(s.name, opts.shard)]
    if not out.exists():
        out.mkdir(parents=True, mode=0o700, exist_ok=True)  # results are nobody else's business
    (out / "results").mkdir(exist_ok=True)
    remove_stale_temporaries(out / "results")
    meta: dict[str, tuple[Path, str]] = {}
    failed: dict[str, dict] = {}
    bar = tqdm(total=len(subs), desc="grading", unit="sub", disable=not opts.progress, dynamic_ncols=True)
    counting = threading.Lock()  # the bar counts in two threads: this one and the one parsing (jobs() below)
    todo: list[Submission] = []  # those without a result of the same key
    runnable = 0
    for sub in subs:
        try:
            pending = _pending(bundle, sub, out, opts)
        except Exception:  # a grader bug met by this submission: _prepare meets it again and writes its row
            pending = True
        if pending is None:
            bar.update()
        else:
            todo.append(sub)
            runnable += pending

    def jobs() -> Iterator[dict]:  # parsed in a thread of the pool while the first ones run (see pool.run_jobs)
        for sub in todo:
            try:
                job = _prepare(bundle, sub, out, opts)
            except Exception as e:  # a grader bug met by this submission: its own row, the batch goes on
                failed[sub.name] = _failed(bundle, sub.name, "preparing", e, result_path(out, sub.name), "")
                job = None
            if job is None:
                with counting:
                    bar.update()
                continue
            meta[sub.name] = (result_path(out, sub.name), job.pop("key"))
            yield job

    if runnable:
        with Jail(bundle) as jail:
            # the templates import and warm up (seconds of CPU) while this process parses the submissions
            workers = pool.start(max(1, min(opts.workers or os.cpu_count() or 1, runnable)), jail)
            if opts.alongside is not None:  # after the jail's fork (clearing keys): no thread runs while it forks
                threading.Thread(target=opts.alongside, daemon=True).start()
            for job, reply in pool.run_jobs(jobs(), workers, jail):
                path, key = meta[job["id"]]
                if isinstance(reply.get("report"), dict) and "error" in reply["report"]:
                    print(for_terminal(f"lmcourse grade: {job['id']}: {str(reply['report']['error'])[:300]}; its row "
                                       "says grader-error and the next run grades it again"), file=sys.stderr)
                try:
                    checks = bundle.checks[job["variant"]]
                    result = scoring.score(checks, reply, cpu_limit=int(opts.timeout) + 1)
                    answers.annotate(result, checks, reply)  # MCQ answers, unattempted: for the report
                    _save(path, result, job["id"], key, job)
                except Exception as e:
                    failed[job["id"]] = _failed(bundle, job["id"], "scoring", e, path, key)
                del reply
                with counting:
                    bar.update()
    else:
        for _ in jobs():  # only submissions that cannot run: their results are written as they are prepared
            pass
    bar.close()
    return [_summary(bundle, out, s.name, failed) for s in subs]


def _pending(bundle: Bundle, sub: Submission, out: Path, opts: Options) -> bool | None:
    """Whether the submission must be graded: None when already graded with the same key, else whether it could be
    read (False: it cannot run). Cheap (reads and hashes; nothing kept): the run knows how many workers to start
    before it parses anything. `_prepare` reads it again and decides."""
    try:
        data = sub.read()
    except (Ungradable, OSError):
        return False
    return None if not opts.force and _finished(result_path(out, sub.name), _key(bundle, data)) else True


def _prepare(bundle: Bundle, sub: Submission, out: Path, opts: Options) -> dict | None:
    """The job for a submission that must be graded (with its result's key under "key"); None when it needs no
    sandbox: already graded with the same key, or not gradable (its result is written here)."""
    try:
        data = sub.read()
    except (Ungradable, OSError) as e:
        data, pre = b"", scoring.ungradable(bundle.questions, getattr(e, "status", "unreadable"), str(e))
    else:
        pre = None
    key = _key(bundle, data + sub.name.encode() if pre else data)
    path = result_path(out, sub.name)
    if not opts.force and _finished(path, key):
        return None
    if pre is None:
        job, pre = _job(bundle, sub, data, opts)
    if pre is not None:
        _save(path, pre, sub.name, key, None)
        return None
    return {**job, "key": key}


def _failed(bundle: Bundle, name: str, stage: str, error: Exception, path: Path | None = None,
            key: str | None = None) -> dict:
    """The grader-error row of a submission the grader failed on; saved when possible (a rerun grades it again)."""
    print(for_terminal(f"lmcourse grade: {name}: the grader failed while {stage} it ({error.__class__.__name__}: "
                       f"{str(error)[:300]}); its row says grader-error and the next run grades it again"),
          file=sys.stderr)
    result = scoring.grader_error(bundle.questions)
    result["extra_data"]["lmcourse"].update({"file": name, "format": FORMAT})
    if path is not None and key is not None:
        try:
            _save(path, result, name, key, None)
        except Exception:  # the disk refuses it: the row still goes into this run's outputs
            pass
    return result["extra_data"]["lmcourse"]


def _summary(bundle: Bundle, out: Path, name: str, failed: dict[str, dict]) -> dict:
    if name in failed:
        return failed[name]
    try:
        return json.loads(result_path(out, name).read_text(encoding="utf-8"))["extra_data"]["lmcourse"]
    except (OSError, ValueError, KeyError, TypeError) as e:  # written a moment ago, yet unreadable now
        return _failed(bundle, name, "reading the result of", e)


def _save(path: Path, result: dict, name: str, key: str, job: dict | None) -> None:
    lm = result["extra_data"]["lmcourse"]
    lm.update({"file": name, "key": key, "format": FORMAT, "isolation": sandbox.isolation_level()})
    if job is not None:
        lm["variant_source"] = job["variant_source"]
        if job["notes"]:
            result["output"] += "\n" + "\n".join(job["notes"])
    write_atomic(path, json.dumps(result, indent=1, sort_keys=True))
