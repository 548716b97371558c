# Every install step lives here so a clean clone works with one command.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench clean readme docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of PyTorch first: a bare `torch` requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	# the fast embedding model, distilled once from the bundled MiniLM (about 40 s)
	$(BIN)/datalint prepare
	touch $(STAMP)

setup: $(STAMP)

# The demo data is built to have problems, so datalint exits 1 on it (findings at the default
# gate, --fail-on error): that is the expected result and `make demo` succeeds. Exit 2 (a usage
# or input error) or 3 (a rule crashed) is a real failure and fails `make demo`.
DEMO := $(BIN)/datalint check fixtures/demo/support_train.jsonl \
	--production fixtures/demo/production_sample.jsonl

demo: $(STAMP)
	@echo '$(DEMO)'
	@$(DEMO); status=$$?; \
	if [ $$status -eq 1 ]; then \
		echo "datalint exited with 1: the demo data has problems to fix (expected)"; \
	else \
		exit $$status; \
	fi

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/record_pass.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# the generated parts of the documentation: README.md's rule table and docs/rules.md
readme: $(STAMP)
	$(BIN)/python scripts/update_readme.py

docs: readme
