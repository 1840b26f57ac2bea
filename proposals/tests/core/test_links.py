"""pk_url puts a key into a view's address once reversed: it must give what reverse() gives."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from incubator.links import key_url, pk_url


@pytest.mark.parametrize("view", ["proposals:detail", "proposals:edit", "board:move"])
@pytest.mark.parametrize("pk", [1, 7, 42, 8_642_097_531 + 1, 10**12])
def test_the_address_is_the_one_reverse_gives(view, pk):
    assert pk_url(view)(pk) == reverse(view, args=[pk])


def test_a_site_under_a_sub_path_gets_its_own_addresses():
    try:
        set_script_prefix("/community/")
        assert pk_url("proposals:detail")(5) == "/community/proposals/5/"
    finally:
        set_script_prefix("/")
    assert pk_url("proposals:detail")(5) == "/proposals/5/"


def test_a_view_without_a_single_key_is_refused():
    with pytest.raises(NoReverseMatch):
        pk_url("proposals:board")


@pytest.mark.parametrize(
    "username", ["hana", "hana.sato@example", "a+b-c_d", "はると", "space here", "100%", "?#&="]
)
def test_a_profile_address_is_the_one_reverse_gives(username):
    assert key_url("members:profile")(username) == reverse("members:profile", args=[username])


def test_another_urlconf_gets_its_own_addresses(settings):
    assert pk_url("proposals:detail")(3) == "/proposals/3/"
    settings.ROOT_URLCONF = "proposals.tests.core.urls_elsewhere"
    assert pk_url("proposals:detail")(3) == "/elsewhere/proposals/3/"
    assert key_url("members:profile")("hana") == "/elsewhere/members/hana/"
