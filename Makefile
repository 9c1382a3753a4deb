# The two set-up commands of the README: `make demo` and `make test`. Both install everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test unit bench system-deps kafka-fetch clean

demo: $(STAMP) kafka-fetch
	$(BIN)/python -m domains.demo

test: $(STAMP) kafka-fetch
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# Java 17+ runs the broker, Maven fetches it; Graphviz lays out the catalog's lineage; Chromium and its
# driver run the catalog's browser test. Installed with apt when missing and we may (root).
SYSTEM_PACKAGES := openjdk-17-jre-headless maven graphviz chromium chromium-driver
system-deps:
	@command -v java >/dev/null && command -v mvn >/dev/null && command -v dot >/dev/null \
	  && command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && apt-get install -y -q $(SYSTEM_PACKAGES); \
	  else echo "Needed: Java 17+, Maven, Graphviz, Chromium + chromedriver (apt-get install $(SYSTEM_PACKAGES))"; exit 2; fi; }

$(STAMP): pyproject.toml constraints.txt mesh/sdk/codec/_avro_encode.c mesh/sdk/codec/_avro_decode.c | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

kafka-fetch: $(STAMP)
	$(BIN)/mesh kafka fetch

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
