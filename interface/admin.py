from auditlog.admin import LogEntryAdmin  # registers django-auditlog's admin first
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hazards.field_changes import changed_labels, readable_entries
from interface.permissions import ReadablePermissionsMixin


class ReadableGroupAdmin(ReadablePermissionsMixin, GroupAdmin):
    pass


class SafeResourceTypeFilter(ResourceTypeFilter):
    """auditlog's content-type filter, where a value that is not a number lists nothing (it was a server error)."""

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(content_type_id=int(value))


class ReadableLogEntryAdmin(LogEntryAdmin):
    """The field change log with the fields' Chinese names and readable values."""

    list_filter = ["action", SafeResourceTypeFilter, CIDFilter]

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        return "、".join(changed_labels(obj)) or "—"

    @admin.display(description=_("Changes"))
    def msg(self, obj):
        entries = readable_entries([obj])
        if not entries or not entries[0].changes:
            return "—"
        return format_html_join(
            "", "<div><strong>{}</strong>: {} → {}</div>", ((c.label, c.old, c.new) for c in entries[0].changes)
        )

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return obj.cid or "—"


admin.site.unregister(Group)
admin.site.register(Group, ReadableGroupAdmin)
admin.site.unregister(LogEntry)
admin.site.register(LogEntry, ReadableLogEntryAdmin)
