"""Programs of the guide "Pipes, SimpleQueue, and waiting on many things"."""
