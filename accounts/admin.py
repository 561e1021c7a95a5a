from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from interface.permissions import ReadablePermissionsMixin


@admin.register(User)
class UserAdmin(ReadablePermissionsMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("company", "phone")}),
    )
    list_display = ("username", "__str__", "company", "is_staff", "is_active")
    list_filter = (*DjangoUserAdmin.list_filter, "company")
    list_select_related = ("company",)
    autocomplete_fields = ("company",)
