"""The benchmark scenarios, in the order they run and are reported.

Each module has NAME, TITLE, `tools(context)` (the tools it applies to) and
`run(context, tool)`, which returns a list of Measurement for one repetition.
"""

from . import api, crashloop, detection, idle, logs, restart, startup, stop

SCENARIOS = [restart, detection, idle, startup, logs, stop, crashloop, api]
BY_NAME = {scenario.NAME: scenario for scenario in SCENARIOS}
