from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0016_lti_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignmentlink",
            name="line_item_url",
            field=models.URLField(blank=True, max_length=1000),
        ),
    ]
