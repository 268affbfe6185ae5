"""Programs of the guide "A process queue in an asyncio program"."""
