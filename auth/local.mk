# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/taglist.h auth/taglist.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) \
	$(LIBEVENT_CFLAGS)

# DNS resolver (c-ares in libevent), DMARC, From, Authentication-Results, glue.
auth_libauth_a_SOURCES += \
	auth/resolver.h auth/resolver.c
