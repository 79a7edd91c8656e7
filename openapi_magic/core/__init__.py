"""The core: the vendor's rules as pure code, no I/O, no clock reads, no IPython.

Its public modules are the face: :mod:`.protocol` (seal and open envelopes, in
both roles: what other implementations must agree with byte for byte),
:mod:`.catalog` (every interface, field and status code, with how sure we are),
:mod:`.settings` (the one table of settings every front-end is made from) and
:mod:`.capture_format` (the capture file, read by captures, diffs and replays).
``_des``, ``_fast``, ``_lazy`` and ``_curl`` are how they do it.
"""

__all__: list[str] = []
