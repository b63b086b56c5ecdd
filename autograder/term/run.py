"""One `lmcourse grade` run over a class folder: record what the instructor said (roster, overrides, extensions,
deadlines), collect the inputs into the class, grade whatever is new or changed, index the results in the store and
recompute every output over the whole class (views.py).

Order matters for `kill -9`: the instructor's files are read before anything changes; the store's records of the
collected submissions are written before grading; a result whose identity changed is deleted before it is regraded;
the outputs come last. Killed anywhere, the next run finds either the old state or the new one and finishes the job.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.variants import read_roster
from autograder.grade import batch
from autograder.grade.bundle import Bundle
from autograder.grade.files import original_name, result_path
from autograder.term import store as stores
from autograder.term.collect import (
    SUBMISSIONS,
    Roster,
    collect_into,
    cross_check,
    identify,
    on_disk,
    orphan,
    remove_leftovers,
)
from autograder.term.deadlines import read_extensions
from autograder.term.rows import read_overrides
from autograder.term.store import ClassStore


@dataclass
class Instructions:
    """What the instructor gives on the command line; files are read in full before anything is changed."""

    roster: Path | None = None
    overrides: Path | None = None
    extensions: Path | None = None
    settings: dict = field(default_factory=dict)  # "policy", "export", "publish_mcq", merged into the stored ones


def record(store: ClassStore, ins: Instructions) -> None:
    """Read the instructor's files (a bad one raises ValueError naming it, before any change), then store them in
    one transaction. What is not given keeps its stored value, so a later run needs only what changes."""
    students = read_roster(ins.roster) if ins.roster else None
    if students is not None and not students:
        raise ValueError(f"{ins.roster}: no usable student_id in the roster")
    overrides = read_overrides(ins.overrides) if ins.overrides else None
    extensions = read_extensions(ins.extensions) if ins.extensions else None
    with store.transaction():
        if students is not None:
            store.set_roster(students)
        if overrides is not None:
            store.set_overrides(overrides)
        if extensions is not None:
            store.set_extensions(extensions)
        if ins.settings:
            stored = store.settings()
            store.set_settings({k: {**stored.get(k, {}), **v} if isinstance(v, dict) else v
                                for k, v in ins.settings.items()})


def _identities(out: Path, roster: Roster, known: dict[str, dict], fresh: dict[str, dict]) -> dict[str, dict]:
    """The record of every submission in the class folder, its identity recomputed from its name and the roster."""
    records = {}
    for name in on_disk(out):
        rec = fresh.get(name) or known.get(name) or orphan(out, name, roster)
        ident = identify(tuple(name.split("/")), roster)
        records[name] = {**rec, "student_id": ident.student_id, "source": ident.source, "refused": ident.refused,
                         "flags": cross_check(ident, rec.get("metadata_student_id"))}
    return records


def grade(autograder: Path, inputs: list[Path], out: Path, opts: batch.Options, ins: Instructions,
          similarity: dict | None) -> dict:
    """Collect, grade, recompute; returns views.write_all's summary (or {"shard": summaries} for a shard)."""
    from autograder.term import views

    bundle = Bundle.load(autograder, opts.variants_csv)
    out.mkdir(parents=True, mode=0o700, exist_ok=True)  # results are nobody else's business
    (out / SUBMISSIONS).mkdir(exist_ok=True)
    if opts.shard is not None:
        return _shard(autograder, inputs, out, opts, ins, bundle)
    remove_leftovers(out)
    with ClassStore(out) as store:
        record(store, ins)
        roster = Roster(store.roster(), set(bundle.mapping))
        known = store.submissions()
        collected, notes = collect_into(out, inputs, roster, known)
        records = _identities(out, roster, known, {r["name"]: r for r in collected})
        given = {r["name"] for r in collected} if inputs else set(records)
        for name, rec in records.items():
            rec["graded_as"] = [rec["student_id"], rec["refused"]]
            regrade = opts.force and name in given  # --force: the submissions given (all, when none are)
            if regrade or (name in known and known[name].get("graded_as") != rec["graded_as"]):
                result_path(out, name).unlink(missing_ok=True)  # graded as someone else before: grade it again
        with store.transaction():
            store.forget([n for n in known if n not in records])  # removed from submissions/ by hand
            for rec in records.values():
                store.put_submission(rec)
        opts = dataclasses.replace(opts, force=False, identities={n: r["student_id"] for n, r in records.items()
                                                                  if r["student_id"]},
                                   refused={n: r["refused"] for n, r in records.items() if r["refused"]})
        opts = dataclasses.replace(opts, alongside=functools.partial(_warm, bundle, similarity is not None))
        summaries = batch.run(autograder, [out / SUBMISSIONS], out, opts)
        with store.transaction():
            for s in summaries:
                store.put_result(s["file"], s)
            store.set_settings({"similarity": _stored(similarity)})
        summary = views.write_all(out, store, bundle, similarity)
    summary["notes"] = notes + summary["notes"]
    return summary


