"""The simulator's own SuiteTalk 2023_2 WSDL and schemas, served where NetSuite serves its own.

The files beside this module were written for the simulator: they describe only what it
implements (add/addList/upsert/upsertList of JournalEntry, the tokenPassport header, status,
writeResponse and writeResponseList, its faults), in NetSuite's namespaces, so a SOAP client such
as zeep builds from them the envelopes it would send to NetSuite.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["DOCUMENTS", "ENDPOINT_PATH", "WSDL_PATH", "document"]

VERSION = "2023_2"
# Reference: API-FACTS 7 (<account host>/wsdl/v2023_2_0/netsuite.wsdl) and 2.3 (the endpoint).
WSDL_PATH = "/wsdl/v2023_2_0/netsuite.wsdl"
ENDPOINT_PATH = f"/services/NetSuitePort_{VERSION}"
_HERE = Path(__file__).resolve().parent
# URL path -> file. The schemas sit under /xsd/<area>/v2023_2_0/ and the WSDL imports them with
# relative locations, so a client resolves them against whatever host served the WSDL.
DOCUMENTS = {
    WSDL_PATH: "netsuite.wsdl",
    "/xsd/platform/v2023_2_0/core.xsd": "core.xsd",
    "/xsd/platform/v2023_2_0/messages.xsd": "messages.xsd",
    "/xsd/platform/v2023_2_0/faults.xsd": "faults.xsd",
    "/xsd/transactions/v2023_2_0/general.xsd": "general.xsd",
}


@cache
def _text(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def document(path: str, base_url: str) -> bytes | None:
    """The WSDL or schema served at `path` (None if there is none); the WSDL names `base_url`."""
    name = DOCUMENTS.get(path)
    if name is None:
        return None
    text = _text(name)
    if name == "netsuite.wsdl":
        endpoint = base_url.rstrip("/") + ENDPOINT_PATH
        text = text.replace("{{ENDPOINT}}", escape(endpoint, {'"': "&quot;"}))
    return text.encode("utf-8")
