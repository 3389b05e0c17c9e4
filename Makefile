# Two commands on a fresh machine: `make run` and `make test`. Each creates .venv when needed.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
ARTICLES  ?= examples/articles
INDEX_DIR ?= data/index
HOST      ?= 127.0.0.1
PORT      ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test check lint types fmt bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: the CPU build on this machine's disk; anything else pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	test -f $(INDEX_DIR)/CURRENT || $(BIN)/rag build --index-dir $(INDEX_DIR) $(ARTICLES)
	$(BIN)/rag serve --index-dir $(INDEX_DIR) --articles $(ARTICLES) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check index rag api tests bench
	$(BIN)/ruff format --check index rag api tests bench

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

fmt: $(STAMP)
	$(BIN)/ruff format index rag api tests bench
	$(BIN)/ruff check --fix index rag api tests bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
