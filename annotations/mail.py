"""Password resets by mail that say when the mail did not go.

Django's PasswordResetForm logs a failed send and carries on, so its page says the mail
went out when it did not. Here the failure reaches the view, which tells the person.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader


class MailNotSent(Exception):
    message = (
        "The mail could not be sent just now, so nothing is on its way. Try again later, "
        "or ask your teacher to reset your password."
    )


class ResetByMailForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        try:
            message.send()
        except Exception as error:  # SMTP, socket and TLS errors alike
            raise MailNotSent from error
