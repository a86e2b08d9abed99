"""Support metrics: /ticket stats, the scheduled reports, `supportbot report`."""
