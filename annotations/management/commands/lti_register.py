"""Register a learning platform (an LMS) for LTI 1.3 launches, from what its
administrator sees after adding Korea Reader as a tool; then print what the LMS needs
from us. Running it again with the same issuer and client id updates that registration.
docs/LTI.md says where each LMS shows these values."""

from django.core.management.base import BaseCommand, CommandError

from annotations.lti.forms import PlatformForm
from annotations.lti.registrations import default_origin, register_platform, tool_urls

FLAGS = {
    "issuer": "the platform's issuer (iss)",
    "client_id": "the client id the platform gave Korea Reader",
    "deployment_id": "the deployment id the platform gave this installation",
    "auth_login_url": "the platform's OIDC authentication (login) URL",
    "auth_token_url": "the platform's OAuth 2 access token URL",
    "keyset_url": "the platform's public keys (JWKS) URL",
}


class Command(BaseCommand):
    help = "Create or update an LTI 1.3 platform registration and its active deployment."

    def add_arguments(self, parser):
        for field, words in FLAGS.items():
            parser.add_argument(f"--{field.replace('_', '-')}", required=True, help=words)
        parser.add_argument("--name", default="", help="what staff call it (default: issuer)")
        parser.add_argument(
            "--audience", default="", help="the token audience, if not the access token URL"
        )
        parser.add_argument(
            "--tool-origin",
            default="",
            help="where Korea Reader answers, e.g. https://reader.example.org, for the URLs "
            "printed (default: CSRF_TRUSTED_ORIGINS or ALLOWED_HOSTS)",
        )

    def handle(self, *args, tool_origin="", **options):
        form = PlatformForm({field: options[field] for field in PlatformForm.base_fields})
        if not form.is_valid():
            problems = [
                f"--{field.replace('_', '-')}: {message}" if field != "__all__" else message
                for field, messages in form.errors.items()
                for message in messages
            ]
            raise CommandError("\n".join([*problems, "Nothing was changed."]))
        registration, created = register_platform(**form.cleaned_data)
        deployment = form.cleaned_data["deployment_id"]
        verb = "Registered" if created else "Updated"
        self.stdout.write(
            f"{verb} “{registration.name}” (issuer {registration.issuer}, client id "
            f"{registration.client_id}), deployment {deployment} active."
        )
        urls = tool_urls(tool_origin or default_origin())
        self.stdout.write(
            "\nIn the platform, give Korea Reader these:\n"
            f"  Login URL (OIDC initiation):  {urls.login}\n"
            f"  Launch / redirect URL:        {urls.launch}\n"
            f"  Target link URI (tool URL):   {urls.tool}\n"
            f"  Public keyset (JWKS) URL:     {urls.jwks}\n"
            f"  Domain:                       {urls.domain}\n"
            "docs/LTI.md says where each LMS asks for them."
        )
