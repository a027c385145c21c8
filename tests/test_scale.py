"""The offline portal at scale (replica/scale.py): copies of the platform portals on hosts of
their own, and hosts that take their time to answer without holding up the others."""

import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import CrawlResult, run_nianbao
from crawler.portals import bare_host
from crawler.urls import canonical_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scaled_replica():
    from replica.scale import scaled
    from replica.site import build_replica

    return scaled(build_replica(), 8)


def test_copies_are_the_platforms_on_hosts_of_their_own(replica, scaled_replica):
    from replica.scale import scaled, scaled_portals

    copies = scaled_replica.platforms[len(replica.platforms):]
    assert len(copies) == 8 == len(scaled_portals(scaled_replica))
    assert [c.platform for c in copies] == [b.platform for b in replica.platforms] + [b.platform for b in replica.platforms[:2]]
    hosts = [h for c in copies for h in c.hosts]
    assert len(hosts) == len(set(hosts)) and not set(hosts) & replica.hosts
    assert len({c.portal.name for c in copies}) == 8
    for copy, base in zip(copies, replica.platforms):
        # the same column: as many pages and reports, every page on the copy's own hosts
        assert len(copy.pages) == len(base.pages) and len(copy.expected_reports()) == len(base.expected_reports())
        assert {bare_host(h) for h, _ in copy.pages} <= copy.hosts
        base_domain = bare_host(urlsplit(base.portal.root_url).hostname).encode()
        for (host, path), page in copy.pages.items():
            if page.content_type.startswith("text/html"):
                assert b"//www." + base_domain not in page.body and b"//" + base_domain not in page.body, (host, path)
    # the same copies on every run
    again = scaled(replica, 8).platforms[len(replica.platforms):]
    assert [(c.portal, sorted(c.expected_reports())) for c in again] == [(c.portal, sorted(c.expected_reports())) for c in copies]


def test_latency_is_per_host_from_a_fixed_seed_within_its_bounds():
    from replica.scale import HostLatency, parse_latency

    latency = HostLatency(parse_latency("200-800"))
    waits = [latency(f"www.tjdl-s{i}.gov.cn") for i in range(40)]
    assert all(0.2 <= w <= 0.8 for w in waits) and len(set(waits)) == 40
    assert waits == [HostLatency((0.2, 0.8))(f"tjdl-s{i}.gov.cn") for i in range(40)]  # www. or not: one host
    assert parse_latency("0") is None and parse_latency("300") == (0.3, 0.3)
    for bad in ("fast", "800-200", "-5"):
        with pytest.raises(ValueError, match="latency must be milliseconds"):
            parse_latency(bad)


def fetch(proxy: str, url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with opener.open(url, timeout=20) as answer:
        return answer.read()


def test_a_host_that_waits_holds_up_no_other_host(scaled_replica):
    from replica.scale import HostLatency
    from replica.server import OfflinePortal

    copies = [c for c in scaled_replica.platforms[-8:] if c.portal.root_url.startswith("http:")][:3]
    # each host's wait ends only once all three hosts are waiting at once: served one after the
    # other, the first would never see the others arrive
    together = threading.Barrier(3, timeout=15)

    def latency(host):
        together.wait()
        return 0

    with OfflinePortal(replica=scaled_replica, latency=latency) as portal:
        answers = {}
        threads = [threading.Thread(target=lambda c=c: answers.update({c.portal.name: fetch(portal.proxy_url, c.portal.root_url)}))
                   for c in copies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(threads) == 3 and len(answers) == 3 and all(b"<html" in body.lower() for body in answers.values())
    assert not together.broken

    host = copies[0].portal.root_url
    with OfflinePortal(replica=scaled_replica, latency=HostLatency((0.3, 0.3))) as portal:
        started = time.monotonic()
        fetch(portal.proxy_url, host)
        assert time.monotonic() - started >= 0.3  # the host's server took its time


def test_an_offline_crawl_at_scale_finds_the_copies_reports(tmp_path):
    from replica.scale import scaled
    from replica.site import build_replica

    proc = run_nianbao("crawl", "portals", "--offline", "--store", str(tmp_path), "-s", "NIANBAO_REPLICA_SCALE=3",
                       "-s", "NIANBAO_REPLICA_LATENCY=20-60")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = CrawlResult(tmp_path, proc)
    copies = scaled(build_replica(), 3).platforms[-3:]
    assert sorted(result.summary["portals"]) == sorted(c.portal.name for c in copies)
    served = {url for c in copies for url in c.expected_reports()
              if c.pages.get((bare_host(urlsplit(url).hostname), urlsplit(url).path), None) is None
              or c.pages[(bare_host(urlsplit(url).hostname), urlsplit(url).path)].status == 200}
    assert {canonical_url(d["url"]) for d in result.documents} == served


def test_bad_scale_and_latency_are_one_line_errors():
    for args, message in ((["-s", "NIANBAO_REPLICA_SCALE=-2"], "the scale is a number of portals"),
                          (["-s", "NIANBAO_REPLICA_LATENCY=soon"], "latency must be milliseconds")):
        proc = run_nianbao("crawl", "portals", "--offline", *args, timeout=120)
        assert proc.returncode == 1 and proc.stderr.startswith(f"nianbao: {message}"), proc.stderr[-2000:]


def children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_a_portal_serving_from_processes_stops_whichever_process_took_the_last_connection(replica):
    """Every serving process's select() wakes for a connection and one accept() takes it: the
    portal's own serving thread must not be left waiting in accept() for a connection that never
    comes, or stopping it hangs (a CI run waited 30 s on `portal serve` for that). Which process
    wins is a race: without the fix about one stop in ten hung."""
    from replica.server import OfflinePortal

    url = replica.portals[0].root_url
    for attempt in range(24):
        portal = OfflinePortal(replica=replica, processes=3).start()
        threads = [threading.Thread(target=fetch, args=(portal.proxy_url, url)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        stopping = threading.Thread(target=portal.stop, daemon=True)
        stopping.start()
        stopping.join(10)
        assert not stopping.is_alive(), f"stop {attempt + 1} hung"


def test_the_portal_serves_from_processes_of_its_own_and_logs_each_arrival(tmp_path):
    """`portal serve --processes 3`: two more processes accept on its socket, every request is a
    line of the log with its arrival on the machine's monotonic clock, and SIGTERM stops them all."""
    from replica.server import read_request_log

    log = tmp_path / "requests.log"
    server = subprocess.Popen([sys.executable, "-m", "crawler.cli", "portal", "serve", "--port", "0", "--scale", "2",
                               "--latency", "200", "--processes", "3", "--request-log", str(log)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        proxy = server.stdout.readline().split("listening on ", 1)[1].split()[0]
        serving = children_of(server.pid)
        assert len(serving) == 2
        url = "http://www.tjdl-s1.gov.cn/"
        before = time.monotonic()
        threads = [threading.Thread(target=fetch, args=(proxy, url)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        after = time.monotonic()
        lines = read_request_log(log)
        assert [(m, u) for _, m, u in lines] == [("GET", url)] * 6
        assert all(before <= t <= after for t, _, _ in lines)
    finally:
        server.terminate()
        server.wait(timeout=30)
    time.sleep(0.5)
    assert not [pid for pid in serving if Path(f"/proc/{pid}").exists()
                and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
