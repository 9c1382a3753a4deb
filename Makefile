# The two set-up commands of the README: `make demo` and `make test`. Both install everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test unit fault-100k bench bench-processor system-deps kafka-fetch fuzz-registry clean

demo: $(STAMP) kafka-fetch
	$(BIN)/python -m domains.demo

test: $(STAMP) kafka-fetch
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# the member-360 worker SIGKILLed three times during a 100,000-event run (make test plays 20,000)
fault-100k: $(STAMP) kafka-fetch
	M360_CRASH_MEMBERS=6300 $(BIN)/python -m pytest tests/integration/care/test_member360_processor.py \
	  -k three_sigkills

# member-360 worker vs a plain confluent-kafka loop, same run (bench/README.md); the local broker unless
# MESH_KAFKA__BOOTSTRAP_SERVERS is set. e.g. make bench-processor PROCESSOR_BENCH="--members 20000 --repeats 1"
PROCESSOR_BENCH ?= --members 1000 --repeats 3 --rates 1000,5000 --seconds 8 --at-least-once
bench-processor: $(STAMP) kafka-fetch
	@[ -n "$$MESH_KAFKA__BOOTSTRAP_SERVERS" ] || $(BIN)/mesh kafka start
	$(BIN)/python bench/processor_bench.py $(PROCESSOR_BENCH)

# Java 17+ runs the broker, Maven fetches it (a JDK: the Avro Java differential test launches a Java
# source file); Graphviz lays out the catalog's lineage; Chromium and its driver run the catalog's
# browser test. Installed with apt when missing and we may (root).
SYSTEM_PACKAGES := openjdk-17-jdk-headless maven graphviz chromium chromium-driver
system-deps:
	@command -v java >/dev/null && command -v javac >/dev/null && command -v mvn >/dev/null && command -v dot >/dev/null \
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

# schemathesis against a running registry's OpenAPI document (MESH_REGISTRY__URL): fails on any 5xx
REGISTRY_URL ?= $(or $(MESH_REGISTRY__URL),http://127.0.0.1:8081)
FUZZ_EXAMPLES ?= 60
fuzz-registry: $(STAMP)
	$(BIN)/st run $(REGISTRY_URL)/openapi.json --checks not_a_server_error --mode all -n $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
