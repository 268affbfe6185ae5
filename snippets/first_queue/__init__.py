"""Programs of the guide "Your first process queue"."""
