"""Tickets: opening, the thread, claim, resolve, reopen, waiting, priority, look-ups."""
