"""Messages owed to Slack, stored with the change that owes them, and their relay."""
