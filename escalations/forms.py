from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from escalations.models import Escalation
from escalations.services import escalation_issue


class EscalationIssueForm(forms.ModelForm):
    """The admin's add form. Escalations are issued only by the service, so a
    valid form *is* an issued escalation: ``clean()`` calls ``escalation_issue``
    and turns a refusal into a form error. The admin's add view runs in one
    transaction, so nothing is kept if anything later fails.
    """

    actor = None  # the admin sets the requesting user on the form class

    class Meta:
        model = Escalation
        fields = ["hazard", "kind", "reply_by", "place", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            self.fields["text"].required = False
            self.fields["text"].help_text = _("Leave empty for the standard wording, generated from the hazard.")

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is not None:  # invalid, or not an add form
            return cleaned
        try:
            self.instance = escalation_issue(
                hazard=cleaned["hazard"],
                kind=cleaned["kind"],
                actor=self.actor,
                text=cleaned.get("text") or "",
                reply_by=cleaned.get("reply_by"),
                place=cleaned.get("place") or "",
            )
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from exc
        # What the service filled in, so the model validation that follows sees the stored row.
        cleaned.update(text=self.instance.text, reply_by=self.instance.reply_by, place=self.instance.place)
        return cleaned
