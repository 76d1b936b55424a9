from django.urls import path

from . import twofactor_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:user_id>/edit/", views.account_edit, name="edit"),
    path("<int:user_id>/two-factor/reset/", views.account_two_factor_reset, name="two_factor_reset"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", twofactor_views.verify_view, name="two_factor_verify"),
    path("login/enrol/", twofactor_views.enrol_view, name="two_factor_enrol"),
    path("me/", views.me_view, name="me"),
    path("me/password/", views.me_password_view, name="me_password"),
    path("me/tokens/", views.me_token_issue_view, name="me_token_issue"),
    path("me/tokens/<int:token_id>/revoke/", views.me_token_revoke_view, name="me_token_revoke"),
    path("me/two-factor/", twofactor_views.own_enrol_view, name="me_two_factor"),
    path("me/two-factor/recovery-codes/", twofactor_views.own_recovery_codes_view, name="me_recovery_codes"),
    path("me/two-factor/disable/", twofactor_views.own_disable_view, name="me_two_factor_disable"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
]
