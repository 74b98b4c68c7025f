# fuzz/: libFuzzer targets, built with ./configure CC=clang --enable-fuzzing.
# Each folder's local.mk adds its own targets, in this form:
#   if ENABLE_FUZZING
#   noinst_PROGRAMS += fuzz/fuzz_NAME
#   fuzz_fuzz_NAME_SOURCES = fuzz/fuzz_NAME.c
#   fuzz_fuzz_NAME_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
#   fuzz_fuzz_NAME_LDADD = ...
#   endif
# tests/run runs each briefly with its seed corpus fuzz/corpus/NAME/ and
# dictionary fuzz/dict/NAME.dict.
