"""The characters a text may not hold: one rule for what forms and imports take in and for what a
journal entry sends to NetSuite.

NetSuite's SOAP API speaks XML 1.0, which cannot carry a NUL, the other C0 control characters
(tab, line feed and carriage return are text), U+FFFE, U+FFFF or half of a surrogate pair: lxml
refuses to write such an envelope and NetSuite's parser refuses the whole request. The texts an
entry carries come from a lease's code and name and a subsidiary's name (the rest of its memos are
our own words; accounts and segments travel as NetSuite references). Every form and import
refuses such a character with `input_refusal` (through `occupier.cleaning`), and an entry frozen
before this rule existed is refused at sync with the same description of the character
(`integrations.netsuite.payload.validate_entry`), for REST as for SOAP.
"""

from __future__ import annotations

import re

__all__ = ["INPUT_REFUSED", "NOT_XML", "character_name", "input_refusal"]

# XML 1.0's Char production, inverted (https://www.w3.org/TR/xml/#charsets): what no XML
# document can carry, escaped or not.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Input refuses DEL as well: XML could carry it, but nobody types it into a lease on purpose.
INPUT_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def character_name(char: str) -> str:
    """The character in words a finance user can act on ("an invisible control character …")."""
    code = ord(char)
    if code == 0:
        return "a NUL byte"
    if code < 0x20 or code == 0x7F:
        return f"an invisible control character (code {code})"
    if 0xD800 <= code <= 0xDFFF:
        return f"half of an encoded character pair (U+{code:04X})"
    return f"an invisible non-character (U+{code:04X})"


def input_refusal(value: str) -> str | None:
    """Why a typed or imported text cannot be taken, completing "This value …", or None."""
    found = INPUT_REFUSED.search(value)
    if found is None:
        return None
    return f"contains {character_name(found.group())}; retype the value or remove the character."
