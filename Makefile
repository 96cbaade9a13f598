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

# Execute every solution notebook into build/lessons/ (executed notebooks, for reading).
lessons: $(STAMP)
	$(BIN)/python scripts/run_lessons.py --out build/lessons

# Side-by-side speed and memory against the peers -> BENCHMARKS.md (about 20 minutes);
# bench-quick: a width/8 network at small sizes, a couple of minutes (build/bench/).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks.run --quick

# Regenerate every figure in docs/figures (README gallery, docs/beyond-gatys.md, lessons).
figures: $(STAMP)
	$(BIN)/python scripts/make_readme_figures.py
	$(BIN)/python scripts/make_beyond_figures.py
	$(BIN)/python scripts/run_lessons.py --out build/lessons --figures docs/figures

lint: $(STAMP)
	$(BIN)/ruff check vgg_mat nst tests benchmarks data scripts lessons/src
	$(BIN)/ruff format --check vgg_mat nst tests benchmarks data scripts lessons/src

# The main job on the sample images -> out/demo.png (+ .json manifest, loss curves). Downloads
# the real weights on first use (vgg-mat download: progress bar, resumable, size + MD5 checked);
# offline it explains how to get them (or `nst stylize --weights synthetic`) and exits with 2.
demo: $(STAMP)
	$(BIN)/nst demo --plot

clean:
	rm -rf build dist *.egg-info .pytest_cache
