from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from standards.models import NormClause, WorkNorm


class NormClauseInline(admin.TabularInline):
    model = NormClause
    fields = ("number", "text", "check_method")
    extra = 0


@admin.register(WorkNorm)
class WorkNormAdmin(admin.ModelAdmin):
    ordering = ("number",)
    list_display = ("number", "code", "title", "clause_count")
    list_display_links = ("number", "code", "title")
    search_fields = ("code", "title", "scope")
    inlines = [NormClauseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(clause_total=Count("clauses"))

    @admin.display(description=_("clauses"), ordering="clause_total")
    def clause_count(self, obj):
        return obj.clause_total


@admin.register(NormClause)
class NormClauseAdmin(admin.ModelAdmin):
    list_display = ("reference", "norm_title", "text")
    list_filter = ("norm",)
    list_select_related = ("norm",)
    search_fields = ("text", "check_method", "norm__title", "norm__code")
    ordering = ("norm__number", "number")

    @admin.display(description=_("clause"), ordering="norm__number")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("work norm"), ordering="norm__number")
    def norm_title(self, obj):
        return obj.norm.title

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets render str(clause), which needs the norm.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("norm"), may_have_duplicates
