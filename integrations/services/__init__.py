"""Writes and workflows of the integrations app: the connection, reference look-ups, the sync."""
