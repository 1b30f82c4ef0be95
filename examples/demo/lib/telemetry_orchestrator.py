"""Schedules telemetry collectors. A library module with no entry point."""


class Orchestrator:
    """Keeps a list of collectors and runs them in turn."""

    def __init__(self):
        self.collectors = []

    def register(self, collector):
        self.collectors.append(collector)

    def run_once(self):
        return [collector() for collector in self.collectors]
