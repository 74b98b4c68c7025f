# tests/: unit tests (cmocka, TAP); integration and browser tests run from tests/run.
EXTRA_DIST += tests/run
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/conf_text.h
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_config_LDADD = common/libcommon.a $(CMOCKA_LIBS) $(INIH_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_smtp_parse tests/unit/test_smtp_data
TESTS += tests/unit/test_smtp_parse tests/unit/test_smtp_data
tests_unit_test_smtp_parse_SOURCES = tests/unit/test_smtp_parse.c
tests_unit_test_smtp_parse_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtp_parse_LDADD = smtpd/libsmtpd.a $(CMOCKA_LIBS)
tests_unit_test_smtp_data_SOURCES = tests/unit/test_smtp_data.c
tests_unit_test_smtp_data_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_smtp_data_LDADD = smtpd/libsmtpd.a $(CMOCKA_LIBS)
endif

# Differential tests of auth/ against python3-dkim and python3-spf
# (tests/integration/test_*_diff.py): small programs that print ecluse's answers.
noinst_PROGRAMS += tests/integration/dkim_canon_tool
tests_integration_dkim_canon_tool_SOURCES = tests/integration/dkim_canon_tool.c \
	tests/integration/tool_input.c tests/integration/tool_input.h
tests_integration_dkim_canon_tool_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
noinst_PROGRAMS += tests/integration/dkim_verify_tool
tests_integration_dkim_verify_tool_SOURCES = tests/integration/dkim_verify_tool.c \
	tests/integration/tool_input.c tests/integration/tool_input.h
tests_integration_dkim_verify_tool_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) \
	$(OPENSSL_LIBS) $(SODIUM_LIBS)
noinst_PROGRAMS += tests/integration/spf_macro_tool
tests_integration_spf_macro_tool_SOURCES = tests/integration/spf_macro_tool.c \
	tests/integration/tool_input.c tests/integration/tool_input.h
tests_integration_spf_macro_tool_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
