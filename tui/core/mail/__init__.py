"""Messages as data: parsing, sanitising and formatting what arrives, building what leaves,
and the user's ways of sorting it (threads, patterns, rules). No network, no store."""
