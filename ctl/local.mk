# ctl/: eclusectl, one file per command (ctl/cmd_*.c), the table in ctl/main.c.
bin_PROGRAMS += ctl/eclusectl
ctl_eclusectl_SOURCES = ctl/ctl.h ctl/main.c \
	ctl/cmd_auth.c
ctl_eclusectl_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CARES_CFLAGS)
ctl_eclusectl_LDADD = auth/libauth.a common/libcommon.a $(LIBEVENT_LIBS) $(CARES_LIBS) \
	$(OPENSSL_LIBS) $(SODIUM_LIBS) $(INIH_LIBS)
