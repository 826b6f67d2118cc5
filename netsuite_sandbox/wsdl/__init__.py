"""The simulator's own SuiteTalk 2023_2 WSDL and schemas, served where NetSuite serves its own.

The files under files/ were written for the simulator: they describe only what it
implements (add/addList/upsert/upsertList of JournalEntry, the tokenPassport header, status,
writeResponse and writeResponseList, its faults), in NetSuite's namespaces, so a SOAP client such
as zeep builds from them the envelopes it would send to NetSuite.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["DOCUMENTS", "ENDPOINT_PATH", "WSDL_FILE", "WSDL_PATH", "document"]

VERSION = "2023_2"
# Reference: API-FACTS 7 (<account host>/wsdl/v2023_2_0/netsuite.wsdl) and 2.3 (the endpoint).
WSDL_PATH = "/wsdl/v2023_2_0/netsuite.wsdl"
ENDPOINT_PATH = f"/services/NetSuitePort_{VERSION}"
# files/ mirrors the URL layout (the WSDL imports the schemas under /xsd/<area>/v2023_2_0/ by
# relative locations), so a client resolves them against whatever host served the WSDL, and
# tests can load WSDL_FILE from disk as well.
_FILES = Path(__file__).resolve().parent / "files"
WSDL_FILE = _FILES / WSDL_PATH.lstrip("/")
DOCUMENTS = (
    WSDL_PATH,
    "/xsd/platform/v2023_2_0/core.xsd",
    "/xsd/platform/v2023_2_0/messages.xsd",
    "/xsd/platform/v2023_2_0/faults.xsd",
    "/xsd/transactions/v2023_2_0/general.xsd",
)


@cache
def _text(path: str) -> str:
    return (_FILES / path.lstrip("/")).read_text(encoding="utf-8")


def document(path: str, base_url: str) -> bytes | None:
    """The WSDL or schema served at `path` (None if there is none); the WSDL names `base_url`."""
    if path not in DOCUMENTS:
        return None
    text = _text(path)
    if path == WSDL_PATH:
        endpoint = base_url.rstrip("/") + ENDPOINT_PATH
        text = text.replace("{{ENDPOINT}}", escape(endpoint, {'"': "&quot;"}))
    return text.encode("utf-8")
