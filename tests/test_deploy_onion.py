"""deploy/nginx and deploy/tor for the onion service (issues 19 and 24): tor opens each
connection with a PROXY protocol line naming the visitor's circuit, nginx's onion server
passes "onion" and that circuit, and the application counts each circuit as a submitter
and every onion visitor in a bucket of their own; nobody on the clearnet can claim it by
sending the header, and nothing reaches the onion listener without tor's line."""

import functools
import http.client
import re
import socket
import ssl
import subprocess
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.service import free_port, start, wait_for
from tests.test_deploy_files import DEPLOY, need, nginx_config, stop

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]


def proxy_line(circuit: int, port: int) -> bytes:
    """What tor (HiddenServiceExportCircuitID haproxy) sends first for a circuit."""
    return (f"PROXY TCP6 fc00:dead:beef:4dad::{circuit >> 16:x}:{circuit & 0xFFFF:x} ::1 "
            f"{circuit & 0xFFFF} 80\r\n").encode()


class CircuitConnection(http.client.HTTPConnection):
    """An HTTP connection as tor opens it to nginx for one circuit."""

    def __init__(self, *args, circuit: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.circuit = circuit

    def connect(self) -> None:
        super().connect()
        self.sock.sendall(proxy_line(self.circuit, self.port))


class CircuitHandler(urllib.request.HTTPHandler):
    def __init__(self, circuit: int) -> None:
        super().__init__()
        self.circuit = circuit

    def http_open(self, req):
        return self.do_open(functools.partial(CircuitConnection, circuit=self.circuit), req)


def look_up(base: str, headers: dict[str, str], circuit: int | None = None) -> int:
    """A receipt look-up with a wrong code, from a fresh browser: the status."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    handlers = [urllib.request.HTTPCookieProcessor(CookieJar()),
                urllib.request.HTTPSHandler(context=context)]
    if circuit is not None:
        handlers.append(CircuitHandler(circuit))
    opener = urllib.request.build_opener(*handlers)
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


def without_proxy_line(port: int) -> bytes:
    """A plain request to the onion listener, as anything but tor would send it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /count.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


def test_onion_circuits_are_submitters_and_share_a_bucket_the_clearnet_cannot_claim(tmp_path):
    nginx = need("nginx")
    app_port = free_port()
    ports = {name: free_port() for name in ("http", "https", "onion")}
    config = nginx_config(tmp_path, app_port, ports)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(config)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    service = start(["runservice"], PORT=str(app_port), PROTECTION_ADDRESS_HEADER="X-Real-IP",
                    PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER="2",
                    PROTECTION_ONION_RECEIPT_LOOKUPS_PER_WINDOW="5")
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"])
    onion = f"http://127.0.0.1:{ports['onion']}"
    clearnet = f"https://127.0.0.1:{ports['https']}"
    try:
        wait_for(f"http://127.0.0.1:{app_port}/count.json")
        # Nothing but tor's line opens the onion listener.
        assert b"200 OK" not in without_proxy_line(ports["onion"])
        # Each circuit, whatever address it claims, is a submitter: two look-ups each...
        answers = [look_up(onion, {"X-Real-IP": f"198.51.100.{n}"}, circuit=0x10001)
                   for n in range(3)]
        assert answers == [200, 200, 429]
        # ...and another circuit is not held back by the first one's count; all of them
        # share the onion's bucket (5 a window; a look-up refused for its circuit is not
        # counted there), which new circuits do not escape.
        assert [look_up(onion, {}, circuit=0x2A) for _ in range(2)] == [200, 200]
        assert [look_up(onion, {}, circuit=0x2B) for _ in range(2)] == [200, 429]
        assert look_up(onion, {}, circuit=0x2C) == 429
        # The clearnet: the connection's address, however the client names itself.
        answers = [look_up(clearnet, {"X-Real-IP": "onion fc00:dead:beef:4dad::1"})
                   for _ in range(3)]
        assert answers == [200, 200, 429]
    finally:
        stop(service, proxy)


def test_the_torrc_exports_circuits_and_sets_tor_s_own_defences():
    torrc = (DEPLOY / "tor/torrc").read_text()
    settings = dict(line.split(" ", 1) for line in torrc.splitlines()
                    if line and not line.startswith("#"))
    assert settings["HiddenServiceExportCircuitID"] == "haproxy"
    assert settings["HiddenServicePoWDefensesEnabled"] == "1"
    assert settings["HiddenServiceEnableIntroDoSDefense"] == "1"
    assert int(settings["HiddenServiceMaxStreams"]) > 0
    assert settings["HiddenServiceMaxStreamsCloseCircuit"] == "1"
    # nginx's onion listener is the port tor hands connections to, and takes its line.
    site = (DEPLOY / "nginx/tuidang.conf").read_text()
    target = settings["HiddenServicePort"].split()[1]
    assert f"listen {target} proxy_protocol;" in site
    assert 'set $tuidang_client "onion $proxy_protocol_addr";' in site
    # tor accepts the file: test_deploy_files.test_the_torrc_snippet_is_valid.
