"""Text as XML 1.0 may carry it: escaped, and with the characters XML cannot hold at all
(most control characters, lone surrogates) replaced, so that a message quoting hostile input
still parses."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))