def _warm(bundle: Bundle, similarity: bool) -> None:
    """What views.write_all imports (matplotlib for the report's plots; with similarity, lmcore with torch and
    copydetect: ~2 s of CPU), done on the grader's idle core while the workers warm up and grade."""
    from autograder.grade import report_plots
    from autograder.grade import similarity as sim

    if similarity:
        sim.warm(bundle)
    try:
        report_plots.warm()
    except Exception:  # noqa: BLE001, S110 - the report meets it again and says so
        pass


def _stored(similarity: dict | None) -> dict | None:
    if similarity is None:
        return None
    template = similarity.get("template")
    return {"threshold": similarity["threshold"], "template": str(Path(template).resolve()) if template else None}


def refresh(out: Path, settings: dict | None = None, autograder: Path | None = None) -> dict:
    """Recompute every output of a class folder without grading (after `lmcourse handback`, `export` or `remove`),
    with the autograder zip and similarity settings of its last grading run unless given."""
    from autograder.term import views

    if not stores.exists(out):
        raise ValueError(f"{out}: not a class folder (no {stores.FILE}); grade into it first")
    with ClassStore(out) as store:
        record(store, Instructions(settings=settings or {}))
        zip_path = autograder or Path(store.setting("autograder", ""))
        if not zip_path.is_file():
            raise ValueError(f"{out}: the autograder zip of its last run ({zip_path}) is gone; pass --autograder")
        summary = views.write_all(out, store, Bundle.load(zip_path), store.setting("similarity"))
    summary["notes"] = list(summary["notes"])
    return summary


def _shard(autograder: Path, inputs: list[Path], out: Path, opts: batch.Options, ins: Instructions,
           bundle: Bundle) -> dict:
    """A shard grades its part only: it collects (each file written atomically, so shards may collect at once) but
    never writes the store, which the run without --shard updates."""
    students, known = (read_roster(ins.roster) if ins.roster else []), {}
    if stores.exists(out):
        with ClassStore(out, readonly=True) as store:
            students, known = students or store.roster(), store.submissions()
    roster = Roster(students, set(bundle.mapping))
    collect_into(out, inputs, roster, known)
    records = _identities(out, roster, known, {})
    opts = dataclasses.replace(opts, identities={n: r["student_id"] for n, r in records.items() if r["student_id"]},
                               refused={n: r["refused"] for n, r in records.items() if r["refused"]})
    return {"shard": batch.run(autograder, [out / SUBMISSIONS], out, opts)}


def remove(out: Path, what: list[str]) -> list[str]:
    """Take submissions out of the class: each WHAT is a submission name (as in final_grades.csv) or a student id
    (all of that student's submissions). Their files and results go, then their records; returns the names."""
    if not stores.exists(out):
        raise ValueError(f"{out}: not a class folder (no {stores.FILE})")
    names = on_disk(out)
    with ClassStore(out) as store:
        records = store.submissions()
        chosen = [n for n in names if n in what or (records.get(n) or {}).get("student_id") in what]
        unknown = [w for w in what if w not in chosen and not any((records.get(n) or {}).get("student_id") == w
                                                                  for n in chosen)]
        if unknown:
            raise ValueError(f"{out}: no submission or student {unknown[0]!r} in this class")
        for name in chosen:
            (out / SUBMISSIONS / original_name(name)).unlink(missing_ok=True)
            result_path(out, name).unlink(missing_ok=True)
        with store.transaction():
            store.forget(chosen)
    return chosen
