# Two commands for a fresh machine:
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv and run every test (unit tests + every notebook, smoke profile)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch on machines that have it locally; override e.g. TORCH="torch"
TORCH  ?= torch==2.13.0

.PHONY: setup lab test unit notebooks browser student slides benchmark html clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

test: setup
	$(PY) -m pytest -q

unit: setup
	$(PY) -m pytest -q tests

notebooks: setup
	$(PY) -m pytest -q notebooks

student: setup
	$(PY) tools/make_student.py --out student

slides: setup
	$(PY) tools/build.py slides

html: setup
	$(PY) tools/build.py html

benchmark: setup
	$(PY) -m benchmarks

clean:
	rm -rf build student .pytest_cache data/cache
