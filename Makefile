# Two set-up commands: `make demo` and `make test`. Both create .venv and install on first use.
# Contributors' inner loop: `make quick` (ruff + the tests not marked slow; CI runs `make test`).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# With no NVIDIA GPU, pin the CPU build of torch (a bare `torch` resolves to a ~5 GB CUDA build).
# GPU machines get whatever `torch>=2.2` resolves to; override with `make TORCH_SPEC=... test`.
TORCH_SPEC ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 || echo torch==2.13.0)

# The browser tests drive Debian's chromium (playwright cannot download its own browser here); root installs it.
CHROMIUM ?= /usr/bin/chromium

.PHONY: install browser demo test quick lint bench clean

install: $(STAMP)

browser:
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && apt-get update -q && apt-get install -y -q chromium; } || \
	  { echo "$(CHROMIUM) is missing: the browser tests need it (as root: apt-get install -y chromium)"; exit 1; }

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(if $(TORCH_SPEC),$(BIN)/python -m pip install -q "$(TORCH_SPEC)")
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m lmcore.demo
	$(BIN)/lmcourse build --out dist
	$(BIN)/lmcourse build --roster examples/roster.csv --seed 2026 --out dist/roster
	$(BIN)/lmcourse quiz --roster examples/roster.csv --seed 2026 --format all --out dist/quiz
	$(BIN)/lmcourse quiz grade --key dist/quiz/key.json --responses examples/quiz_responses.csv --out dist/quiz/grades
	$(BIN)/lmcourse train --preset tiny --out dist/train
	@echo "== a term: hand out, collect from Canvas and Moodle, grade, hand back, gradebook (README: Running a term)"
	mkdir -p dist/term/homes/ada dist/term/homes/grace
	$(BIN)/lmcourse handout dist/roster/loss --roster examples/roster.csv --homes 'dist/term/homes/{username}'
	$(BIN)/python examples/lms/make_downloads.py loss --out dist/term
	$(BIN)/lmcourse grade -a dist/roster/loss/autograder/autograder.zip dist/term/canvas-loss-submissions.zip \
	  dist/term/moodle-loss --out dist/term/loss --roster examples/roster.csv --due 2026-12-10T23:59 \
	  --late-penalty 10 --late-cap 50
	$(BIN)/lmcourse handback dist/term/loss --publish-mcq
	$(BIN)/lmcourse export dist/term/loss --canvas-assignment-id 4242
	for d in examples/submissions/*/; do a=$$(basename $$d); \
	  test -f dist/$$a/autograder/autograder.zip || $(BIN)/lmcourse build $$a --out dist || exit 1; \
	  echo "== lmcourse grade: $$a"; \
	  $(BIN)/lmcourse grade -a dist/$$a/autograder/autograder.zip $$d*.ipynb --out dist/grades/$$a || exit 1; done

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) dist runs
