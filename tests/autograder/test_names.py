"""Question names handed out stay stable: names.toml maps each folder's slug to its name, a new folder gets the next
unused name wherever it sits, retired names are never reused, and renumbering is explicit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.course.content import (
    NAMES_FILE,
    ContentError,
    assignment_ids,
    load_assignment,
    question_names,
    read_names,
    write_names,
)

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path, assignment: str = "loss") -> Path:
    """tmp_path/assignments/<assignment>, a copy of the real folder (names.toml included)."""
    dest = tmp_path / "assignments" / assignment
    shutil.copytree(ROOT / "assignments" / assignment, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _add_question(folder: Path) -> None:
    folder.mkdir()
    (folder / "prompt.md.j2").write_text("**Question {{ number }}.**\n", encoding="utf-8")
    (folder / "checks.py").write_text("", encoding="utf-8")


def test_names_without_a_file_follow_folder_order():
    assert question_names(["a", "b", "c"], {}) == {"a": "q1", "b": "q2", "c": "q3"}


def test_names_a_new_slug_gets_the_next_unused_name_wherever_it_sits():
    names = {"a": "q1", "b": "q2", "gone": "q3"}  # "gone" was removed: q3 is retired, never given out again
    assert question_names(["new", "a", "b"], names) == {"new": "q4", "a": "q1", "b": "q2"}
    assert question_names(["new", "a", "b"], names, renumber=True) == {"new": "q1", "a": "q2", "b": "q3"}


@pytest.mark.parametrize("assignment", assignment_ids())
def test_names_every_assignment_has_a_names_file_listing_each_folder(assignment):
    a = load_assignment(assignment)
    listed = read_names(a.path)
    assert (a.path / NAMES_FILE).is_file()
    assert {q.slug: q.name for q in a.questions} == {s: n for s, n in listed.items() if s in {q.slug for q in
                                                                                             a.questions}}
    assert write_names(assignment) == []  # up to date: a build changes nothing


def test_names_inserting_a_folder_keeps_every_handed_out_name(tmp_path):
    path = _copy(tmp_path)
    before = {q.slug: q.name for q in load_assignment("loss", tmp_path).questions}
    top = max(int(n[1:]) for n in before.values())
    _add_question(path / "02_aaa_inserted")  # sorts between 01_ and 02_: shown as Question 2

    a = load_assignment("loss", tmp_path)
    assert [q.number for q in a.questions] == list(range(1, len(before) + 2))
    new = next(q for q in a.questions if q.slug == "aaa_inserted")
    assert new.number == 2 and new.name == f"q{top + 1}"
    assert {q.slug: q.name for q in a.questions if q.slug != "aaa_inserted"} == before

    changes = write_names("loss", tmp_path)
    assert changes == [f"{path / NAMES_FILE}: aaa_inserted: new question q{top + 1}"]
    assert read_names(path)["aaa_inserted"] == f"q{top + 1}" and write_names("loss", tmp_path) == []

    shutil.rmtree(path / "02_aaa_inserted")  # removed again: its name stays retired
    _add_question(path / "09_later")
    assert next(q for q in load_assignment("loss", tmp_path).questions if q.slug == "later").name == f"q{top + 2}"


def test_names_renumber_is_explicit(tmp_path):
    path = _copy(tmp_path)
    _add_question(path / "02_aaa_inserted")
    write_names("loss", tmp_path)
    changes = write_names("loss", tmp_path, renumber=True)
    a = load_assignment("loss", tmp_path)
    assert [q.name for q in a.questions] == [f"q{i}" for i in range(1, len(a.questions) + 1)]
    assert any("cross_entropy: q2 -> q3" in c for c in changes), changes


def test_names_a_first_build_writes_the_file(tmp_path):
    path = _copy(tmp_path)
    (path / NAMES_FILE).unlink()
    assert [q.name for q in load_assignment("loss", tmp_path).questions][:2] == ["q1", "q2"]
    (line,) = write_names("loss", tmp_path)
    assert "written" in line and 'sequence_total = "q1"' in (path / NAMES_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "message"), [
    ('a = "q1"\nb = "q1"\n', "both named 'q1'"),
    ('a = "question 1"\n', 'each line is <slug> = "q<n>"'),
    ('a = 1\n', 'each line is <slug> = "q<n>"'),
    ('a = "q1\n', "names.toml"),
])
def test_names_a_broken_file_is_refused_naming_it(tmp_path, text, message):
    path = _copy(tmp_path)
    (path / NAMES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="names.toml") as e:
        load_assignment("loss", tmp_path)
    assert message in str(e.value) and str(path / NAMES_FILE) in str(e.value)


def test_names_two_folders_with_one_slug_are_refused(tmp_path):
    path = _copy(tmp_path)
    _add_question(path / "09_sequence_total")
    with pytest.raises(ContentError, match="share the slug 'sequence_total'"):
        load_assignment("loss", tmp_path)
