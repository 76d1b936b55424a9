from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.login_view, name="login"),
    path("register/", views.register_view, name="register"),
    path("forgot/", views.forgot_view, name="forgot"),
    path("logout/", views.logout_view, name="logout"),
    path("verify/", views.verify_view, name="verify"),
    path("membership/", views.membership_view, name="membership"),
    path("card/", views.card_view, name="card"),
    path("card/qr/", views.card_qr_view, name="card_qr"),
    path("card/verify/<str:token>/", views.card_verify_view, name="card_verify"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_open_view, name="inbox_open"),
    path("inbox/read-all/", views.inbox_read_all_view, name="inbox_read_all"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/password/", views.password_view, name="password"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
