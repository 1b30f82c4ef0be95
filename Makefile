# The two commands of the README: `make run` and `make test`.
# Both install what they need on a fresh Debian machine.

SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test check-format lint unit

run:
	$(CARGO) run --release --bin tend -- up --config examples/demo/tend.toml

test: check-format lint unit

check-format:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace
