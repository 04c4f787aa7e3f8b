"""The local stores: the cache (rebuildable from the server) and the user's own store
in the data directory (outbox, drafts, pending operations), and the actions on them."""
