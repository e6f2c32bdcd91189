"""SearchToken is gone: search reads SearchDoc (0008, filled by 0009). Reversible: going back
creates the table again from the model state (on SQLite an ordinary table, not WITHOUT ROWID as 0007
made it: still correct), and 0009's reverse fills it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_searchdoc_fill"),
    ]

    operations = [
        migrations.DeleteModel(name="SearchToken"),
    ]
