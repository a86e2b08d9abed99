"""What an incident posts and asks (pure Block Kit builders)."""
