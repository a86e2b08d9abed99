"""Paging on-call: pages, their delivery to PagerDuty, Slack mirrors, re-paging, who is on call."""
