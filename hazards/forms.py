"""Forms behind the workflow buttons of the hazard admin.

Each carries the hazard version the user saw, so a change made meanwhile by
someone else is detected by the service and reported instead of overwritten.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.widgets import IsoDateInput
from hazards.uploads import evidence_file_validator, photo_file_validator


class WorkflowForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(WorkflowForm):
    deadline = forms.DateField(
        label=_("Rectification deadline"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Leave empty to use the deadline table (by level and category)."),
    )


class StartForm(WorkflowForm):
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 4}))
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    responsible_phone = forms.CharField(label=_("Responsible person's phone"), max_length=20, required=False)
    planned_completion_on = forms.DateField(label=_("Planned completion"), required=False, widget=IsoDateInput())


class ReasonForm(WorkflowForm):
    comment = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(ReasonForm):
    deadline = forms.DateField(
        label=_("New deadline"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Leave empty to use the deadline table from today."),
    )


def _approvers():
    User = get_user_model()
    perm = Q(groups__permissions__codename="approve_deadline_extension") | Q(is_superuser=True)
    return User.objects.filter(perm, is_active=True).distinct().order_by("username")


class ExtendForm(ReasonForm):
    new_deadline = forms.DateField(label=_("New deadline"), widget=IsoDateInput())
    approver = forms.ModelChoiceField(label=_("Approved by"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = _approvers()


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        validators=[evidence_file_validator],
        help_text=_("A photo (JPEG, PNG) or a PDF; checked by its content."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class PhotoUploadForm(forms.Form):
    image = forms.FileField(label=_("Photo"), validators=[photo_file_validator])
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ProgressForm(WorkflowForm):
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 4}))
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    responsible_phone = forms.CharField(label=_("Responsible person's phone"), max_length=20, required=False)
    progress_percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    planned_completion_on = forms.DateField(label=_("Planned completion"), required=False, widget=IsoDateInput())
    comment = forms.CharField(label=_("Progress note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
