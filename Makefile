# The two commands that do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint lessons bench bench-quick figures clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# Execute every lesson into build/lessons/ (executed notebooks, for reading).
lessons: $(STAMP)
	$(BIN)/python scripts/run_lessons.py --out build/lessons

lint: $(STAMP)
	$(BIN)/ruff check vgg_mat nst tests benchmarks data

demo: $(STAMP)
	@echo "make demo: not yet (lands with the nst command line)"

clean:
	rm -rf build dist *.egg-info .pytest_cache
