from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@login_required
@require_GET
def board(request):
    """Until the board lands, the home page is the proposal list."""
    return redirect("proposals:list")
