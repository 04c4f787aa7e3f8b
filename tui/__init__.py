"""courriel — a terminal mail client for the staff of the académie de Dijon."""

__version__ = "0.1.0"
