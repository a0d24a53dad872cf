"""Temporal workflows and activities: every lifecycle that waits on a person or the calendar."""
