"""Programs of the guide "Manager queues: a queue in a server process"."""
