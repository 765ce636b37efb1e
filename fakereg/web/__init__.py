"""The web layer: the server, routing, and the handlers, which alone speak HTTP."""
