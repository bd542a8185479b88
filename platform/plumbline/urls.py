"""URLs: the API, health, admin, signed file downloads and the web pages."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from acceptance import pages as acceptance_pages
from bim import pages as bim_pages
from inspections import pages as inspection_pages
from signage import pages as signage_pages

from . import views
from .api import api, mount_routers
from .core.accounts.views import LoginView, LogoutView

mount_routers()

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", inspection_pages.service_worker, name="service-worker"),
    path("favicon.ico", RedirectView.as_view(url=static("plumbline/favicon.svg"), permanent=True)),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/<path:key>", views.download_file, name="file-download"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("projects/<str:code>/plan/", inspection_pages.plan_page, name="plan"),
    path(
        "projects/<str:code>/plan/<int:version_id>/element/<str:global_id>/",
        inspection_pages.element_card,
        name="element-card",
    ),
    path("projects/<str:code>/plan/<int:version_id>/point/", inspection_pages.point_card, name="point-card"),
    path("projects/<str:code>/plan/<int:version_id>/svg/", inspection_pages.plan_svg, name="plan-svg"),
    path("projects/<str:code>/findings/", inspection_pages.findings_page, name="findings"),
    path("projects/<str:code>/findings/new/", inspection_pages.new_finding, name="new-finding"),
    path("projects/<str:code>/findings/<int:finding_id>/", inspection_pages.finding_page, name="finding"),
    path("projects/<str:code>/findings/<int:finding_id>/move/", inspection_pages.move_finding, name="move-finding"),
    path("projects/<str:code>/checklists/", inspection_pages.checklists_page, name="checklists"),
    path("projects/<str:code>/checklists/new/", inspection_pages.start_checklist, name="start-checklist"),
    path("projects/<str:code>/checklists/<int:checklist_id>/", inspection_pages.checklist_page, name="checklist"),
    path(
        "projects/<str:code>/checklists/<int:checklist_id>/items/<int:item_id>/",
        inspection_pages.answer_checklist_item,
        name="answer-checklist-item",
    ),
    path(
        "projects/<str:code>/checklists/<int:checklist_id>/complete/",
        inspection_pages.complete_checklist,
        name="complete-checklist",
    ),
    path("projects/<str:code>/acceptance/", acceptance_pages.tree_page, name="acceptance-tree"),
    path("projects/<str:code>/acceptance/lots/<int:lot_id>/", acceptance_pages.lot_page, name="acceptance-lot"),
    path("projects/<str:code>/acceptance/<int:node_id>/sign/", acceptance_pages.sign_node, name="acceptance-sign"),
    path("projects/<str:code>/models/", bim_pages.models_page, name="bim-models"),
    path("projects/<str:code>/versions/<int:version_id>/", bim_pages.version_page, name="bim-version"),
    path("signs/<str:token>/", signage_pages.verify_sign, name="sign-verify"),
    path("signs/<str:token>/qr.<str:fmt>", signage_pages.sign_qr, name="sign-qr"),
    path("", views.home, name="home"),
]
handler404 = "plumbline.views.not_found"
handler403 = "plumbline.views.forbidden"
handler500 = "plumbline.views.server_error"
