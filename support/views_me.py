"""The staff member's own console settings: the time zone the console shows times in."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services import staff_time_zone_set
from support.access import staff_required
from support.forms import StaffTimeZoneForm


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_settings(request):
    form = StaffTimeZoneForm(request.POST if request.method == "POST" else None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST":
        if form.is_valid():
            staff_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
            messages.success(request, _("Your time zone is saved."))
            return redirect("support:staff_settings")
        return render(request, "support/staff_settings.html", {"form": form}, status=400)
    return render(request, "support/staff_settings.html", {"form": form})
