"""Adapters that run Tend and its peers the same way for every scenario."""

from .base import DEFAULTS, FAST_RESTART, Component, Supervisor
from .horust import Horust
from .pm2 import Pm2
from .supervisord import Supervisord
from .tend import Tend

ADAPTERS = {adapter.name: adapter for adapter in (Tend, Supervisord, Pm2, Horust)}
PEER_NAMES = [name for name in ADAPTERS if name != "tend"]

__all__ = ["ADAPTERS", "DEFAULTS", "FAST_RESTART", "PEER_NAMES", "Component", "Supervisor"]
