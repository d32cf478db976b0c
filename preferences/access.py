"""Who may reach a customer's preference pages: the signed-in customer, and only their own."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from preferences.models import ContactPoint, Customer
from preferences.selectors import customer_get_for_user


def customer_required(view):
    """Pass the signed-in person's own customer record to the view; staff have none (404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        customer = customer_get_for_user(user=request.user)
        if customer is None:
            raise Http404
        return view(request, customer, *args, **kwargs)

    return wrapper


def contact_point_get_for_customer(*, customer: Customer, contact_point_id: int) -> ContactPoint:
    point = ContactPoint.objects.filter(
        pk=contact_point_id,
        customer=customer,
    ).first()
    if point is None:
        raise Http404
    return point
