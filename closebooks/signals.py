"""What closebooks tells later apps, so it imports none of them.

`period_closed(period)` is sent inside the close's transaction once the period is frozen; a
receiver that starts work elsewhere does so with `transaction.on_commit`, so a close that rolls
back starts nothing."""

from django.dispatch import Signal

period_closed = Signal()
