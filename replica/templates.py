"""HTML of the Chongqing platform (重庆市政府网站集约化平台), after `reference/portals.md`.

Every page carries the platform's chrome (top bar, navigation, breadcrumb, QR block, footer link
groups, 网站标识码/ICP), so the replica is never cleaner than the real pages.
"""

from __future__ import annotations

from html import escape

FOOTER_GROUPS = [
    ("中国政府网", [("中国政府网", "https://www.gov.cn/")]),
    ("国务院部门网站", [("外交部", "https://www.mfa.gov.cn/"), ("国家发展和改革委员会", "https://www.ndrc.gov.cn/")]),
    ("地方政府网站", [("北京", "https://www.beijing.gov.cn/"), ("四川", "https://www.sc.gov.cn/")]),
    ("市政府部门网站", [("市教委", "http://jw.cq.gov.cn/"), ("市外办", "http://zfwb.cq.gov.cn/")]),
    ("区县政府网站", []),  # filled with the other districts: links that leave the portal
    ("其他网站", [("重庆市人民政府网", "https://www.cq.gov.cn/")]),
    ("公共服务单位网站", [("重庆市自来水公司", "http://www.cqswater.example.cn/")]),
    ("新闻媒体网站", [("华龙网", "https://www.cqnews.net/"), ("重庆日报", "https://www.cqrb.cn/")]),
]


def _links(pairs) -> str:
    return "".join(f'<li><a href="{escape(u)}" target="_blank">{escape(t)}</a></li>' for t, u in pairs)


def top_bar(site_name: str, style: str) -> str:
    if style == "none":
        return ""
    return (
        '<div class="top"><div class="w1200"><div class="top-l">'
        '<a href="https://www.gov.cn/" target="_blank">中国政府网</a> | '
        '<a href="https://www.cq.gov.cn/" target="_blank">重庆市人民政府网</a> | '
        f'<a href="/">{escape(site_name)}</a> <span class="bmjz">部门街镇</span></div>'
        '<div class="top-r"><a href="javascript:void(0)" id="wza">无障碍</a> <a href="javascript:void(0)">长辈版</a>'
        ' <a href="/zwgk_wap/">手机版</a></div></div></div>'
    )


def footer(site: "object", districts: list[tuple[str, str]]) -> str:
    groups = []
    for name, pairs in FOOTER_GROUPS:
        pairs = districts if name == "区县政府网站" else pairs
        groups.append(
            f'<div class="yqlj-item"><div class="yqlj-tit">{name}<i></i></div><ul class="yqlj-list">{_links(pairs)}</ul></div>'
        )
    return (
        f'<div class="yqlj"><div class="w1200">{"".join(groups)}</div></div>'
        '<div class="footer"><div class="w1200">'
        '<p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/sybz/">使用帮助</a></p>'
        f'<p>主办单位:{escape(site.owner)} &nbsp; 承办单位:{escape(site.owner)}办公室</p>'
        f'<p>网站标识码:{site.site_code} &nbsp; <a href="https://beian.miit.gov.cn/" target="_blank">渝ICP备{site.icp}号</a>'
        f' &nbsp; <img src="/images/ga.png" alt=""/>渝公网安备 {site.police}号</p>'
        '<p>版权所有:' + escape(site.owner) + "</p></div></div>"
    )


def page(title: str, head_meta: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{escape(title)}</title>\n{head_meta}"
        '<link rel="stylesheet" href="/images/common.css">\n'
        '<script src="/images/jquery-1.11.3.min.js"></script>\n'
        '<script src="/images/qrcode.min.js"></script>\n'
        f"</head>\n<body>\n{body}\n"
        '<script src="/images/common.js"></script>\n</body>\n</html>\n'
    )


def nav(site, items: list[tuple[str, str]]) -> str:
    return (
        f'<div class="header"><div class="w1200"><div class="logo"><a href="{site.home}">'
        f'<img src="/images/logo.png" alt="{escape(site.name)}"/><span>{escape(site.name)}</span></a></div>'
        '<div class="search"><form action="/irs/search" method="get"><input name="searchWord" type="text"/>'
        '<button type="submit">搜索</button></form></div></div></div>'
        f'<div class="nav"><ul class="w1200">{_links(items)}</ul></div>'
    )


def breadcrumb(site, trail: list[tuple[str, str]], style: str) -> str:
    label = {"wz": "您当前位置:", "bishan": "您的位置:"}.get(style, "您当前的位置:")
    sep = " > " if style in ("wz", "ddk") else ">"
    crumbs = sep.join(f'<a href="{u}">{escape(t)}</a>' for t, u in [("首页", site.home), *trail])
    return f'<div class="position w1200">{label}{crumbs}</div>'


def home_page(site, sections: list[tuple[str, str]], subsites: list[tuple[str, str]], news: list[tuple[str, str]], districts) -> str:
    body = (
        top_bar(site.name, site.style)
        + nav(site, [("首页", site.home), *sections, ("互动交流", "/hdjl/"), ("政务服务", "https://zwykb.cq.gov.cn/")])
        + '<div class="w1200 main">'
        + f'<div class="bmjz-box"><div class="tit">部门街镇</div><ul>{_links(subsites)}</ul></div>'
        + f'<div class="news"><div class="tit">{escape(site.short)}要闻</div><ul>{_links(news)}</ul></div>'
        + "</div>"
        + footer(site, districts)
    )
    return page(site.name, f'<meta name="SiteName" content="{escape(site.name)}">\n', body)


