"""URLs: the API, health, admin, signed file downloads and the web pages."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from acceptance import pages as acceptance_pages
from acceptance.materials import pages as material_pages
from archive import pages as archive_pages
from bim import pages as bim_pages
from inspections import pages as inspection_pages
from insurance import pages as insurance_pages
from projects import pages as project_pages
from signage import pages as signage_pages
from supervision import desk_pages
from supervision import pages as supervision_pages

from . import audit_pages, views
from .api import api, mount_routers
from .bcf_server import bcf_api
from .core.accounts.views import LoginView, LogoutView
from .core.notifications import views as notification_views

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
    path("notifications/", notification_views.notifications_page, name="notifications"),
    path("notifications/read-all/", notification_views.read_all_notifications, name="read-all-notifications"),
    path("notifications/<int:notification_id>/read/", notification_views.read_notification, name="read-notification"),
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
    path(
        "projects/<str:code>/findings/<int:finding_id>/assign/", inspection_pages.assign_finding, name="assign-finding"
    ),
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
    path("projects/<str:code>/my-home/", insurance_pages.my_home, name="insurance-my-home"),
    path("projects/<str:code>/claims/", insurance_pages.claims_queue, name="insurance-claims"),
    path("projects/<str:code>/claims/new/", insurance_pages.new_claim, name="insurance-new-claim"),
    path("projects/<str:code>/claims/<int:claim_id>/", insurance_pages.claim_page, name="insurance-claim"),
    path("projects/<str:code>/claims/<int:claim_id>/move/", insurance_pages.move_claim, name="insurance-move-claim"),
    path("projects/<str:code>/insurance/", insurance_pages.insurance_admin, name="insurance-admin"),
    path("projects/<str:code>/units/<int:unit_id>/bind/", insurance_pages.bind_home_owner, name="insurance-bind"),
    path(
        "projects/<str:code>/units/<int:unit_id>/binding-code/",
        insurance_pages.issue_binding_code,
        name="insurance-issue-code",
    ),
    path("units/bind/", insurance_pages.redeem_code, name="insurance-redeem"),
    path("projects/<str:code>/acceptance/", acceptance_pages.tree_page, name="acceptance-tree"),
    path("projects/<str:code>/acceptance/lots/<int:lot_id>/", acceptance_pages.lot_page, name="acceptance-lot"),
    path("projects/<str:code>/acceptance/<int:node_id>/sign/", acceptance_pages.sign_node, name="acceptance-sign"),
    path("projects/<str:code>/models/", bim_pages.models_page, name="bim-models"),
    path("projects/<str:code>/models/<int:model_id>/retire/", bim_pages.retire_model, name="bim-retire-model"),
    path("projects/<str:code>/versions/<int:version_id>/", bim_pages.version_page, name="bim-version"),
    path("projects/<str:code>/register/", project_pages.register_page, name="register"),
    path("projects/<str:code>/signs/", signage_pages.signs_page, name="signs"),
    path("projects/<str:code>/signs/<int:sign_id>/", signage_pages.sign_page, name="sign"),
    path("projects/<str:code>/signs/<int:sign_id>/print/", signage_pages.print_sign_qr, name="print-sign-qr"),
    path("projects/<str:code>/materials/", material_pages.materials_page, name="materials"),
    path("projects/<str:code>/materials/<int:batch_id>/", material_pages.batch_page, name="material-batch"),
    path(
        "projects/<str:code>/materials/<int:batch_id>/samples/",
        material_pages.record_sample,
        name="record-sample",
    ),
    path(
        "projects/<str:code>/materials/<int:batch_id>/samples/<int:sample_id>/witness/",
        material_pages.witness_sample,
        name="witness-sample",
    ),
    path("signs/<str:token>/", signage_pages.verify_sign, name="sign-verify"),
    path("signs/<str:token>/qr.<str:fmt>", signage_pages.sign_qr, name="sign-qr"),
    path("signs/<str:token>/report/", supervision_pages.report_problem_page, name="sign-report"),
    path("projects/<str:code>/audit/", audit_pages.audit_page, name="audit-trail"),
    path("projects/<str:code>/archive/", archive_pages.archive_checks_page, name="archive-checks"),
    path("archive-checks/<int:check_id>/", archive_pages.archive_check_page, name="archive-check"),
    path("supervision/", supervision_pages.dashboard_page, name="supervision-dashboard"),
    path(
        "supervision/architect-in-charge/",
        supervision_pages.switch_architect_in_charge,
        name="supervision-architect-in-charge",
    ),
    path("supervision/charts/<str:chart>", supervision_pages.region_chart, name="supervision-chart"),
    path("supervision/projects/<str:code>/", supervision_pages.project_page, name="supervision-project"),
    path(
        "supervision/projects/<str:code>/findings.svg",
        supervision_pages.project_findings_chart,
        name="supervision-project-findings-chart",
    ),
    path("supervision/results/", supervision_pages.public_results_page, name="supervision-results"),
    path("supervision/draws/<int:draw_id>.json", supervision_pages.public_draw, name="supervision-draw"),
    path("supervision/draws/<int:draw_id>/", supervision_pages.draw_page, name="supervision-draw-page"),
    path("supervision/inspections/", supervision_pages.my_inspections_page, name="my-supervision-inspections"),
    path("supervision/draws/", desk_pages.draws_page, name="supervision-draws"),
    path("supervision/draws/<int:draw_id>/sign/", desk_pages.sign_result_page, name="supervision-sign-result"),
    path("supervision/credit/", desk_pages.region_credit_page, name="supervision-region-credit"),
    path("organisations/<int:organisation_id>/credit/", desk_pages.credit_page, name="supervision-credit"),
    path(
        "organisations/<int:organisation_id>/credit/<int:event_id>/contest/",
        desk_pages.contest_event,
        name="supervision-contest",
    ),
    path(
        "organisations/<int:organisation_id>/credit/<int:event_id>/decide/",
        desk_pages.decide_contest,
        name="supervision-decide",
    ),
    path("complaints/", desk_pages.complaints_page, name="supervision-complaints"),
    path("complaints/<int:complaint_id>/", desk_pages.complaint_page, name="supervision-complaint"),
    path("webhooks/", desk_pages.webhooks_page, name="supervision-webhooks"),
    path("webhooks/<int:webhook_id>/", desk_pages.webhook_page, name="supervision-webhook"),
    path(
        "webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay/",
        desk_pages.replay_delivery,
        name="supervision-replay",
    ),
    path(
        "projects/<str:code>/register/<int:appointment_id>/letters/",
        project_pages.upload_letter,
        name="register-upload-letter",
    ),
    path("projects/<str:code>/materials/new/", material_pages.new_batch, name="material-new-batch"),
    path(
        "projects/<str:code>/materials/<int:batch_id>/certificates/",
        material_pages.add_certificate,
        name="material-add-certificate",
    ),
    path(
        "projects/<str:code>/materials/<int:batch_id>/samples/<int:sample_id>/report/",
        material_pages.record_report,
        name="material-record-report",
    ),
    path("", views.home, name="home"),
    # /foundation/... and /bcf/3.0/..., the paths BCF-API fixes; after the home page, which the
    # NinjaAPI's own root ("") would otherwise answer with a 404
    path("", bcf_api.urls),
]
handler404 = "plumbline.views.not_found"
handler403 = "plumbline.views.forbidden"
handler500 = "plumbline.views.server_error"
