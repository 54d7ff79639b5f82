from django.contrib import admin
from django.urls import path, re_path
from django.views.generic import RedirectView

from qcredit.service import views
from qcredit.service.api import api

urlpatterns = [
    path("", views.search, name="search"),
    re_path(r"^public/(?P<which>[ad])$", views.public_list, name="public_list"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("warnings", views.warnings, name="warnings"),
    path("enterprises", views.find_enterprises, name="find_enterprises"),
    path("enterprises/<str:uscc>", views.enterprise, name="enterprise"),
    path("d-review", views.d_review, name="d_review"),
    path("changes", views.changes, name="changes"),
    path("runs", views.runs, name="runs"),
    path("audit", views.audit_log, name="audit"),
    path("api/v1/", api.urls),
    # The admin signs in through the service's own login page, which slows repeated failures.
    path("admin/login/", RedirectView.as_view(url="/login?next=/admin/", query_string=False)),
    path("admin/", admin.site.urls),
]
