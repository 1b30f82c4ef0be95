"""Evaluates alert rules. A library module with no entry point."""


def firing(rules, values):
    """Returns the names of rules whose threshold the value exceeds."""
    return [name for name, threshold in rules.items() if values.get(name, 0) > threshold]
