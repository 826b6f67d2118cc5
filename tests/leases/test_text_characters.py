"""Characters no XML can carry (so neither can a SOAP journal entry) are refused where a text
comes in: the lease form, the lease CSV, the change form and the change CSV, each naming the
field (and the line and column)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from leases.models import Lease, LeaseChange
from occupier.cleaning import text_problem
from occupier.text_rules import NOT_XML, character_name, input_refusal
from tests.leases.factories import make_lease
from tests.leases.forms_data import lease_post

LEASE_CSV_HEADER = "code,name,subsidiary,commencement_date,term_months,discount_rate,payment_amount"
CHANGE_CSV_HEADER = "lease_code,kind,effective_date,new_payment,discount_rate,reason"


def _upload(text: str, name: str = "leases.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def _lxml_refuses(char: str) -> bool:
    element = etree.Element("memo")
    try:
        element.text = f"a{char}b"
        etree.tostring(element, encoding="utf-8")
    except ValueError:  # lxml's ValueError, or UnicodeEncodeError for half a surrogate pair
        return True
    return False


@pytest.mark.parametrize(
    "code",
    [
        *range(0x00, 0x21),
        0x7F,
        0x85,
        0x9F,
        0xD7FF,
        0xD800,
        0xDBFF,
        0xDC00,
        0xDFFF,
        0xE000,
        0xFDD0,
        0xFFFD,
        0xFFFE,
        0xFFFF,
        0x10000,
        0x1F600,
        0x10FFFF,
    ],
)
def test_the_shared_rule_refuses_exactly_what_an_xml_writer_refuses(code):
    char = chr(code)
    assert bool(NOT_XML.search(f"a{char}b")) == _lxml_refuses(char)
    # Input refuses all of it too (and DEL besides), in the forms' and imports' words.
    if NOT_XML.search(char) or code == 0x7F:
        assert input_refusal(f"a{char}b") == (
            f"contains {character_name(char)}; retype the value or remove the character."
        )
        assert text_problem(f"a{char}b") == input_refusal(f"a{char}b")
    else:
        assert input_refusal(f"a{char}b") is None


def test_each_kind_of_character_is_named_in_words():
    assert character_name("\x00") == "a NUL byte"
    assert character_name("\x01") == "an invisible control character (code 1)"
    assert character_name("\ufffe") == "an invisible non-character (U+FFFE)"
    assert character_name("\ud800") == "half of an encoded character pair (U+D800)"


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_the_lease_form_refuses_a_non_character_on_its_field(amy, subsidiary, char):
    data = lease_post(subsidiary, name=f"New{char}York")
    response = amy.post(reverse("lease_create"), data)
    assert response.status_code == 200
    name = character_name(char)
    assert (
        f"This value contains {name}; retype the value or remove the character."
        in (response.context["form"].errors["name"])
    )
    assert not Lease.objects.exists()


def test_the_lease_csv_names_the_line_and_column_of_a_non_character(amy, subsidiary):
    rows = [
        LEASE_CSV_HEADER,
        "W-1,Warehouse,Acme US,2026-01-01,12,6,1000",
        "W-2,Dep\uffffot,Acme US,2026-01-01,12,6,1000",
    ]
    response = amy.post(reverse("lease_import"), {"file": _upload("\n".join(rows))})
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Line 3, column name: the value contains an invisible non-character (U+FFFF); "
        "retype the value or remove the character." in page
    )
    assert not Lease.objects.exists()


def test_the_change_form_refuses_a_non_character_in_the_reason(amy, subsidiary, personas):
    lease = make_lease(personas.company, code="HQ-1")
    data = {
        "kind": "consideration",
        "effective": "2026-07-10",
        "new_rent": "1200.00",
        "annual_rate": "6",
        "reason": "Rent review\ufffe",
        "action": "save",
    }
    response = amy.post(reverse("lease_change", args=[lease.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "This value contains an invisible non-character (U+FFFE); "
        "retype the value or remove the character."
    ]
    assert not LeaseChange.objects.exists()


def test_the_change_csv_names_the_line_and_column_of_a_non_character(amy, subsidiary, personas):
    make_lease(personas.company, code="HQ-1")
    text = f"{CHANGE_CSV_HEADER}\nHQ-1,index,2027-01-01,1045.00,,CPI \ufffe review\n"
    response = amy.post(
        reverse("lease_changes_import"), {"file": _upload(text, "c.csv"), "action": "save"}
    )
    assert response.status_code == 200
    assert (
        "Line 2, column reason: the value contains an invisible non-character (U+FFFE); "
        "retype the value or remove the character." in response.content.decode()
    )
    assert not LeaseChange.objects.exists()
