"""Hostile pages of the offline portal: what real government portals do to crawlers.

One portal of the replica (`PORTAL`, 城口县, www.cqck.gov.cn) carries them: its report column has a
部门 sub-column whose list links every case below as an ordinary report entry, and a 镇街
sub-column whose list pages never end. Each case is a path → handler; the server asks
`Replica.hostile_route` before its static pages. Cases that a careful crawler can still read
(the challenge a browser passes, the rate limit, broken HTML, wrong charsets, a report given only
as a file) are real reports of the replica and counted in `expected_reports`; the others never
give a document and must each leave one line in `crawl/failures.jsonl`.

The shapes follow `reference/portals.md` (瑞数 412 with `$_ts`, 加速乐 521 with `__jsl_clearance`,
soft 404 with a meta refresh to the column, 429/503 rate limits).
"""

from __future__ import annotations

import hashlib
import re
import select
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache
from typing import Callable

from crawler.portals import bare_host

from . import templates

PORTAL = "城口县"
OFF_HOST = "www.cqck-gov.example.net"  # a look-alike mirror: links and redirects that leave the portal
TRAP_PAGES = 100_000  # what the endless column claims
HUGE = 300_000_000  # Content-Length of the oversized attachment
BOMB_SIZE = 100 * 1024 * 1024  # what the gzip bomb inflates to (Scrapy's default limit is 64 MB)
STALL_SECONDS = 120  # the stalling server gives up only after this (crawlers time out first)

RUISHU_COOKIE = "FSSBBIl1UgzbN7N80T"
RUISHU_SCRIPT = "/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"
JSL_UID = "__jsluid_h"
JSL_CLEARANCE = "__jsl_clearance"


def token(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:32]


# -- how a handler answers --------------------------------------------------------------------------

