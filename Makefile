# The two commands a new user needs: `make run` (index seeds/ and serve the UI) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install index serve browser clean

run: install
	$(BIN)/mosaic index seeds/
	$(BIN)/mosaic serve

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

index: install
	$(BIN)/mosaic index $(or $(PATHS),seeds/)

serve: install
	$(BIN)/mosaic serve

# Browser tests drive Debian's Chromium; install it when we can (root with apt), else they skip.
browser:
	@bash scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) build *.egg-info index/gen-* index/CURRENT test-artifacts
