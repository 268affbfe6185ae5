"""Programs of the guide "Producers, consumers, and how to stop them"."""
