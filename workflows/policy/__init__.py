"""The policy: app.yaml's schema and loading, durations, calendars and working time (pure)."""
