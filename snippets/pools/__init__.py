"""Programs of the guide "Pools and executors: queues in disguise"."""
