"""Gzip for the few large responses worth it, without opening a BREACH oracle.

BREACH recovers a secret from a compressed HTTPS response when the attacker
can also put text of their choosing into the same response and watch its
length. So this is not a site-wide middleware: a view compresses a response
only when it reflects nothing a visitor typed. What remains secret in such a
response is defended as follows (docs/security.md, "Compression and BREACH"):

- the CSRF token: Django masks it afresh in every response, so no two
  responses carry the same bytes for it;
- Django's gzip (4.2+) adds up to 100 random bytes to the gzip header
  ("Heal the BREACH"), so lengths are noisy even across identical bodies;
- the pages that reflect a search never come here compressed (the view
  sends them plain), and the search itself is sent by POST into the session,
  so a third-party page cannot choose it.
"""

from django.middleware.gzip import GZipMiddleware
from django.utils.http import parse_etags

_gzip = GZipMiddleware(lambda request: None)


def gzip_response(request, response):
    """Compress when the client accepts gzip and it saves bytes; sets Vary: Accept-Encoding either way."""
    return _gzip.process_response(request, response)


def etag_matches(request, etag: str) -> bool:
    """Does If-None-Match name this entity tag? Compared weakly: gzip makes a strong tag weak (W/)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))
