/*
 * webconf.h - one version of what ecluse-web's request threads read from the config
 * file: the public pages' struct web, the admin API's context (domains, tokens),
 * the CAPTCHA font, the origin of base_url and the trusted proxies.
 *
 * main builds one at start and one on each SIGHUP, and publishes it through
 * common/snapshot.h; server.c and admin_server.c take the current version when a
 * request starts (snapshot_get) and give it back when it completes, so a request
 * answers with the configuration it started with. A version is never changed once
 * published; main frees it with its last request.
 */
#ifndef ECLUSE_WEBCONF_H
#define ECLUSE_WEBCONF_H

#include "release-web/admin.h"
#include "release-web/proxies.h"
#include "release-web/web.h"

/* The origin of base_url: "https://" + a host name + ":65535" */
#define WEB_ORIGIN_MAX	(8 + 255 + 6 + 1)

struct config;
struct captcha_font;

struct web_conf {
	struct web		 w;		/* the public pages */
	struct admin_ctx	 admin;		/* the admin API; admin.w is &w */
	struct config		*cf;
	struct captcha_font	*font;
	char			 origin[WEB_ORIGIN_MAX];
	struct proxies		 proxies;	/* w.proxies is &proxies */
	int			 owns_cf;	/* not the start config, which main keeps */
};

#endif
