"""Access control: who holds which role, the authority matrix, who sees a private ticket, and the per-person limits."""
