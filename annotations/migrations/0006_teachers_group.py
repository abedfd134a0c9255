"""The Teachers group, and in it everyone who teaches a class already.

Until this migration any account that started a class counted as a teacher everywhere
(the glossary, corrections of the text); from now on an administrator grants it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "add_classroom",
    "add_glossaryentry",
    "change_glossaryentry",
    "delete_glossaryentry",
    "change_document",
]


def forwards(apps, schema_editor):
    # Permissions are made after all migrations; this one needs them now.
    config = apps.get_app_config("annotations")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Membership = apps.get_model("annotations", "Membership")
    User = apps.get_model("auth", "User")
    group, _ = Group.objects.get_or_create(name="Teachers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="annotations", codename__in=PERMISSIONS)
    )
    teaching = Membership.objects.filter(role="teacher").values("user")
    for user in User.objects.filter(pk__in=teaching):
        user.groups.add(group)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Teachers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0005_document_revisions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
