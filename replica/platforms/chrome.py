"""The chrome every government page carries, whatever its platform: header and navigation,
breadcrumb, 分享到 and the 扫一扫在手机打开当前页 block, footer link groups, 版权所有 and the ICP
line — and the ways real menus write a link's text (reference/platforms.md, "Reaching the
column"): plain, split by `<br>`, only in `title`, or in `<em>`/`<span>` beside an icon.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Chrome:
    """What a site shows around its content; a platform module fills it once per site."""

    site_name: str
    owner: str
    home: str
    nav: tuple[tuple[str, str], ...]
    province: tuple[str, str]  # the provincial portal, linked from the top bar
    icp: str  # e.g. 津ICP备05004370号
    police: str
    site_code: str
    siblings: tuple[tuple[str, str], ...] = ()  # other governments' portals: links that leave the portal


def link(href: str, text: str, style: str = "plain", cls: str = "") -> str:
    """A link whose text is written as real menus write it."""
    c = f' class="{cls}"' if cls else ""
    h = escape(href)
    if style == "br":  # 政府信息<br>公开年报
        cut = len(text) // 2
        return f'<a href="{h}"{c}>{escape(text[:cut])}<br>{escape(text[cut:])}</a>'
    if style == "title":  # an icon, the name only in the title attribute
        return f'<a href="{h}"{c} title=\'{escape(text)}\'><img src="/images/icon_nb.png" alt=""></a>'
    if style == "em":
        return f'<a href="{h}"{c}><i class="iconfont icon-nianbao"></i><em>{escape(text)}</em></a>'
    if style == "span":
        return f'<a href="{h}"{c}><img src="/images/ico_gknb.png" alt=""><span>{escape(text)}</span></a>'
    return f'<a href="{h}"{c} target="_blank">{escape(text)}</a>'


def links(pairs, style: str = "plain") -> str:
    return "".join(f"<li>{link(u, t, style)}</li>" for t, u in pairs)


def document(title: str, body: str, meta: str = "", scripts: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{escape(title)}</title>\n{meta}"
        '<link rel="stylesheet" href="/images/style.css">\n<script src="/images/jquery.min.js"></script>\n'
        f"{scripts}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def header(c: Chrome) -> str:
    return (
        '<div class="top-bar"><div class="wrap">'
        f'<span class="welcome">欢迎访问{escape(c.site_name)}!</span>'
        f'<a href="https://www.gov.cn/" target="_blank">中国政府网</a> | '
        f'<a href="{escape(c.province[1])}" target="_blank">{escape(c.province[0])}</a> | '
        '<a href="javascript:void(0)" class="wza">无障碍浏览</a> <a href="javascript:void(0)">长者模式</a>'
        '</div></div>'
        f'<div class="header"><div class="wrap"><a class="logo" href="{escape(c.home)}">'
        f'<img src="/images/logo.png" alt="{escape(c.site_name)}"></a>'
        '<form class="search" action="/search/" method="get" target="_blank"><input name="q" type="text" placeholder="请输入关键字">'
        '<button type="submit">搜索</button></form></div></div>'
        f'<div class="nav"><ul class="wrap">{links(c.nav)}</ul></div>'
    )


def breadcrumb(c: Chrome, trail) -> str:
    crumbs = " &gt; ".join(f'<a href="{escape(u)}">{escape(t)}</a>' for t, u in [("首页", c.home), *trail])
    return f'<div class="location wrap">当前位置:{crumbs}</div>'


def share_and_qr() -> str:
    return (
        '<div class="share">分享到:<a class="bds_weixin" title="分享到微信">微信</a>'
        '<a class="bds_tsina" title="分享到新浪微博">微博</a><a class="bds_qzone" title="分享到QQ空间">QQ空间</a></div>'
        '<div class="qrcode"><div id="qrcode"></div><p>扫一扫在手机打开当前页</p></div>'
        '<div class="print"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></div>'
    )


def footer(c: Chrome) -> str:
    groups = [
        ("国家部委网站", (("外交部", "https://www.mfa.gov.cn/"), ("国家发展和改革委员会", "https://www.ndrc.gov.cn/"))),
        ("省市政府网站", ((c.province[0], c.province[1]), *c.siblings)),
        ("新闻媒体网站", (("新华网", "http://www.xinhuanet.com/"), ("人民网", "http://www.people.com.cn/"))),
    ]
    selects = "".join(
        f'<div class="link-group"><span>{escape(name)}</span><ul>{links(pairs)}</ul></div>' for name, pairs in groups
    )
    return (
        f'<div class="friend-links"><div class="wrap">{selects}</div></div>'
        '<div class="footer"><div class="wrap">'
        '<p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/sybz/">使用帮助</a></p>'
        f"<p>版权所有:{escape(c.owner)} &nbsp; 主办:{escape(c.owner)}办公室</p>"
        f'<p>网站标识码:{c.site_code} &nbsp; <a href="https://beian.miit.gov.cn/" target="_blank">{escape(c.icp)}</a>'
        f' &nbsp; <img src="/images/ga.png" alt="">{escape(c.police)}</p>'
        '<p><img src="/images/jiucuo.png" alt="政府网站找错"> <img src="/images/dzjg.png" alt="党政机关"></p>'
        "</div></div>"
    )


def decoys(work_report: str, statistics: str) -> str:
    """What a home page shows that looks like the way in and is not (reference/platforms.md):
    a template's `href="#"` placeholder, the 政府工作报告, the 统计公报."""
    return (
        '<div class="zt-box"><ul>'
        '<li><a href="#">政府信息公开年报</a></li>'
        f'<li><a href="{escape(work_report)}">政府工作报告</a></li>'
        f'<li><a href="{escape(statistics)}">统计公报</a></li>'
        "</ul></div>"
    )


def page(c: Chrome, title: str, content: str, trail=None, meta: str = "", scripts: str = "") -> str:
    """A whole page of a site: chrome around `content`."""
    crumbs = breadcrumb(c, trail) if trail else ""
    body = header(c) + crumbs + f'<div class="main wrap">{content}</div>' + footer(c)
    return document(f"{title}_{c.site_name}", body, meta, scripts)


def article_meta(doc) -> str:
    return (f'<meta name="ArticleTitle" content="{escape(doc.title)}">\n'
            f'<meta name="PubDate" content="{doc.publish_date} 09:30">\n'
            f'<meta name="ContentSource" content="{escape(doc.issuer)}">\n')


def article(doc, container: str) -> str:
    """A document's page content; `container` is the platform's body element, opened."""
    tag = container.split()[0].lstrip("<")
    return (
        f'<div class="article"><h1 class="article-title">{escape(doc.title)}</h1>'
        f'<div class="article-info"><span>发布时间:{doc.publish_date}</span><span>来源:{escape(doc.issuer)}</span>'
        '<span>字号:[<a>大</a> <a>中</a> <a>小</a>]</span></div>'
        f"{container}{doc.body_html()}</{tag}>"
        + share_and_qr() + "</div>"
    )
