from django.db import migrations, models


def drop_kept_figures(apps, schema_editor):
    """Figures kept before the rate was: measured again by the next report or task (each
    period's from its schedules, as when it was first closed)."""
    apps.get_model("reports", "LeaseMonthFacts").objects.all().delete()
    apps.get_model("reports", "PeriodFacts").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_finding_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="leasemonthfacts",
            name="rate_percent",
            field=models.DecimalField(decimal_places=10, max_digits=12, null=True),
        ),
        migrations.RunPython(drop_kept_figures, migrations.RunPython.noop),
    ]
