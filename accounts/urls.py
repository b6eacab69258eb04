from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import mfa, views
from accounts.forms import QueuedPasswordResetForm

app_name = "accounts"

urlpatterns = [
    # The password step; administrators go on to their second factor (accounts/mfa.py).
    path("login/", mfa.LoginView.as_view(), name="login"),
    path("mfa/", mfa.verify, name="mfa-verify"),
    path("mfa/setup/", mfa.setup, name="mfa-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password-change-done")
        ),
        name="password-change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=QueuedPasswordResetForm,
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("organizations/<int:pk>/decide/", views.workstation_decide, name="workstation-decide"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("regions/", views.region_options, name="region-options"),
    path("register/", views.register, name="register"),
    path("register/code/", views.register_code, name="register-code"),
    path("privacy/", views.privacy_notice, name="privacy-notice"),
    path("people/<int:pk>/active/", views.person_set_active, name="person-set-active"),
]
