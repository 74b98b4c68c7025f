sbin_PROGRAMS += smtpd/ecluse-smtpd
smtpd_ecluse_smtpd_SOURCES = smtpd/main.c
smtpd_ecluse_smtpd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
smtpd_ecluse_smtpd_LDADD = common/libcommon.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(INIH_LIBS)
