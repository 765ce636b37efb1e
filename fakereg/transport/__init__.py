"""The transport: sockets, TLS and HTTP framing, moving bytes between clients and the WSGI app.

A poller thread (:mod:`.poller`) owns every connection and its protocol engine: h11 for
HTTP/1.1 (:mod:`.http1`), h2 for HTTP/2 (:mod:`.http2`), TLS on memory buffers
(:mod:`.tls`). It reads each request whole before a worker (:mod:`.server`) runs the app
on it (:mod:`.wsgi`); the worker's answer comes back to the poller as events
(:mod:`.events`). Nothing here knows what a registry is.
"""
