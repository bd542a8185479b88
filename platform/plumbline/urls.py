"""URLs: the API, health, admin, signed file downloads and the web pages."""

from django.contrib import admin
from django.urls import path

from . import views
from .accounts.views import LoginView, LogoutView
from .api import api, mount_routers

mount_routers()

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("files/<path:key>", views.download_file, name="file-download"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
]
handler404 = "plumbline.views.not_found"
