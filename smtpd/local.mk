# smtpd/: ecluse-smtpd, the in-transaction relay MX.
noinst_LIBRARIES += smtpd/libsmtpd.a
smtpd_libsmtpd_a_SOURCES = \
	smtpd/client.c smtpd/client.h \
	smtpd/data.c smtpd/data.h \
	smtpd/parse.c smtpd/parse.h \
	smtpd/pool.c smtpd/pool.h \
	smtpd/server.c smtpd/server.h \
	smtpd/session.c smtpd/session.h \
	smtpd/tls.c smtpd/tls.h \
	smtpd/verdict.c smtpd/verdict.h
smtpd_libsmtpd_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) $(CARES_CFLAGS)

sbin_PROGRAMS += smtpd/ecluse-smtpd
smtpd_ecluse_smtpd_SOURCES = smtpd/main.c
smtpd_ecluse_smtpd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)
smtpd_ecluse_smtpd_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
smtpd_ecluse_smtpd_LDADD = smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a $(LIBEVENT_LIBS) $(CARES_LIBS) $(OPENSSL_LIBS) $(STORE_LIBS) \
	$(INIH_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_smtp_command fuzz/fuzz_smtp_data
fuzz_fuzz_smtp_command_SOURCES = fuzz/fuzz_smtp_command.c
fuzz_fuzz_smtp_command_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_smtp_command_LDADD = smtpd/libsmtpd.a
fuzz_fuzz_smtp_data_SOURCES = fuzz/fuzz_smtp_data.c
fuzz_fuzz_smtp_data_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_smtp_data_LDADD = smtpd/libsmtpd.a
endif
