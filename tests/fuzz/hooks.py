"""Schemathesis hooks for the reference bureau (scripts/fuzz-bureau).

A PATCH body is `application/offset+octet-stream`: raw bytes, which schemathesis does not know how
to send by itself.
"""

import schemathesis


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(ctx, value):
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode("utf-8")}
