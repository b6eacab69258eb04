"""Rubrics and grade scales are data the city office configures here (issue 5 §5–6); the
evaluations themselves change only through the workflow pages."""

from django.contrib import admin

from evaluations.models import Criterion, GradeLevel, GradeScale, Rubric


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "is_active", "disagreement_spread")
    inlines = [CriterionInline]


class GradeLevelInline(admin.TabularInline):
    model = GradeLevel
    extra = 0


@admin.register(GradeScale)
class GradeScaleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")
    inlines = [GradeLevelInline]
