# store/: the one storage API (store.h) and its sqlite3 backend.
# Programs using it link: store/libstore.a common/libcommon.a $(STORE_LIBS)
noinst_LIBRARIES += store/libstore.a
store_libstore_a_SOURCES = \
	store/store.h store/store.c \
	store/backend.h \
	store/display.h store/display.c \
	store/writer.h store/writer.c \
	store/sqlite_int.h store/sqlite.c store/sqlite_schema.c \
	store/sqlite_held.c store/sqlite_lists.c store/sqlite_purge.c store/sqlite_digest.c
store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) -pthread
STORE_LIBS = $(SQLITE_LIBS) $(SODIUM_LIBS) -lpthread

# Held-message commits per second, group commit against one transaction per message.
noinst_PROGRAMS += bench/bench_store
bench_bench_store_SOURCES = bench/bench_store.c
bench_bench_store_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) -pthread
bench_bench_store_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) -pthread
tests_unit_test_store_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS) \
	$(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_store
fuzz_fuzz_store_SOURCES = fuzz/fuzz_store.c
fuzz_fuzz_store_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_store_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS)
endif

# Integration: holds messages through the API, for tests/integration/test_ctl_store.py.
noinst_PROGRAMS += tests/integration/store_fill
tests_integration_store_fill_SOURCES = tests/integration/store_fill.c
tests_integration_store_fill_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS)
