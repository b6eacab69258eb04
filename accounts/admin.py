from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError

from accounts import services
from accounts.duties import Duty, admin_may, duty_of
from accounts.forms import UserAdminChangeForm
from accounts.models import (
    ApiToken,
    Membership,
    MembershipRequest,
    Organization,
    PhoneCode,
    PrivacyConsent,
    Region,
    User,
)
from lib import fieldcrypt
from lib.errors import ApplicationError
from lib.identifiers import validate_mobile

ADMIN_REASON = "系统管理后台"


class MembershipInline(admin.TabularInline):
    """Roles on a person's page: granted by the security administrator only; the system
    administrator sees them (accounts/duties.py)."""

    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]

    def has_view_permission(self, request, obj=None):
        may = admin_may(request.user, "accounts.membership", "view") or duty_of(request.user) == Duty.SYSTEM
        return may and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return admin_may(request.user, "accounts.membership", "add") and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return admin_may(request.user, "accounts.membership", "change") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return admin_may(request.user, "accounts.membership", "delete") and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    list_display = ["username", "full_name", "region", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "memberships__role"]
    # The phone is encrypted (issue 13 §12): it is found by its keyed hash, exactly (get_search_results).
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]
    # State changes go through workflow.transition() (the actions below), never a checkbox.
    readonly_fields = ["is_active", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["full_name", "email", "phone", "region"]}),
        ("权限", {"fields": ["is_active", "is_staff", "admin_duty", "is_superuser"]}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    actions = ["disable_accounts", "enable_accounts"]

    def get_readonly_fields(self, request, obj=None):
        """Superuser status is never edited here (the command line makes it, for installation and
        break-glass use). Who is staff and with which duty is the security administrator's to
        set, never for themselves; a person's details are the system administrator's."""
        fields = [*super().get_readonly_fields(request, obj), "is_superuser"]
        duty = duty_of(request.user)
        grants = duty == Duty.SECURITY or admin_may(request.user, "accounts.membership", "add")
        if not grants or (obj is not None and obj.pk == request.user.pk):
            fields += ["is_staff", "admin_duty"]
        if duty == Duty.SECURITY:
            fields += ["username", "full_name", "email", "phone", "region"]
        return fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            digest = fieldcrypt.phone_hash(validate_mobile(search_term))
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(phone_hash=digest), may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        if user is not None:
            # Administrators' views of personal data are logged like everyone else's.
            services.personal_data_viewed(viewer=request.user, person=user, fields="系统管理后台：账号资料")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Roles granted, changed and revoked here go through the services, so each is audited
        # (issue 13 §6): who, whose role, which role, which unit.
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_revoke(membership=membership, actor=request.user, reason=ADMIN_REASON)
        for membership, _fields in formset.changed_objects:
            services.membership_change(
                membership=membership,
                user=membership.user,
                organization=membership.organization,
                role=membership.role,
                actor=request.user,
                reason=ADMIN_REASON,
            )
        for membership in formset.new_objects:
            services.membership_grant(
                user=form.instance,
                organization=membership.organization,
                role=membership.role,
                actor=request.user,
                reason=ADMIN_REASON,
            )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        # Django redirects to the user's page once the new password is saved.
        if request.method == "POST" and response.status_code == 302:
            person = self.get_object(request, id)
            services.password_changed(user=person, actor=request.user, reason="系统管理员在后台设置了新密码")
        return response

    @admin.action(description="停用所选账号（并结束其登录会话）")
    def disable_accounts(self, request, queryset):
        self._apply(request, queryset, services.user_disable)

    @admin.action(description="启用所选账号")
    def enable_accounts(self, request, queryset):
        self._apply(request, queryset, services.user_enable)

    def _apply(self, request, queryset, service):
        for user in queryset:
            try:
                service(user=user, actor=request.user, reason="系统管理员在后台操作")
            except ApplicationError as exc:
                self.message_user(request, f"{user}：{exc.message}", messages.ERROR)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["prefix"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "region", "status"]
    list_filter = ["kind", "department", "status"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "host", "filed_with"]
    readonly_fields = ["status"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]

    # Every grant, change and revocation goes through the services and is audited (issue 13 §6).
    def save_model(self, request, obj, form, change):
        if change:
            saved = services.membership_change(
                membership=obj,
                user=obj.user,
                organization=obj.organization,
                role=obj.role,
                actor=request.user,
                reason=ADMIN_REASON,
            )
        else:
            saved = services.membership_grant(
                user=obj.user, organization=obj.organization, role=obj.role, actor=request.user, reason=ADMIN_REASON
            )
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def delete_model(self, request, obj):
        services.membership_revoke(membership=obj, actor=request.user, reason=ADMIN_REASON)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_revoke(membership=membership, actor=request.user, reason=ADMIN_REASON)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "status", "created_at", "last_used_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "status", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records made by the platform's own steps (registration, a unit's confirmation): shown,
    never edited or made by hand here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MembershipRequest)
class MembershipRequestAdmin(ReadOnlyAdmin):
    # Decided by the unit's admin on the unit's page, through the workflow core.
    list_display = ["user", "organization", "role", "status", "created_at", "decided_at"]
    list_filter = ["status", "role"]
    list_select_related = ["user", "organization"]


@admin.register(PrivacyConsent)
class PrivacyConsentAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "version", "consented_at"]
    list_filter = ["kind", "version"]
    list_select_related = ["user"]


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    list_display = ["purpose", "created_at", "expires_at", "attempts", "verified_at", "used_at"]
    list_filter = ["purpose"]
