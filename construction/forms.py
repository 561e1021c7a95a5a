"""Forms of the applications' admin pages and of the mobile check-in: they read input; the services decide."""

from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from common.widgets import IsoDateInput
from construction.lifecycle import AgreementKind, Answer, DamageKind, SiteAction
from hazards.choices import HazardLevel


class AnswerForm(forms.Form):
    operator = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(label=_("answer"), choices=Answer.choices)
    site_action = forms.ChoiceField(label=_("on site"), choices=SiteAction.choices)
    comment = forms.CharField(label=_("comment"), required=False, max_length=1000)


class AgreementForm(forms.Form):
    operator = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("kind"), choices=AgreementKind.choices)
    file = forms.FileField(label=_("file (PDF)"))
    signed_on = forms.DateField(label=_("signed on"), required=False, widget=IsoDateInput)


class SafetyReviewForm(forms.Form):
    operator = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("safety review"), max_length=2000)


class ApproveForm(forms.Form):
    valid_until = forms.DateField(label=_("approval valid until"), required=False, widget=IsoDateInput)
    comment = forms.CharField(label=_("comment"), required=False, max_length=2000)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000)


class NoticeForm(forms.Form):
    sent_on = forms.DateField(label=_("notice sent on"), required=False, widget=IsoDateInput)


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("work started on"), required=False, widget=IsoDateInput)


class CompleteForm(forms.Form):
    backfilled = forms.BooleanField(label=_("backfilled"), required=False)
    markers_restored = forms.BooleanField(label=_("pipeline markers restored"), required=False)
    completed_on = forms.DateField(label=_("completed on"), required=False, widget=IsoDateInput)
    comment = forms.CharField(label=_("comment"), required=False, max_length=2000)


class CloseForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, max_length=2000)


class DamageForm(forms.Form):
    kind = forms.ChoiceField(label=_("what happened"), choices=DamageKind.choices)
    level = forms.ChoiceField(label=_("level"), choices=HazardLevel.choices, initial=HazardLevel.GENERAL)
    description = forms.CharField(label=_("description"), max_length=2000)


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=())
    level = forms.ChoiceField(label=_("level"), choices=())
    description = forms.CharField(label=_("description"), required=False, max_length=2000)
    hazard = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from emergency.choices import IncidentKind, IncidentLevel

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = IncidentKind.choices
        self.fields["level"].choices = IncidentLevel.choices


class CheckInForm(forms.Form):
    """The phone's photo (from its camera) and position (from the Geolocation API, as hidden fields)."""

    photo = forms.FileField(label=_("photo of the site"))
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    accuracy = forms.FloatField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("note"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if lon is None or lat is None:
            raise forms.ValidationError(_("The position is missing: allow the phone to share its location."))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise forms.ValidationError(_("The position is not a valid longitude and latitude."))
        data["location"] = Point(lon, lat, srid=4326)
        return data
