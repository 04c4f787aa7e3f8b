"""Protocol and data layer. Never imports textual or rich (tests/test_layers.py enforces it)."""
