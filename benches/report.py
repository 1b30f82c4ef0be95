"""RESULTS.md: the machine, the tools, their settings, and one table of medians."""

import os
import platform
import statistics

from peers import DEFAULTS, FAST_RESTART

REFERENCE = "reference"
TOOL_ORDER = ["tend", "supervisord", "pm2", "horust", REFERENCE]

NOTES = [
    "reference: restart latency runs the child in `while :; do child; done` (bash); "
    "log throughput runs the same writer with stdout redirected to a file.",
    "Failure detection uses Tend's /v1/events, a supervisord event listener "
    "(PROCESS_STATE_EXITED) and a PM2 bus client (pm2.launchBus, `exit` events). "
    "Horust 0.1.14 publishes no state changes, so it has no row there.",
    "The API rows leave Horust out: 0.1.14 has no command that lists every service "
    "(horustctl, a separate crate, requests one service's status at a time).",
    "Horust opens a service's stdout file and hands it to the child, so its log "
    "throughput is the child writing a file itself, with no supervisor CPU.",
    "Stop: Horust has no stop command, so its row is SIGTERM to horust, which stops "
    "every service and exits. The stop-survivor child runs two `sleep` grandchildren, "
    "one in its process group and one moved to its own session with setsid.",
    "Supervisor CPU is summed over the supervisor's own processes (for PM2 the God "
    "daemon, not the CLI): the first field of /proc/PID/task/*/schedstat, or "
    "utime + stime from /proc/PID/stat when larger, as that also counts exited threads.",
    "Tend samples component metrics every 5 s while no client watches, so the idle "
    "rows include that sampling.",
]


def machine():
    """Return nproc, the CPU model, the kernel and the memory of this machine."""
    model = "unknown"
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in open("/proc/meminfo", encoding="utf-8"):
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "kernel": f"{platform.system()} {platform.release()}",
        "memory": f"{memory_kib / 2**20:.1f} GiB",
    }


def aggregate(measurements):
    """Group repetitions by (scenario, metric, tool); numbers become their median."""
    groups = {}
    for item in measurements:
        groups.setdefault((item.scenario, item.metric, item.tool), []).append(item)
    rows = {}
    for key, items in groups.items():
        values = [item.value for item in items if item.value is not None]
        numeric = [value for value in values if isinstance(value, (int, float))]
        if numeric and len(numeric) == len(values):
            value = statistics.median(numeric)
        else:
            value = values[-1] if values else None
        rows[key] = (value, items[0], len(items))
    return rows


def format_value(value, unit):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 100:
            text = f"{value:.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


MAKE_TARGETS = {"full": "bench", "smoke": "bench-smoke"}

# Values below this print as 0.00 and make a ratio meaningless.
SMALLEST_DIVISOR = 0.005


def ratio(tend_value, peer_value, comparable):
    """Return Tend's value divided by the peer's, or "" where that means nothing."""
    numbers = isinstance(tend_value, (int, float)) and isinstance(peer_value, (int, float))
    if comparable is None or not numbers or abs(peer_value) < SMALLEST_DIVISOR:
        return ""
    return f"{tend_value / peer_value:.2f}"


def ordered_metrics(rows, scenarios):
    """Return the (scenario, metric) pairs in scenario order, then in measurement order."""
    order = {scenario.NAME: index for index, scenario in enumerate(scenarios)}
    metrics = []
    for scenario, metric, _tool in rows:
        if (scenario, metric) not in metrics:
            metrics.append((scenario, metric))
    metrics.sort(key=lambda key: order.get(key[0], len(order)))
    return metrics


def table_row(rows, title, scenario, metric, shown, peers):
    cells = [title, metric]
    comparable = True
    for tool in shown:
        entry = rows.get((scenario, metric, tool))
        if entry is None:
            cells.append("")
            continue
        value, item, _count = entry
        comparable = item.lower_is_better
        cells.append(format_value(value, item.unit))
    tend = rows.get((scenario, metric, "tend"))
    for peer in peers:
        other = rows.get((scenario, metric, peer))
        cells.append(ratio(tend[0], other[0], comparable) if tend and other else "")
    return "| " + " | ".join(cells) + " |"


def results_table(measurements, scenarios, tools):
    """Return the Markdown table: one row per metric, one column per tool, then ratios."""
    rows = aggregate(measurements)
    present = {tool for _scenario, _metric, tool in rows}
    shown = [tool for tool in TOOL_ORDER if tool in tools and tool in present]
    peers = [tool for tool in shown if tool not in ("tend", REFERENCE)]
    header = ["scenario", "metric", *shown, *(f"tend/{peer}" for peer in peers)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    titles = {scenario.NAME: scenario.TITLE for scenario in scenarios}
    for scenario, metric in ordered_metrics(rows, scenarios):
        title = titles.get(scenario, scenario)
        lines.append(table_row(rows, title, scenario, metric, shown, peers))
    return "\n".join(lines)


def settings_section(adapters):
    lines = []
    for adapter in adapters:
        lines.append(f"- **{adapter.name}**")
        lines.append(f"  - shortest restart delay: {adapter.settings(FAST_RESTART)}")
        lines.append(f"  - default settings: {adapter.settings(DEFAULTS) or '(nothing set)'}")
        lines.append(f"  - log throughput: {adapter.settings(DEFAULTS, no_log_rotation=True)}")
    return "\n".join(lines)


def write(
    path, *, mode, command, measurements, failures, scenarios, tools, versions, adapters, notes
):
    info = machine()
    sections = [
        f"# Tend benchmark results ({mode} mode)",
        "",
        "Produced by `benches/run.py`. Every figure is the median over the repetitions and",
        "samples that each scenario module in `benches/scenarios/` describes. A ratio is",
        "Tend's value divided by the peer's, so below 1 Tend's value is lower (faster,",
        "smaller). Throughput is the one metric where higher is better. A ratio is left",
        "out where the peer's value is near zero. Load from other processes shows in the",
        "latencies, so run on an otherwise idle machine.",
        "",
        "## Command",
        "",
        f"`make {MAKE_TARGETS[mode]}` runs this after building the tend binary it names:",
        "",
        f"```\n{command}\n```",
        "",
        "## Machine",
        "",
        f"- nproc: {info['nproc']}",
        f"- CPU: {info['cpu']}",
        f"- kernel: {info['kernel']}",
        f"- memory: {info['memory']}",
        "",
        "## Tools",
        "",
        *(f"- {name}: {version}" for name, version in versions.items()),
        "",
        "## Settings",
        "",
        "Every tool runs with its defaults except these keys, the closest equivalents",
        "of each other:",
        "",
        settings_section(adapters),
        "",
        "## Results",
        "",
        results_table(measurements, scenarios, tools),
        "",
    ]
    if notes:
        sections += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    if failures:
        sections += ["## Failures", "", *(f"- {failure}" for failure in failures), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sections))
