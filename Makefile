# The two commands of the README: `make run` and `make test`.
# Both install what they need on a fresh Debian machine (apt-get as root, or
# through sudo), then build what they run.

SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

# Debian packages: the Tauri app's build and runtime libraries, the headless
# desktop used by its tests, interpreters the diagnosis tests run, Chromium
# for the UI tests, and the servers of the web-stack example.
APT_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev \
	libayatana-appindicator3-1 xvfb xauth dbus-daemon dbus-bin \
	python3 python3-venv ruby chromium redis-server nginx-light systemd

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON ?= python3
DEMO_CONFIG := examples/demo/tend.toml

.PHONY: run test deps ui ui-test ui-e2e check-format lint unit bench bench-smoke app

## make run: the tray app on the demo stack, or `tend up` with the dashboard
## URL printed where there is no display.
run: deps ui
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(CARGO) build --release -p tend-app --bin tend-app && \
		exec target/release/tend-app --config $(DEMO_CONFIG); \
	else \
		echo "no display: running the supervisor headless with the dashboard"; \
		$(CARGO) build --profile dist --bin tend && \
		exec target/dist/tend up --config $(DEMO_CONFIG) --dashboard; \
	fi

## make test: formatting, lints, every Rust test, the benchmark smoke run and
## the UI tests.
test: deps ui check-format lint unit bench-smoke ui-test ui-e2e

deps:
	@missing=$$(for package in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$package 2>/dev/null | grep -q "install ok installed" || echo $$package; \
	done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The UI is rebuilt only when its sources change, because the Rust crates
# that embed ui/dist rebuild whenever it is rewritten.
UI_SOURCES := $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json \
	ui/vite.config.ts ui/tsconfig.json -type f 2>/dev/null)

ui: ui/dist/.built

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund

# A stamp of its own, because the app's build script writes a placeholder
# ui/dist/index.html when the UI was never built.
ui/dist/.built: $(UI_SOURCES) ui/node_modules/.package-lock.json
	cd ui && $(NPM) run build
	touch $@

ui-test: ui
	cd ui && $(NPM) test

ui-e2e: ui
	$(CARGO) build --bin tend
	cd ui && $(NPM) run e2e

check-format:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# make deps installed every tool the tests use, so a missing one is a failure.
# Every test binary runs even after one fails, so one run shows every failure.
unit:
	TEND_REQUIRE_TOOLS=1 $(CARGO) test --workspace --no-fail-fast

## make bench: every scenario against supervisord, PM2 and Horust (installed
## under benches/.peers/ on first use); writes benches/results/RESULTS.md.
bench: deps
	$(CARGO) build --profile dist --bin tend
	$(PYTHON) benches/run.py --mode full --tend target/dist/tend

## make bench-smoke: each scenario once, Tend only, small sizes; fails on any
## error or lost log byte.
bench-smoke: deps
	$(CARGO) build --bin tend
	$(PYTHON) benches/run.py --mode smoke --tend target/debug/tend