def section_page(site, entries: list[tuple[str, str]], districts) -> str:
    """政务公开: the catalogue of the site's disclosure columns."""
    body = (
        top_bar(site.name, site.style)
        + nav(site, [("首页", site.home), ("政务公开", site.section_url)])
        + breadcrumb(site, [("政务公开", site.section_url)], site.style)
        + '<div class="w1200 zwgk-main"><div class="zwgk-nav"><ul>'
        + _links(entries)
        + "</ul></div></div>"
        + footer(site, districts)
    )
    return page(f"政务公开_{site.name}", "", body)


def list_page(site, column, entries: list[tuple[str, str, str]], page_no: int, pages: int, tabs, trail, districts) -> str:
    items = "".join(
        f'<li><a href="{href}" title="{escape(title)}" target="_blank">{escape(_shorten(title))}</a><span>{date}</span></li>'
        for href, title, date in entries
    )
    tab_html = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for t, u in tabs)
    pager = (
        f'<div class="page" id="page_div"></div><script type="text/javascript">'
        f'createPage({pages}, {page_no}, "index", "html", "page_div", {column.page_size});</script>'
        if pages > 1
        else ""
    )
    body = (
        top_bar(site.name, site.style)
        + nav(site, [("首页", site.home), ("政务公开", site.section_url)])
        + breadcrumb(site, trail, site.style)
        + '<div class="w1200 list-main">'
        + (f'<div class="sub-nav"><ul>{tab_html}</ul></div>' if tabs else "")
        + f'<div class="list-box"><div class="list-tit">{escape(column.name)}</div><ul class="list">{items}</ul>{pager}</div>'
        + "</div>"
        + footer(site, districts)
    )
    return page(f"{column.name}_{site.name}", f'<meta name="ColumnName" content="{escape(column.name)}">\n', body)


def _shorten(title: str, limit: int = 28) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def detail_page(site, doc, body_html: str, trail, districts) -> str:
    date = doc.publish_date
    meta = (
        f'<meta name="SiteName" content="{escape(site.name)}">\n'
        f'<meta name="ColumnName" content="政府信息公开年报">\n'
        f'<meta name="ArticleTitle" content="{escape(doc.title)}">\n'
        f'<meta name="PubDate" content="{date} {doc.pub_time}">\n'
        f'<meta name="ContentSource" content="{escape(doc.source)}">\n'
    )
    info = {
        "ddk": f"日期: {date}",
        "wz": f"日期:{date} 来源:{escape(doc.issuer)}</span><span>语音播报",
        "cqstl": f"发布日期:{date} 来源:{escape(doc.source)}</span><span>字号:<a>大</a> <a>中</a> <a>小</a>",
        "bishan": f"日期: {date}</span><span>字体:<a>大</a> <a>中</a> <a>小</a>",
    }.get(site.style, f"日期:{date}</span><span>来源:{escape(doc.source)}</span><span>字号:<a>大</a> <a>中</a> <a>小</a>")
    table = (
        '<table class="zwxl-table"><tbody>'
        f'<tr><td class="t1">索引号:</td><td class="t2">{doc.index_no}</td><td class="t1">主题分类:</td><td class="t2">其他</td></tr>'
        f'<tr><td class="t1">发布机构:</td><td class="t2">{escape(doc.issuer)}</td><td class="t1">成文日期:</td><td class="t2">{date}</td></tr>'
        f'<tr><td class="t1">标题:</td><td class="t2" colspan="3">{escape(doc.title)}</td></tr>'
        f'<tr><td class="t1">发文字号:</td><td class="t2"></td><td class="t1">发布日期:</td><td class="t2">{date}</td></tr>'
        "</tbody></table>"
    )
    attachments = (
        '<div class="fj"><p>附件:</p><ul>'
        + "".join(f'<li><a href="./{f}" target="_blank">{escape(n)}</a></li>' for n, f in doc.attachments)
        + "</ul></div>"
        if doc.attachments
        else ""
    )
    body = (
        top_bar(site.name, site.style)
        + (f'<div class="sub-head"><h2>{escape(site.name)}</h2></div>' if site.style == "hc" else "")
        + nav(site, [("首页", site.home), ("政务公开", site.section_url)])
        + breadcrumb(site, trail, site.style)
        + '<div class="w1200 zwxl">'
        + table
        + f'<div class="zwxl-title"><p class="tit">{escape(doc.title)}</p>'
        + f'<div class="zwxl-bar"><span>{info}</span><span class="fx">分享到:<a class="wx">微信</a><a class="wb">微博</a></span></div></div>'
        + f'<div class="zwxl-article">{body_html}</div>'
        + attachments
        + '<div class="zwxl-foot"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a>'
        + f' <a href="{doc.wap_name}">手机版</a></div>'
        + '<div id="div_div"><div id="qr_container">扫一扫在手机打开当前页</div><canvas width="100" height="100"></canvas></div>'
        + "</div>"
        + footer(site, districts)
    )
    return page(f"{doc.title}_{site.name}", meta, body)
