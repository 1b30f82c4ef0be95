#!/usr/bin/env python3
"""Run Tend's whole-process benchmarks against supervisord, PM2 and Horust.

    python3 benches/run.py --mode full --tend target/dist/tend
    python3 benches/run.py --mode smoke --tend target/debug/tend

Full mode installs the missing peers under benches/.peers/ and writes
benches/results/RESULTS.md and results.json. Smoke mode runs each scenario
once with small sizes, Tend only, and exits 1 if any scenario fails or
Tend's log loses a byte.
"""

import argparse
import dataclasses
import json
import pathlib
import shlex
import signal
import sys
import time
import traceback

import report
from peers import ADAPTERS, PEER_NAMES
from peers.install import BENCHES_DIR, Paths, install_peers
from processes import ProcessTracker
from scenarios import BY_NAME, SCENARIOS
from scenarios.common import FULL, SMOKE, Context

REPO_DIR = BENCHES_DIR.parent
RESULTS_DIR = BENCHES_DIR / "results"
# Scenarios cheap enough to repeat in full mode; the others already take
# many samples (restart, detection, API) or a long window (idle, crash loop).
REPEATED = {"startup", "logs", "stop"}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["smoke", "full"], default="full")
    parser.add_argument(
        "--tend",
        type=pathlib.Path,
        help="tend binary (default: target/dist/tend in full mode, "
        "target/debug/tend in smoke mode)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SCENARIO",
        help="run only these scenarios (repeatable or comma-separated): " + ", ".join(BY_NAME),
    )
    parser.add_argument(
        "--peers",
        help="comma-separated peers to compare with Tend, or 'none' "
        "(default: all in full mode, none in smoke mode)",
    )
    parser.add_argument(
        "--duration-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply the idle, crash-loop and default-restart windows by FACTOR "
        "(below 1 to check the adapters quickly)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="repetitions of the start-up, log and stop scenarios "
        "(default: 3 in full mode, 1 in smoke mode)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's temporary directory")
    parser.add_argument(
        "--results", type=pathlib.Path, help="results folder (default: benches/results)"
    )
    return parser.parse_args(argv)


def selected_scenarios(only):
    names = [name for item in only for name in item.split(",") if name]
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise SystemExit(
            f"unknown scenario {', '.join(unknown)}; expected one of {', '.join(BY_NAME)}"
        )
    return [scenario for scenario in SCENARIOS if not names or scenario.NAME in names]


def selected_peers(arguments):
    if arguments.peers is None:
        return PEER_NAMES if arguments.mode == "full" else []
    if arguments.peers == "none":
        return []
    names = [name for name in arguments.peers.split(",") if name]
    unknown = [name for name in names if name not in PEER_NAMES]
    if unknown:
        raise SystemExit(
            f"unknown peer {', '.join(unknown)}; expected some of {', '.join(PEER_NAMES)}"
        )
    return names


def sizes_for(arguments):
    sizes = FULL if arguments.mode == "full" else SMOKE
    scale = arguments.duration_scale
    return dataclasses.replace(
        sizes,
        idle_duration_s=sizes.idle_duration_s * scale,
        crash_loop_s=sizes.crash_loop_s * scale,
        default_restart_window_s=sizes.default_restart_window_s * scale,
        repeats=arguments.repeats or sizes.repeats,
    )


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def log(message):
    print(message, flush=True)


def tool_versions(context, tools):
    """Return each tool's version, read by an adapter that runs only the tool's CLI."""
    versions = {}
    tracker = ProcessTracker()
    try:
        for tool in tools:
            adapter = ADAPTERS[tool](RESULTS_DIR, tracker, context.paths)
            try:
                versions[tool] = adapter.version()
            except Exception as error:  # noqa: BLE001 - a missing version is reported, not fatal
                versions[tool] = f"unknown ({error})"
    finally:
        tracker.kill_all()
    return versions


def run_scenarios(context, scenarios):
    """Run each scenario for each tool; return (measurements, failures)."""
    measurements, failures = [], []
    for scenario in scenarios:
        repeats = context.sizes.repeats if scenario.NAME in REPEATED else 1
        for tool in scenario.tools(context):
            for repeat in range(repeats):
                label = f"{scenario.NAME} / {tool}" + (
                    f" ({repeat + 1}/{repeats})" if repeats > 1 else ""
                )
                began = time.monotonic()
                log(f"{label} ...")
                try:
                    results = scenario.run(context, tool)
                except KeyboardInterrupt:
                    raise
                except Exception as error:  # noqa: BLE001 - recorded, and the run goes on
                    failures.append(f"{label}: {type(error).__name__}: {error}")
                    log(f"{label}: FAILED: {error}")
                    traceback.print_exc()
                    continue
                measurements.extend(results)
                summary = "; ".join(
                    f"{item.metric} = {report.format_value(item.value, item.unit)}"
                    for item in results
                )
                log(f"{label}: {time.monotonic() - began:.1f} s: {summary}")
    return measurements, failures


def main(argv):
    arguments = parse_arguments(argv)
    # A shell that starts the harness in the background ignores SIGINT for it;
    # both signals end the run through the same cleanup.
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    default_tend = "target/dist/tend" if arguments.mode == "full" else "target/debug/tend"
    tend = (arguments.tend or REPO_DIR / default_tend).resolve()
    if not tend.exists():
        raise SystemExit(f"tend binary not found: {tend}; build it with cargo build --bin tend")

    peers = selected_peers(arguments)
    scenarios = selected_scenarios(arguments.only)
    paths = Paths(tend=tend)
    install_peers(peers, paths, log=log)
    context = Context(
        mode=arguments.mode,
        sizes=sizes_for(arguments),
        paths=paths,
        tools=["tend", *peers],
        keep_workdirs=arguments.keep,
        log=log,
    )
    versions = tool_versions(context, context.tools)
    log("tools: " + ", ".join(versions.values()))

    measurements, failures = run_scenarios(context, scenarios)

    results_dir = arguments.results or RESULTS_DIR
    name = "RESULTS.md" if arguments.mode == "full" else "RESULTS-smoke.md"
    command = shlex.join([sys.executable, *sys.argv])
    adapters = [ADAPTERS[tool](results_dir, None, paths) for tool in context.tools]
    report.write(
        results_dir / name,
        mode=arguments.mode,
        command=command,
        measurements=measurements,
        failures=failures,
        scenarios=scenarios,
        tools=[*context.tools, "reference"],
        versions=versions,
        adapters=adapters,
        notes=report.NOTES,
    )
    json_path = results_dir / name.replace(".md", ".json")
    json_path.write_text(json.dumps([dataclasses.asdict(item) for item in measurements], indent=1))
    log(f"wrote {results_dir / name}")
    if failures:
        log(f"{len(failures)} failures:")
        for failure in failures:
            log(f"  {failure}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        log("interrupted; every process of the current scenario was killed")
        sys.exit(130)
