from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .models import Proposal


@login_required
@require_GET
def proposal_list(request):
    proposals = selectors.proposal_list(user=request.user)[:20]
    return render(request, "proposals/list.html", {"proposals": proposals})


@login_required
@require_GET
def proposal_detail(request, pk: int):
    try:
        proposal = selectors.proposal_detail(pk=pk)
    except Proposal.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "proposals/detail.html", {"proposal": proposal})
