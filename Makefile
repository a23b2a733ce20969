# Two commands do everything on a machine with only Python 3.11:
#   make run   - set up, migrate, seed the demo once, start web + Celery worker + beat
#   make test  - set up and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run test setup setup-dev compile lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compile the detector (detection/rules.py) with mypyc when a C compiler is
# there; never fails: without one, or if the build fails, the .py is used.
compile: $(VENV)/.installed
	-$(PY) tools/compile_detector.py

setup: $(VENV)/.installed compile

setup-dev: $(VENV)/.installed-dev compile

run: setup
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  MyeloTrack is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "  Demo log-ins (password myelotrack-demo): patient.a1 ... patient.a30, patient.b1 ... patient.b3,"
	@echo "  nurse.a, doctor.a, physio.a, nurse.b, admin"
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) $(RUN_ENV) $(VENV)/bin/honcho start

test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -c pyproject.toml -r config core audit detection patients motor tracker notifications reminders clinic

# Benchmarks use their own databases on the local PostgreSQL; figures go in docs/benchmarks.md.
bench: setup-dev
	set -e; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf var/ staticfiles/ .pytest_cache
