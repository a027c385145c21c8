"""The User-Agent names the project and a contact a site's operator can reach.

The contact is NIANBAO_CONTACT (a setting, or the environment variable of that name); the
USER_AGENT setting is a template with `{contact}`. An add-on fills it in before the settings are
frozen, so every component, and the WARC's warcinfo record, sees the User-Agent actually sent.
"""

from __future__ import annotations


class ContactUserAgent:
    def update_settings(self, settings):
        agent = settings.get("USER_AGENT") or ""
        if "{contact}" in agent:
            contact = settings.get("NIANBAO_CONTACT") or "https://github.com/nianbao/nianbao"
            settings.set("USER_AGENT", agent.replace("{contact}", contact), priority=settings.getpriority("USER_AGENT"))
