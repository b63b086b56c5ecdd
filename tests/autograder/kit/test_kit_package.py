"""The student kit's requirements, the reproducible wheel, and the autograder.zip post-processing (fast: no venv)."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder.kit.gradescope import AUTOGRADER_DIR, TORCH, TORCH_INDEX, make_gradescope_ready
from autograder.kit.package import write_student_kit
from autograder.kit.wheel import build_student_wheel, sha256, wheel_name

OTTER_ZIP = {
    "run_autograder": "#!/bin/bash\npython /autograder/source/run_otter.py\n",
    "run_otter.py": "print('stock')\n",
    "setup.sh": "#!/usr/bin/env bash\n",
    "environment.yml": "name: otter-env\ndependencies:\n  - pip:\n      - otter-grader[grading,plugins]==7.0.0\n",
    "otter_config.json": json.dumps({"assignment_name": "loss"}),
    "tests/q1.py": "# a test\n",
}


def _zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_student_wheel(tmp_path_factory.mktemp("wheel"), ["lmcore.losses.one_hot"])


def test_kit_wheel_is_reproducible_and_holds_only_the_edition(wheel, tmp_path):
    again = build_student_wheel(tmp_path, ["lmcore.losses.one_hot"])
    assert again.name == wheel.name == wheel_name() and sha256(again) == sha256(wheel)
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(next(n for n in names if n.endswith("/METADATA"))).decode()
    assert {n.split("/")[0] for n in names} == {"lmcore", "autograder", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "autograder/runtime/otter.py" in names and not any(n.startswith("autograder/build") for n in names)
    assert not any("train" in n or "demo" in n for n in names)
    assert "Requires-Dist: numpy" in metadata and "torch" not in metadata  # torch: the CPU build, installed first


def test_kit_student_requirements_name_the_wheel_beside_them(wheel, tmp_path):
    req = write_student_kit(tmp_path / "student", "loss", wheel)
    lines = [line for line in req.read_text().splitlines() if line and not line.startswith("#")]
    assert lines == [f"./{wheel.name}", "otter-grader==7.0.0", "numpy>=1.24", "ipykernel"]
    assert (tmp_path / "student" / wheel.name).read_bytes() == wheel.read_bytes()
    assert f"pip install {TORCH} --index-url {TORCH_INDEX}" in req.read_text()


def test_kit_zip_installs_the_wheel_and_cpu_torch(wheel, tmp_path):
    path = _zip(tmp_path / "autograder.zip", OTTER_ZIP)
    make_gradescope_ready(path, wheel, ["q7"])
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        env = yaml.safe_load(z.read("environment.yml"))
        req = z.read("requirements.txt").decode().splitlines()
        run_otter = z.read("run_otter.py").decode()
        assert z.read(wheel.name) == wheel.read_bytes() and z.read("tests/q1.py") == b"# a test\n"
    assert set(OTTER_ZIP) | {wheel.name, "requirements.txt"} == names
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    expected = [f"--extra-index-url {TORCH_INDEX}", TORCH, f"{AUTOGRADER_DIR}/source/{wheel.name}", "numpy>=1.24"]
    assert pip == ["otter-grader[grading,plugins]==7.0.0", *expected] and req[1:] == expected
    assert "AFTER_PUBLISHED = ['q7']" in run_otter
    make_gradescope_ready(path, wheel, ["q7"])  # idempotent: a second pass changes nothing
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == sorted(names)


def test_kit_run_otter_shows_mcq_rows_after_publication(wheel, tmp_path):
    path = _zip(tmp_path / "autograder.zip", OTTER_ZIP)
    make_gradescope_ready(path, wheel, ["q7"])
    script = tmp_path / "run_otter.py"
    with zipfile.ZipFile(path) as z:
        script.write_bytes(z.read("run_otter.py"))
    spec = importlib.util.spec_from_file_location("lmcourse_run_otter", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = tmp_path / "results.json"
    rows = [{"name": "Public Tests", "visibility": "visible"}, {"name": "q1", "visibility": "hidden", "score": 2},
            {"name": "q7", "visibility": "hidden", "score": 1}]
    results.write_text(json.dumps({"tests": rows}))
    module.publish_mcqs(str(results))
    got = {t["name"]: t["visibility"] for t in json.loads(results.read_text())["tests"]}
    assert got == {"Public Tests": "visible", "q1": "hidden", "q7": "after_published"}
    module.publish_mcqs(str(tmp_path / "missing.json"))  # no results (Otter failed early): nothing to do


def test_kit_zip_refuses_what_it_cannot_fix(wheel, tmp_path):
    broken = _zip(tmp_path / "a.zip", {k: v for k, v in OTTER_ZIP.items() if k != "environment.yml"})
    with pytest.raises(RuntimeError, match=r"a\.zip: not an Otter 7 autograder zip \(no environment.yml\)"):
        make_gradescope_ready(broken, wheel, [])
    revealing = _zip(tmp_path / "b.zip", {**OTTER_ZIP, "otter_config.json": json.dumps({"show_hidden": True})})
    with pytest.raises(RuntimeError, match="b.zip: otter_config.json sets show_hidden"):
        make_gradescope_ready(revealing, wheel, [])
