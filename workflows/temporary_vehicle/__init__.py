"""A temporary vehicle's end: one durable timer per vehicle (`temporary-vehicle-<id>`)."""
