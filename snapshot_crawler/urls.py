"""URL identity: one key per article, whatever tracking parameters or fragments a link carries."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|fromsource|share_token|share_from|shareid|wxshare_count|"
    r"fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|_ga|igshid|ref|ref_src|cmpid|ocid|s_cid)$",
    re.I,
)


def url_key(url: str) -> str:
    """The canonical form of an article URL: fragment and tracking parameters dropped, query
    sorted, percent-encoding and host case normalized."""
    parts = urlsplit(url)
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return canonicalize_url(urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")))
