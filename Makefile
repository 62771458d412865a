# The two commands a new user needs: `make run` (index seeds/ and serve the UI) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install index serve browser clean opensearch

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

# One real OpenSearch node in the foreground (Ctrl-C stops it), for MOSAIC_ENGINE=opensearch.
# Built from OpenSearch's jars on Maven Central the first time (needs java 17 and mvn).
# Data stays in .opensearch/PORT/ between runs; transport (node-to-node) is PORT + 100.
OPENSEARCH_PORT ?= 9200
OPENSEARCH_HEAP ?= 512m
opensearch:
	OPENSEARCH_HEAP=$(OPENSEARCH_HEAP) tools/opensearch-node/run --home .opensearch/$(OPENSEARCH_PORT) \
		--http-port $(OPENSEARCH_PORT) --transport-port $$(($(OPENSEARCH_PORT) + 100))

clean:
	rm -rf $(VENV) build *.egg-info index/gen-* index/CURRENT test-artifacts tools/opensearch-node/target
