"""Reference mappings: our name → NetSuite's name, audited."""

from django.db import transaction

from audit.services import audit_record
from integrations.models import ReferenceMapping


@transaction.atomic
def reference_mapping_save(
    *,
    company,
    actor,
    kind: str,
    our_value: str,
    netsuite_value: str,
    netsuite_internal_id: str = "",
) -> ReferenceMapping:
    """Create or replace the mapping of one of our values (an internal ID when picked)."""
    existing = (
        ReferenceMapping.objects.select_for_update()
        .filter(company=company, kind=kind, our_value=our_value)
        .first()
    )
    before = (
        {
            "netsuite_value": existing.netsuite_value,
            "netsuite_internal_id": existing.netsuite_internal_id,
        }
        if existing
        else {}
    )
    mapping, _ = ReferenceMapping.objects.update_or_create(
        company=company,
        kind=kind,
        our_value=our_value,
        defaults={"netsuite_value": netsuite_value, "netsuite_internal_id": netsuite_internal_id},
    )
    audit_record(
        company=company,
        actor=actor,
        action="integration.mapping",
        subject=mapping,
        before=before,
        after={"netsuite_value": netsuite_value, "netsuite_internal_id": netsuite_internal_id},
    )
    return mapping


@transaction.atomic
def reference_mapping_delete(*, mapping: ReferenceMapping, actor) -> None:
    """Remove a mapping; our own value is sent as it is again."""
    audit_record(
        company=mapping.company,
        actor=actor,
        action="integration.mapping_delete",
        subject=mapping,
        before={"netsuite_value": mapping.netsuite_value},
    )
    mapping.delete()
