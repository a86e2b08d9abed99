"""Tickets where customers already are: a reaction on a message, customer channels."""
