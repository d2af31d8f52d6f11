"""Live chat: conversations over websockets, the waiting queue, routing to agents, transcripts."""
