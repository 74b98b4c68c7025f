noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/config.c common/config.h \
	common/header.c common/header.h \
	common/log.c common/log.h \
	common/netaddr.c common/netaddr.h \
	common/xmalloc.c common/xmalloc.h
common_libcommon_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
common_libcommon_a_SOURCES += common/template.c common/template.h
# Release tokens (libsodium): programs that use common/token.h link $(SODIUM_LIBS).
common_libcommon_a_SOURCES += common/token.c common/token.h
common_libcommon_a_CFLAGS += $(SODIUM_CFLAGS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_token
TESTS += tests/unit/test_token
tests_unit_test_token_SOURCES = tests/unit/test_token.c
tests_unit_test_token_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_token_LDADD = common/libcommon.a $(CMOCKA_LIBS) $(SODIUM_LIBS)
endif
if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_token
fuzz_fuzz_token_SOURCES = fuzz/fuzz_token.c
fuzz_fuzz_token_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_token_LDADD = common/libcommon.a $(SODIUM_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_header
TESTS += tests/unit/test_header
tests_unit_test_header_SOURCES = tests/unit/test_header.c
tests_unit_test_header_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_header_LDADD = common/libcommon.a $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_header
fuzz_fuzz_header_SOURCES = fuzz/fuzz_header.c
fuzz_fuzz_header_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_header_LDADD = common/libcommon.a
endif

# Versions of a reloaded configuration shared by threads (ecluse-web's SIGHUP).
common_libcommon_a_SOURCES += common/snapshot.c common/snapshot.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_snapshot
TESTS += tests/unit/test_snapshot
tests_unit_test_snapshot_SOURCES = tests/unit/test_snapshot.c
tests_unit_test_snapshot_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_snapshot_LDADD = common/libcommon.a $(CMOCKA_LIBS)
endif

# bench/bench_config: the served-domain gate and reload with many domains.
noinst_PROGRAMS += bench/bench_config
bench_bench_config_SOURCES = bench/bench_config.c
bench_bench_config_LDADD = common/libcommon.a $(INIH_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_config
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c
fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_config_LDADD = common/libcommon.a $(INIH_LIBS)
endif

# Subaddressing (recipient_delimiter): the mailbox of a recipient address.
common_libcommon_a_SOURCES += common/mailbox.c common/mailbox.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_mailbox
TESTS += tests/unit/test_mailbox
tests_unit_test_mailbox_SOURCES = tests/unit/test_mailbox.c tests/unit/conf_text.h
tests_unit_test_mailbox_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mailbox_LDADD = common/libcommon.a $(CMOCKA_LIBS) $(INIH_LIBS)
endif
if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_mailbox
fuzz_fuzz_mailbox_SOURCES = fuzz/fuzz_mailbox.c
fuzz_fuzz_mailbox_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mailbox_LDADD = common/libcommon.a $(INIH_LIBS)
endif
