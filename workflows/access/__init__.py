"""Access control: who holds which role, and the authority matrix."""
