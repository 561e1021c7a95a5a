from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group

from interface.permissions import ReadablePermissionsMixin


class ReadableGroupAdmin(ReadablePermissionsMixin, GroupAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, ReadableGroupAdmin)
