from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import User


@login_required
@require_GET
def profile(request, username: str):
    member = get_object_or_404(User, username=username, is_active=True)
    return render(request, "members/profile.html", {"member": member})
