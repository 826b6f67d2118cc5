"""Signals other apps listen to, so integrations never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that marks a sync run Completed, with `run`; receivers that queue
# work should do it on commit.
sync_completed = Signal()
