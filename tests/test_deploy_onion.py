"""deploy/nginx and the onion service's limits (issue 19): nginx's onion server passes one
address for every Tor visitor, the word "onion", which gives them limits of their own;
nobody on the clearnet can claim it by sending the header."""

import re
import ssl
import subprocess
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.service import free_port, start, wait_for
from tests.test_deploy_files import need, nginx_config, stop

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]


def look_up(base: str, headers: dict[str, str]) -> int:
    """A receipt look-up with a wrong code, from a fresh browser: the status."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                         urllib.request.HTTPSHandler(context=context))
    with opener.open(base + "/en/receipt/", timeout=10) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                          response.read().decode())[1]
    data = urllib.parse.urlencode({"code": "AAAA-BBBB-CCCC-DDDD-EEEE",
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + "/en/receipt/", data=data,
                                     headers={"Referer": base + "/en/receipt/", **headers})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_onion_visitors_share_limits_of_their_own_that_the_clearnet_cannot_claim(tmp_path):
    nginx = need("nginx")
    app_port = free_port()
    ports = {name: free_port() for name in ("http", "https", "onion")}
    config = nginx_config(tmp_path, app_port, ports)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(config)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    service = start(["runservice"], PORT=str(app_port), PROTECTION_ADDRESS_HEADER="X-Real-IP",
                    PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER="2",
                    PROTECTION_ONION_RECEIPT_LOOKUPS_PER_WINDOW="4")
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"])
    onion = f"http://127.0.0.1:{ports['onion']}"
    clearnet = f"https://127.0.0.1:{ports['https']}"
    try:
        wait_for(f"http://127.0.0.1:{app_port}/count.json")
        wait_for(onion + "/count.json")
        # Every onion visitor, whatever they send, counts in the onion's own bucket.
        answers = [look_up(onion, {"X-Real-IP": f"198.51.100.{n}"}) for n in range(5)]
        assert answers == [200] * 4 + [429]
        # The clearnet: the connection's address, however the client names itself.
        answers = [look_up(clearnet, {"X-Real-IP": "onion"}) for _ in range(3)]
        assert answers == [200, 200, 429]
    finally:
        stop(service, proxy)
