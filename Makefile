# ssi-analysis: the few targets a newcomer needs. `make help` lists them.
PY ?= .venv/bin/python
VENV_DONE = .venv/.installed

.DEFAULT_GOAL := help
.PHONY: help install report test lint bench lab clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV_DONE): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,notebooks,duckdb,spark]'
	touch $(VENV_DONE)

install: $(VENV_DONE)  ## create .venv and install the package with its dev extras

report: $(VENV_DONE)  ## build the leadership PDF from the bundled example (reports/ssi-report.pdf)
	.venv/bin/ssi-analysis report --data example --out reports/ssi-report.pdf

test: $(VENV_DONE)  ## run the whole test suite (unit, doctests, notebooks)
	$(PY) -m pytest -q -p no:cacheprovider --nbmake notebooks tests ssi_analysis

bench: $(VENV_DONE)  ## time scoring (2,000 reps x 365 days), the report (500, 5,000 reps), validate (2M rows); BENCH_ARGS=, REPORT_ARGS=, VALIDATE_ARGS=
	$(PY) benchmarks/bench_score.py $(BENCH_ARGS)
	$(PY) benchmarks/bench_report.py $(REPORT_ARGS)
	$(PY) benchmarks/bench_validate.py $(VALIDATE_ARGS)

lab: $(VENV_DONE)  ## open the notebooks in JupyterLab (notebooks/; stop with Ctrl-C)
	.venv/bin/jupyter lab --notebook-dir=notebooks

lint: $(VENV_DONE)  ## ruff
	.venv/bin/ruff check ssi_analysis tests benchmarks

clean:  ## remove outputs and caches (keeps .venv)
	rm -rf out .pytest_cache .ruff_cache .hypothesis
