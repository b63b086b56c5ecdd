# Two set-up commands: `make demo` and `make test`. Both create .venv and install on first use.
# Contributors' inner loop: `make quick` (ruff + the tests not marked slow; CI runs `make test`).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# With no NVIDIA GPU, pin the CPU build of torch (a bare `torch` resolves to a ~5 GB CUDA build).
# GPU machines get whatever `torch>=2.2` resolves to; override with `make TORCH_SPEC=... test`.
TORCH_SPEC ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 || echo torch==2.13.0)

.PHONY: install demo test quick lint bench clean

install: $(STAMP)

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
	for d in examples/submissions/*/; do a=$$(basename $$d); \
	  test -f dist/$$a/autograder/autograder.zip || $(BIN)/lmcourse build $$a --out dist || exit 1; \
	  echo "== lmcourse grade: $$a"; \
	  $(BIN)/lmcourse grade -a dist/$$a/autograder/autograder.zip $$d*.ipynb --out dist/grades/$$a || exit 1; done

test: $(STAMP)
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
