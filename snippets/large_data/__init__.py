"""Programs of the guide "Large data: shared memory, and names in a queue"."""
