# Two commands for a fresh machine: `make demo` and `make test`. Everything else is set up by them.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-all bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/domicare demo

# pytest exits 5 when it collected nothing: that is a failure here, never a silent pass.
# Two worker processes (pytest-xdist): every test makes its own databases, ports and folders, so they run side by side.
# loadgroup keeps a module's xdist_group on one worker: tests/test_any_hour.py's four clocks share one set of child runs.
TEST_WORKERS ?= 2
test: setup
	@$(VENV)/bin/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected: failing"; exit 1; fi; exit $$rc

test-all: setup
	@$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected: failing"; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) var .pytest_cache
