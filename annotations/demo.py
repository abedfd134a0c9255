"""Demo accounts for development: never loaded with DEBUG off."""

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = "korea1950"
DEMO_ACCOUNTS = [
    # username, first name, last name, role
    ("teacher", "Grace", "Park", "teacher"),
    ("student1", "Min-jun", "Kim", "student"),
    ("student2", "Sofia", "Alvarez", "student"),
    ("student3", "Sam", "Okafor", "student"),
]


@transaction.atomic
def create_demo_accounts() -> list[str]:
    """Create the demo accounts that do not exist yet; return their usernames."""
    User = get_user_model()
    created = []
    for username, first_name, last_name, _role in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
    return created


def demo_logins_text() -> str:
    lines = [f"Demo logins (password {DEMO_PASSWORD}):"]
    lines += [
        f"  {username:<9} {first} {last} ({role})" for username, first, last, role in DEMO_ACCOUNTS
    ]
    return "\n".join(lines)