def send(h, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
         headers: tuple[tuple[str, str], ...] = (), length: int | None = None) -> None:
    """A raw answer: whatever the case wants, no helpful compression or validators."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    for name, value in headers:
        h.send_header(name, value)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def cookies(h) -> dict[str, str]:
    jar = {}
    for part in (h.headers.get("Cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    return jar


def hits(h, key: str) -> list[float]:
    """Arrival times of the requests for one case on this server (rate limits count them)."""
    server = h.server
    with server._lock:
        log = server.__dict__.setdefault("hostile_hits", defaultdict(list))
        log[key].append(time.monotonic())
        return list(log[key])


# -- the cases ------------------------------------------------------------------------------------

def ruishu_412(h, page, path):
    """瑞数: 412 with an obfuscated `$_ts` bootstrap and a script that sets the cookie, reloads,
    and refuses to run under automation (navigator.webdriver): a headless browser stays blocked."""
    if cookies(h).get(RUISHU_COOKIE) == token("meta", path):  # what the script derives from the meta tag
        return h.reply(200, page.body, page.content_type)
    cd = hashlib.sha512(path.encode()).hexdigest() * 6
    body = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<meta id="9DhefwqGPrzGxEp9hPaoag" content="{token("meta", path)}{token("nsd", path)}">'
        "<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
        f'$_ts.nsd=84129;$_ts.cd="{cd}";$_ts.lcd=$_ts.cd.length;'
        "if($_ts.lcd)$_ts.l__=(function(_$a){var _$b=[],_$c=0;for(;_$c<_$a.length;_$c+=2)"
        "_$b.push(String.fromCharCode(parseInt(_$a.substr(_$c,2),16)^0x5a));return _$b.join('')});</script>"
        f'<script type="text/javascript" charset="utf-8" src="{RUISHU_SCRIPT}" r="m"></script>'
        "</head><body></body></html>"
    ).encode()
    send(h, 412, body, headers=(("Set-Cookie", f"{RUISHU_COOKIE[:-1]}S={token('s', path)}; Path=/; HttpOnly"),))


def ruishu_script(h, page, path):
    """The external half of the 412 challenge: it would set the cookie, if it trusted the browser."""
    js = (
        "(function(){var _$w=window,_$n=_$w.navigator;if(_$n['web'+'driver']||!_$w['$_ts'])return;"
        "var _$p=_$w.location.pathname,_$k=_$w.document.getElementById('9DhefwqGPrzGxEp9hPaoag');"
        "if(!_$k)return;_$w.document.cookie='" + RUISHU_COOKIE + "='+_$k.content.substr(0,32)+';path=/';"
        "_$w.location.replace(_$p);})();"
    )
    send(h, 200, js.encode(), "application/javascript")


def jsl_521(h, page, path):
    """加速乐: 521 with a script that assembles `__jsl_clearance` from fragments and reloads."""
    jar = cookies(h)
    uid = token("uid", path)
    clearance = token("jsl", path)
    if jar.get(JSL_UID) == uid and jar.get(JSL_CLEARANCE) == clearance:
        return h.reply(200, page.body, page.content_type, last_modified=page.last_modified)
    pieces = "+".join(f"('{c}')" for c in f"{JSL_CLEARANCE}={clearance}")
    body = (
        "<html><body><script>document.cookie=" + pieces
        + "+';Max-age=3600; path = /';location.href=location.pathname+location.search</script></body></html>"
    ).encode()
    send(h, 521, body, headers=(("Set-Cookie", f"{JSL_UID}={uid}; max-age=31536000; path=/; HttpOnly"),))


def rate_limited(status: int, retry_after: str | None):
    """Answers `status` (with Retry-After) to the first request, the report afterwards."""
    def handler(h, page, path):
        if len(hits(h, path)) == 1:
            return send(h, status, b"<html><body><h1>Too Many Requests</h1></body></html>",
                        headers=(("Retry-After", retry_after),) if retry_after else ())
        h.reply(200, page.body, page.content_type, last_modified=page.last_modified)
    return handler


def soft_404(column_path: str):
    def handler(h, page, path):
        body = (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="3;url={column_path}"><title>提示信息</title></head>'
            '<body><div class="tips"><p>该信息已删除或不存在,3秒后自动返回栏目页。</p>'
            f'<p><a href="{column_path}">立即返回</a></p></div></body></html>'
        ).encode()
        send(h, 200, body)
    return handler


def redirect_to(target: str):
    def handler(h, page, path):
        send(h, 302, b"", headers=(("Location", target),))
    return handler


def oversized(h, page, path):
    """A 300 MB attachment: the header says so, the body streams until the client hangs up."""
    send(h, 200, b"%PDF-1.4\n", "application/pdf", length=HUGE)
    chunk = bytes(64 * 1024)
    sent = 9
    try:
        while sent < HUGE:
            h.wfile.write(chunk)
            sent += len(chunk)
    except OSError:
        pass
    h.close_connection = True


@cache
def bomb() -> bytes:
    """100 MB of blank HTML in about 100 KB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"<html><body>")]
    blank = b" " * (1024 * 1024)
    parts += [packer.compress(blank) for _ in range(BOMB_SIZE // len(blank))]
    parts.append(packer.compress(b"</body></html>") + packer.flush())
    return b"".join(parts)


def gzip_bomb(h, page, path):
    send(h, 200, bomb(), headers=(("Content-Encoding", "gzip"),))


def broken_html(h, page, path):
    """The report with the markup of a hand-edited page: closing tags missing, stray ones,
    upper-case tags, and the page cut off inside the footer."""
    html = page.body.decode("utf-8")
    html = re.sub(r"</(p|td|tr|li|span)>", "", html)
    html = html.replace('<div class="zwxl-article">', '</div></span></table><DIV class="zwxl-article"><FONT><B>', 1)
    html = html.replace("<table", "<TABLE border=1 ", 1)
    cut = html.rfind('<div class="footer">')
    html = html[:cut] + '<div class="footer"><p>主办单位:城口县人民政府办公室 &nbsp <a href="/lxwm/'
    send(h, 200, html.encode("utf-8"))


def gbk_declared_utf8(h, page, path):
    send(h, 200, page.body.decode("utf-8").encode("gb18030"))


def utf8_declared_gbk(h, page, path):
    body = page.body.replace(b'<meta charset="utf-8">', b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    send(h, 200, body, "text/html; charset=GBK")


def empty(h, page, path):
    send(h, 200, b"")


def stall(h, page, path):
    """Reads the request and never answers, until the client gives up."""
    deadline = time.monotonic() + STALL_SECONDS
    while time.monotonic() < deadline:
        readable, _, _ = select.select([h.connection], [], [], 0.5)
        if readable:
            try:
                if not h.connection.recv(1024):
                    break  # the client hung up
            except OSError:
                break
    h.close_connection = True


def endless_column(site, column, entries):
    """A list page for every index_N, each claiming 100 000 pages and linking the next."""
    def handler(h, page, path):
        match = re.search(r"index_(\d+)\.html$", path)
        n = int(match.group(1)) if match else 0
        tabs = [("下一页", f"index_{n + 1}.html"), ("尾页", f"index_{TRAP_PAGES - 1}.html")]
        trail = [("政务公开", site.section_url), ("政府信息公开年报", site.column.path), (column.name, column.path)]
        html = templates.list_page(site, column, entries, n, TRAP_PAGES, tabs, trail, [])
        h.reply(200, html.encode("utf-8"), "text/html; charset=utf-8")
    return handler


# -- the table --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    name: str
    unit: str  # the unit whose report the entry claims to be
    readable: bool  # a careful crawler gets the report out of it
    handler: Callable | None  # None: the page is served as rendered
    expect: str  # what the crawl must do, for people and for the tests


def cases(column_path: str, off_host_url: str) -> list[Case]:
    return [
        Case("ruishu-412", "县发展改革委", False, ruishu_412, "blocked: tried once in the browser, which stays challenged"),
        Case("jsl-521", "县财政局", True, jsl_521, "browser sets __jsl_clearance; the report is fetched with it"),
        Case("rate-limit-429", "县教委", True, rate_limited(429, "1"), "waits Retry-After, retries, archives"),
        Case("unavailable-503", "县民政局", True, rate_limited(503, None), "backs off, retries, archives"),
        Case("soft-404", "县司法局", False, soft_404(column_path), "soft 404: not followed"),
        Case("redirect-loop", "县人力社保局", False, None, "redirect loop: stopped at the first repeat"),
        Case("off-host-redirect", "县规划自然资源局", False, redirect_to(off_host_url), "off-host: not fetched"),
        Case("gzip-bomb", "县生态环境局", False, gzip_bomb, "decompression bomb: dropped at DOWNLOAD_MAXSIZE"),
        Case("broken-html", "县住房城乡建委", True, broken_html, "read as a report"),
        Case("gbk-declared-utf8", "县交通局", True, gbk_declared_utf8, "decoded as GB18030, read as a report"),
        Case("utf8-declared-gbk", "县水利局", True, utf8_declared_gbk, "decoded as UTF-8, read as a report"),
        Case("empty-200", "县农业农村委", False, empty, "empty body: recorded as a failure"),
        # a report whose text is one line: its numbers are in the PDF, archived as its attachment
        Case("attachment-only", "县商务委", True, None, "the page names only its PDF: a document, attachment archived"),
        Case("stall", "县卫生健康委", False, stall, "timeout: retried, then recorded"),
    ]


def add_cases(replica, builder) -> list[tuple]:
    """Files the cases into the hostile portal's report column; returns its readable reports."""
    from .pages import attachment_page
    from .reports import load_report, render_body

    main = builder.ensure_main_site()
    host = bare_host(main.host)
    hostile = main.column.child("bm", "部门")
    off_host_url = f"http://{OFF_HOST}{hostile.path}202501/t20250116_15319999.html"
    readable = []
    for case in cases(hostile.path, off_host_url):
        doc = builder.new_doc(main, hostile, case.unit, 2024)
        doc.body_html = render_body(load_report(doc.seed), issuer=doc.issuer, year=doc.year)
        month = f"{doc.dir}{doc.date[:6]}/"
        if case.name == "attachment-only":
            doc.point_to_file("pdf", '<p style="text-align:center">详见附件。</p>')
        if case.name == "redirect-loop":
            twin = f"{month}t{doc.date}_{doc.docid}_1.html"
            replica.hostile[(host, month + doc.name)] = redirect_to(twin)
            replica.hostile[(host, twin)] = redirect_to(month + doc.name)
        elif case.handler:
            replica.hostile[(host, month + doc.name)] = case.handler
        replica.hostile_cases[case.name] = f"http://{main.host}{month}{doc.name}"
        if case.readable:
            readable.append((main, doc))
    # the column also links a report published only as a Word file, a 300 MB "PDF",
    # and reports on a look-alike host
    first = hostile.docs[0]
    month = f"{first.dir}{first.date[:6]}/"
    word = f"W0{first.date}990001.doc"
    holder = next(d for d in hostile.docs if d.file_seed)  # the attachment-only report, in Word this time
    holder.extra_files.append(month + word)
    replica.hostile[(host, month + word)] = lambda h, page, path: h.reply(
        200, attachment_page(holder, word).body, "application/msword")
    huge = f"W0{first.date}990002.pdf"
    replica.hostile[(host, month + huge)] = oversized
    hostile.links += [
        (f"{builder.portal.name}2024年政府信息公开工作年度报告(Word版)", month + word),
        ("年度报告全文(扫描件)", month + huge),
        ("城口县2024年政府信息公开工作年度报告(镜像)", off_host_url),
        ("政府信息公开年报(备用)", f"http://www.cqck.gov.cn.{OFF_HOST}{hostile.path}"),
    ]
    # a page that only points to its PDF, whose link is dead (the file was deleted): the page stays a document
    gone = pointer_to_a_gone_file(first, builder)
    hostile.docs.append(gone)
    readable.append((main, gone))
    replica.hostile_cases["pointer-file-gone"] = f"http://{main.host}{gone.path}"
    replica.hostile[(host, RUISHU_SCRIPT)] = ruishu_script
    replica.hostile_cases |= {"word-only": f"http://{main.host}{month}{word}", "oversized": f"http://{main.host}{month}{huge}"}
    # the 镇街 column: one report, listed on list pages that never end
    towns = main.column.child("jz", "镇街")
    report = builder.new_doc(main, towns, "修齐镇", 2024)
    entries = [(f"./{report.date[:6]}/{report.name}", report.title, report.publish_date)]
    endless = endless_column(main, towns, entries)
    replica.hostile_patterns.append((host, re.compile(re.escape(towns.path) + r"(index(_\d+)?\.html)?$"), endless))
    replica.hostile_cases["endless-column"] = f"http://{main.host}{towns.path}"
    readable.append((main, report))
    return readable


def pointer_to_a_gone_file(like, builder):
    """A report page of the column whose body says 详见附件 and links a file that answers 404. Its
    docid is set apart (as the Word and 300 MB files' names are): the replica's sequence stays as it is."""
    from .site import issuer_name

    issuer = issuer_name(builder.portal, "县统计局")
    docid = like.docid - like.docid % 1_000_000 + 990_003
    doc = replace(like, date="20250117", docid=docid, title=builder.title(issuer, 2024), issuer=issuer, year=2024,
                  seed=None, real=False, attachments=[], listed_wap=False, body_html="", extra_files=[])
    doc.point_to_file("pdf", f'<p>详见附件：<a href="./{doc.file_name}.pdf">{doc.title}.pdf</a></p>')
    doc.file_gone = True
    return doc


def route(replica, host: str, path: str) -> Callable | None:
    handler = replica.hostile.get((host, path))
    if handler:
        return handler
    for pattern_host, pattern, handler in replica.hostile_patterns:
        if host == pattern_host and pattern.fullmatch(path):
            return handler
    return None

