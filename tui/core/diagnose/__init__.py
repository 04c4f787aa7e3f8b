"""Failures in plain words: the connection check-up, the diagnosis of an error with the
academy's hints, and servers' replies in the user's language."""
