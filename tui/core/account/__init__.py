"""One account's service: the worker thread, its sync engine, the folder operations, and
the typed contract (Commands in, Events out) the UI talks to it through."""
