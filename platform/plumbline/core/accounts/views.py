"""Sign-in and sign-out pages."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from .throttle import client_ip, minutes_to_wait


class ThrottledAuthenticationForm(AuthenticationForm):
    """Says how long to wait when sign-in is throttled (plumbline.core.accounts.throttle), instead of
    "did not match"."""

    is_throttled = False

    def clean(self):
        minutes = minutes_to_wait(self.cleaned_data.get("username") or "", client_ip(self.request))
        if minutes:
            self.is_throttled = True
            raise ValidationError(
                ngettext(
                    "Too many wrong passwords: try again in %(minutes)d minute.",
                    "Too many wrong passwords: try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.is_throttled:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"
