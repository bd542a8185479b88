"""The notifications page (the header's bell leads here): a person's notices, opening one marks
it read and goes where it points; or all marked read at once."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from plumbline.core.errors import NotFound

from . import actions, queries

PAGE_SIZE = 25


@login_required
@require_GET
def notifications_page(request):
    rows = queries.list_notifications(user=request.user).select_related("project")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notifications.html", {"page": page})


@login_required
@require_POST
def read_notification(request, notification_id: int):
    """Mark it read and open what it is about (its link), or come back to the list."""
    try:
        notice = actions.mark_notification_read(notification_id, actor=request.user)
    except NotFound:
        raise Http404 from None
    link = notice.link if request.POST.get("open") else ""
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        link = "notifications"
    return redirect(link)


@login_required
@require_POST
def read_all_notifications(request):
    actions.mark_all_notifications_read(actor=request.user)
    return redirect("notifications")
