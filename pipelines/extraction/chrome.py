"""Lines of site chrome that slip into a body: removed line by line.

Every rule matches a whole short line (navigation, share bars, footers), so a report's own
sentence that mentions 中国政府网 or 网站 is never removed.
"""

from __future__ import annotations

import re

FOOTER_GROUPS = {
    "中国政府网", "国务院部门网站", "地方政府网站", "市政府部门网站", "区县政府网站", "其他网站",
    "公共服务单位网站", "新闻媒体网站", "中央政府及国家部委网站", "省政府部门网站", "市县政府网站",
    "友情链接", "相关链接", "网站导航", "网站地图", "联系我们", "使用帮助", "无障碍", "长辈版", "手机版",
    "上一篇", "下一篇", "返回顶部", "导航", "相关附件", "附件下载",
}
CHROME_LINE = re.compile(
    "|".join([
        r"^扫一扫在手机(上)?打开(当前|本)页",
        r"^(手机|微信)?扫一扫",
        r"^分享到[:：]?",
        r"^[【\[]?(打印本页|关闭窗口|打印|关闭|收藏|返回|顶部)[】\]]?(\s*[【\[]?(打印本页|关闭窗口|打印|关闭|收藏|返回|顶部)[】\]]?)*$",
        r"^(字号|字体|【字体)[:：]?\s*[【\[]?(大|中|小|默认)?",
        r"^[【\[]?[大中小][】\]]?(\s*[【\[]?[大中小][】\]]?){1,2}$",
        r"^(浏览次数|访问量|点击数|阅读次数|阅读量)[:：]",
        r"^(您当前的位置|您的位置|当前位置|您现在的位置|您所在的位置|所在位置)[:：]",
        r"^\d{4}-\d{1,2}-\d{1,2}[\s\d:]*(来源|作者|编辑)[:：].{0,40}$",  # a date and source line
        r"^语音播报$",
        r"^(来源|信息来源|发布机构|发布日期|发布时间|日期|作者|责任编辑|编辑|文章来源)[:：].{0,60}$",
        r"版权所有",
        r"ICP备\s*\d",
        r"公网安备",
        r"^网站标识码",
        r"^(主办单位|承办单位|主办|承办|技术支持|运维单位)[:：]",
        r"^(上一篇|下一篇)[:：]",
    ])
)
NAV_BAR = re.compile(r"^[^|。，,]{1,14}(\s*\|\s*[^|。，,]{0,14}){2,}$")


def is_chrome(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return True
    if "\t" in stripped:
        return False  # a table row
    if stripped in FOOTER_GROUPS:
        return True
    if len(stripped) > 120:
        return False
    return bool(CHROME_LINE.search(stripped) or NAV_BAR.match(stripped))


def remove_chrome(lines: list[str]) -> list[str]:
    return [line for line in lines if not is_chrome(line)]
