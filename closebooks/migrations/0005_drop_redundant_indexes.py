"""Drop three indexes that duplicate the leading column of another one (docs/closebooks.md,
"Benchmark"): journalentry(company_id) is the start of journalentry_unique_key,
journalentry(period_id) of the (period_id, close_version) index, and journalline(entry_id) of
journalline_unique_no. Every close writes 10,000 entries and their lines into each of them.

Only the indexes are dropped: the foreign keys stay as they are (Django's AlterField would drop
and add them again, checking every stored row a second time under a lock)."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index name given by 0001_initial)
INDEXES = [
    ("closebooks_journalentry", "company_id", "closebooks_journalentry_company_id_f36f15af"),
    ("closebooks_journalentry", "period_id", "closebooks_journalentry_period_id_b0e217b2"),
    ("closebooks_journalline", "entry_id", "closebooks_journalline_entry_id_16846eec"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("closebooks", "0004_close_run_heartbeat"),
        ("companies", "0006_company_day_count"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="journalentry",
                    name="company",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="journal_entries",
                        to="companies.company",
                    ),
                ),
                migrations.AlterField(
                    model_name="journalentry",
                    name="period",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="journal_entries",
                        to="closebooks.accountingperiod",
                    ),
                ),
                migrations.AlterField(
                    model_name="journalline",
                    name="entry",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="closebooks.journalentry",
                    ),
                ),
            ],
        )
    ]
