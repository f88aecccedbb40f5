"""servtrade: plan, monitor and evaluate the development of trade in services."""

__version__ = "0.12.0"
