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

# Java 17+ runs the broker, Maven fetches it. Installed with apt when missing and we may (root).
system-deps:
	@command -v java >/dev/null && command -v mvn >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && apt-get install -y -q openjdk-17-jre-headless maven; \
	  else echo "Java 17+ and Maven are needed: install them (e.g. apt-get install openjdk-17-jre-headless maven)"; exit 2; fi; }

$(STAMP): pyproject.toml constraints.txt mesh/sdk/codec/_avro_encode.c mesh/sdk/codec/_avro_decode.c | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

kafka-fetch: $(STAMP)
	$(BIN)/mesh kafka fetch

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
