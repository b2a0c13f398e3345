"""URL identity: one key per article, whatever tracking parameters or fragments a link carries."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that say where a reader came from, or which session they are in: not which page.
# (A bare "sid" is left alone: some sites number their stories with it.)
_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|fromsource|share_token|share_from|shareid|wxshare_count|"
    r"fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|_ga|igshid|ref|ref_src|cmpid|ocid|s_cid|"
    r"sessionid|session_id|jsessionid|phpsessid|aspsessionid\w*|cfid|cftoken)$",
    re.I,
)
# A session id in the path: /a.html;jsessionid=0A1B...
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid)=[^/?#]*", re.I)


def clean_url(url: str) -> str:
    """The URL without its fragment, tracking and session parameters (the rest as it was):
    what to request, so that one page is one URL however it was linked."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _TRACKING.match(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    path = _PATH_SESSION.sub("", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def url_key(url: str) -> str:
    """The canonical form of an article URL: ``clean_url``, then the query sorted and the
    percent-encoding and host case normalized."""
    return canonicalize_url(clean_url(url))
